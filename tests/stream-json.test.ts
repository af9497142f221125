// examples/stream_json.ts: the method "json" takes {"count": N, "prefix": "p"} and streams N frames
// {"seq":i,"text":"p<i>"}, paced by credit; anything else is refused with InvalidArgument at Open by the
// SDK's JsonReader (which never aborts), so the instance keeps serving. The fuzz part feeds
// random bytes, mutated requests and valid requests in random spellings to one instance: never a trap,
// always 0 or 3, and an accepted request is one JavaScript's JSON.parse reads the same way.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CloseReason, HostStatus, IxtHost, StreamErrorCode, streamIdOf } from "../host-shim/index.js";
import { example } from "./helpers.js";
import { runs } from "./json-reference.js";

const INVALID_ARGUMENT = StreamErrorCode.InvalidArgument; // 3
const id = streamIdOf(1);
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // a BOM stays, and is not JSON
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** True when `s` has no lone surrogate (String.prototype.isWellFormed, which ES2022's lib lacks). */
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
/** The frame the i-th tick must carry, byte for byte: JavaScript's compact JSON. */
const tick = (prefix: string, i: number) => JSON.stringify({ seq: i, text: `${prefix}${i}` });
/** The text of each call the module made, or its kind for Close and Error. */
const texts = (host: IxtHost) =>
  host.sent.map((c) =>
    c.kind === "Data" ? decode(c.payload) : c.kind === "Error" ? `Error ${c.code}` : c.kind,
  );
const request = (count: unknown, prefix: unknown) => JSON.stringify({ count, prefix });
const load = (options?: Parameters<typeof IxtHost.load>[1]) => IxtHost.load(example("stream_json"), options);

describe("stream_json: the stream", () => {
  it("sends N ticks and closes, with unlimited credit", async () => {
    const host = await load();
    expect(host.open(id, { method: "json", payload: request(3, "p") })).toBe(0);
    expect(texts(host)).toEqual([tick("p", 1), tick("p", 2), tick("p", 3), "Close"]);
    expect(texts(host)[0]).toBe('{"seq":1,"text":"p1"}');
    expect(host.sent.at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });

  it("closes at once for a count of 0", async () => {
    const host = await load();
    expect(host.open(id, { method: "json", payload: '{"count":0,"prefix":""}' })).toBe(0);
    expect(texts(host)).toEqual(["Close"]);
  });

  it("sends each tick whole once the credit covers it, continuing in onWritable", async () => {
    const host = await load();
    const size = (i: number) => tick("p", i).length; // 21 bytes for 1 to 9, 23 for 10 to 12
    expect(host.open(id, { method: "json", payload: request(12, "p"), initialCredit: 30 })).toBe(0);
    expect(texts(host)).toEqual([tick("p", 1)]); // 9 left
    host.credit(id, 11);
    expect(texts(host).slice(1)).toEqual([]); // 20 < 21
    host.credit(id, 1);
    expect(texts(host).slice(1)).toEqual([tick("p", 2)]);
    host.credit(id, 7 * 21 + size(10) - 1);
    expect(texts(host).slice(2)).toEqual([3, 4, 5, 6, 7, 8, 9].map((i) => tick("p", i))); // "10" is 1 short
    host.credit(id, 1);
    expect(texts(host).slice(9)).toEqual([tick("p", 10)]);
    host.credit(id, 2 * size(11));
    expect(texts(host).slice(10)).toEqual([tick("p", 11), tick("p", 12), "Close"]);
    expect(host.sent.every((c) => c.status === HostStatus.Ok)).toBe(true); // never beyond the credit
  });

  it("paces any sequence of grants like the model: a tick goes out as soon as the credit covers it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.string({ maxLength: 8 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 30 }),
        async (count, prefix, initial, grants) => {
          fc.pre(wellFormed(prefix));
          const host = await load();
          expect(
            host.open(id, { method: "json", payload: request(count, prefix), initialCredit: initial }),
          ).toBe(0);
          const expected: string[] = [];
          let credit = initial;
          let next = 1;
          const pump = () => {
            for (; next <= count && encoder.encode(tick(prefix, next)).length <= credit; next++) {
              credit -= encoder.encode(tick(prefix, next)).length;
              expected.push(tick(prefix, next));
            }
            if (next > count && expected.at(-1) !== "Close") expected.push("Close");
          };
          pump();
          expect(texts(host)).toEqual(expected);
          for (const grant of grants) {
            host.credit(id, grant);
            credit += grant;
            pump();
            expect(texts(host)).toEqual(expected);
          }
        },
      ),
      runs(200),
    );
  });

  it("goes on producing after the caller closes its side", async () => {
    const host = await load();
    expect(host.open(id, { method: "json", payload: request(3, "x"), initialCredit: 22 })).toBe(0);
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    expect(texts(host)).toEqual([tick("x", 1)]);
    host.credit(id, 44);
    expect(texts(host)).toEqual([tick("x", 1), tick("x", 2), tick("x", 3), "Close"]);
  });

  it("JSON-escapes the prefix in each tick, as JSON.stringify does", async () => {
    const prefixes = ['a"b\\c', "\n\t\b\f\r\u0000\u0001\u001f\u007f/", "é✓😀\u2028\u2029", "</script>", " "];
    const host = await load();
    prefixes.forEach((prefix, n) => {
      host.clearSent();
      expect(host.open(streamIdOf(10 + n), { method: "json", payload: request(2, prefix) })).toBe(0);
      expect(texts(host)).toEqual([tick(prefix, 1), tick(prefix, 2), "Close"]);
    });
  });

  it("reads every escape and spelling JSON allows in the request", async () => {
    const host = await load();
    const cases: [string, string][] = [
      ['{"prefix":"p","count":2}', "p"], // any order
      [' \t\r\n{ \n"count" :\t2 ,\r\n "prefix"  :  "p" } \n', "p"], // JSON whitespace anywhere
      ['{"count":2,"prefix":"\\"\\\\\\/\\b\\f\\n\\r\\t"}', '"\\/\b\f\n\r\t'],
      ['{"count":2,"prefix":"\\u0041\\u00e9\\u00E9\\u2028\\ud83d\\ude00\\u0000"}', "Aéé\u2028😀\u0000"],
      ['{"count":2,"prefix":"raw é✓😀"}', "raw é✓😀"],
      ['{"co\\u0075nt":2,"\\u0070refix":"p"}', "p"], // member names are compared with escapes resolved
    ];
    cases.forEach(([payload, prefix], n) => {
      host.clearSent();
      expect(host.open(streamIdOf(20 + n), { method: "json", payload }), payload).toBe(0);
      expect(texts(host), payload).toEqual([tick(prefix, 1), tick(prefix, 2), "Close"]);
    });
  });

  it("accepts a count of 1000000", async () => {
    const host = await load();
    expect(host.open(id, { method: "json", payload: request(1_000_000, "p"), initialCredit: 0 })).toBe(0);
    host.credit(id, 22); // the first tick is 21 bytes, the second does not fit
    expect(texts(host)).toEqual([tick("p", 1)]);
    expect(host.cancel(id, 0)).toBe(0);
  });

  it("fails the stream when the host refuses a tick, and retries one it blocked", async () => {
    let refuse = 0;
    const host = await load({
      respond: (call) => (call.kind === "Data" && decode(call.payload) === tick("p", 2) ? refuse : undefined),
    });
    refuse = HostStatus.PayloadTooLarge;
    expect(host.open(id, { method: "json", payload: request(3, "p") })).toBe(0);
    expect(texts(host).at(-1)).toBe(`Error ${StreamErrorCode.PayloadTooLarge}`);
    refuse = HostStatus.Internal;
    expect(host.open(streamIdOf(2), { method: "json", payload: request(3, "p") })).toBe(0);
    expect(texts(host).at(-1)).toBe(`Error ${StreamErrorCode.Internal}`);

    host.clearSent();
    let blocked = false; // WouldBlock once: the tick is kept and goes out on a retry, in order
    const blocking = await load({
      respond: (call) => {
        if (call.kind !== "Data" || decode(call.payload) !== tick("p", 2) || blocked) return undefined;
        blocked = true;
        return HostStatus.WouldBlock;
      },
    });
    expect(blocking.open(id, { method: "json", payload: request(3, "p") })).toBe(0);
    expect(blocking.credit(id, 0)).toBe(0); // a nudge
    const delivered = blocking.sent.filter((c) => c.status === HostStatus.Ok);
    expect(delivered.map((c) => (c.kind === "Data" ? decode(c.payload) : c.kind))).toEqual([
      tick("p", 1),
      tick("p", 2),
      tick("p", 3),
      "Close",
    ]);
  });

  it("answers another method with Unimplemented", async () => {
    const host = await load();
    expect(host.open(id, { method: "JSON", payload: request(1, "p") })).toBe(StreamErrorCode.Unimplemented);
    expect(host.open(streamIdOf(2), { payload: request(1, "p") })).toBe(StreamErrorCode.Unimplemented);
  });
});

/** Requests refused with InvalidArgument, by reason. */
const MALFORMED: [string, string | Uint8Array][] = [
  ["empty", ""],
  ["not JSON", "count=3&prefix=p"],
  ["a JSON array", '[3,"p"]'],
  ["a JSON string", '"{\\"count\\":3,\\"prefix\\":\\"p\\"}"'],
  ["null", "null"],
  ["unterminated object", '{"count":3,"prefix":"p"'],
  ["unterminated string", '{"count":3,"prefix":"p}'],
  ["trailing bytes", '{"count":3,"prefix":"p"} x'],
  ["a second object", '{"count":3,"prefix":"p"}{}'],
  ["a trailing NUL", '{"count":3,"prefix":"p"}\u0000'],
  ["a trailing comma", '{"count":3,"prefix":"p",}'],
  ["a missing comma", '{"count":3 "prefix":"p"}'],
  ["single quotes", "{'count':3,'prefix':'p'}"],
  ["an unquoted key", '{count:3,"prefix":"p"}'],
  ["a non-JSON space (U+00A0)", '{"count":3,\u00a0"prefix":"p"}'],
  ["a vertical tab", '{"count":3,\u000b"prefix":"p"}'],
  ["count missing", '{"prefix":"p"}'],
  ["prefix missing", '{"count":3}'],
  ["both missing", "{}"],
  ["an unknown member", '{"count":3,"prefix":"p","extra":1}'],
  ["a repeated count", '{"count":3,"count":4,"prefix":"p"}'],
  ["a repeated prefix", '{"count":3,"prefix":"p","prefix":"q"}'],
  ["a key in another case", '{"Count":3,"prefix":"p"}'],
  ["count a string", '{"count":"3","prefix":"p"}'],
  ["count a fraction", '{"count":1.5,"prefix":"p"}'],
  ["count 1.0", '{"count":1.0,"prefix":"p"}'],
  ["count with an exponent (1e3)", '{"count":1e3,"prefix":"p"}'],
  ["count 0e0", '{"count":0e0,"prefix":"p"}'],
  ["count negative", '{"count":-1,"prefix":"p"}'],
  ["count -0", '{"count":-0,"prefix":"p"}'],
  ["count with a plus", '{"count":+3,"prefix":"p"}'],
  ["count with a leading zero", '{"count":03,"prefix":"p"}'],
  ["count 1000001", '{"count":1000001,"prefix":"p"}'],
  ["count 9999999", '{"count":9999999,"prefix":"p"}'],
  ["count with 8 digits", '{"count":10000000,"prefix":"p"}'],
  ["count 2^32 + 3", '{"count":4294967299,"prefix":"p"}'],
  ["count null", '{"count":null,"prefix":"p"}'],
  ["count true", '{"count":true,"prefix":"p"}'],
  ["count an array", '{"count":[3],"prefix":"p"}'],
  ["count empty", '{"count":,"prefix":"p"}'],
  ["prefix a number", '{"count":3,"prefix":7}'],
  ["prefix null", '{"count":3,"prefix":null}'],
  ["prefix an object", '{"count":3,"prefix":{}}'],
  ["prefix an array", '{"count":3,"prefix":["p"]}'],
  ["prefix with a raw newline", '{"count":3,"prefix":"a\nb"}'],
  ["prefix with a raw tab", '{"count":3,"prefix":"a\tb"}'],
  ["prefix with an unknown escape", '{"count":3,"prefix":"\\x41"}'],
  ["prefix with a short \\u escape", '{"count":3,"prefix":"\\u12"}'],
  ["prefix with a bad hex digit", '{"count":3,"prefix":"\\u12g4"}'],
  ["prefix with a lone high surrogate", '{"count":3,"prefix":"\\ud800"}'],
  ["prefix with a lone low surrogate", '{"count":3,"prefix":"\\udc00x"}'],
  ["prefix with a high surrogate then text", '{"count":3,"prefix":"\\ud83dx\\ude00"}'],
  ["prefix with two high surrogates", '{"count":3,"prefix":"\\ud83d\\ud83d"}'],
  ["a backslash at the end", '{"count":3,"prefix":"p\\'],
  ["over 64 KiB", request(3, "p".repeat(64 * 1024))],
];

/** Invalid UTF-8 inside the prefix string, and non-ASCII bytes outside strings. */
const BAD_UTF8: [string, number[]][] = [
  ["a lone continuation byte", [0x80]],
  ["a truncated 2-byte sequence", [0xc3]],
  ["an overlong 2-byte NUL", [0xc0, 0x80]],
  ["an overlong 2-byte form (C1)", [0xc1, 0xbf]],
  ["an overlong 3-byte form", [0xe0, 0x80, 0xaf]],
  ["a UTF-8 surrogate", [0xed, 0xa0, 0x80]],
  ["a truncated 3-byte sequence", [0xe2, 0x82]],
  ["an overlong 4-byte form", [0xf0, 0x80, 0x80, 0xaf]],
  ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ["an F5 byte", [0xf5, 0x80, 0x80, 0x80]],
  ["an FF byte", [0xff]],
  ["a continuation in place of ASCII", [0xc3, 0x41]],
];

const withPrefixBytes = (bytes: number[]) =>
  new Uint8Array([...encoder.encode('{"count":3,"prefix":"a'), ...bytes, ...encoder.encode('b"}')]);
const ALL_MALFORMED: [string, string | Uint8Array][] = [
  ...MALFORMED,
  ...BAD_UTF8.map(([name, bytes]): [string, Uint8Array] => [`prefix with ${name}`, withPrefixBytes(bytes)]),
  ["a UTF-8 BOM", new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(request(3, "p"))])],
  [
    "a non-ASCII byte between tokens",
    new Uint8Array([...encoder.encode('{"count":3,'), 0xc3, 0xa9, ...encoder.encode('"prefix":"p"}')]),
  ],
];

describe("stream_json: requests refused with InvalidArgument", () => {
  it.each(ALL_MALFORMED)("%s", async (_name, payload) => {
    const host = await load();
    expect(host.open(id, { method: "json", payload })).toBe(INVALID_ARGUMENT);
    expect(host.sent).toEqual([]);
    // The instance goes on: the same id opens with a valid request.
    expect(host.open(id, { method: "json", payload: request(1, "ok") })).toBe(0);
    expect(texts(host)).toEqual([tick("ok", 1), "Close"]);
  });

  it("JavaScript agrees that each is not a valid request (or documents why the module is stricter)", () => {
    // 1e3, 1.0, 0e0, repeated keys and lone surrogates are accepted by JSON.parse; the module
    // refuses them on purpose (see the example's header). Everything else JSON.parse itself refuses, or it
    // is of the wrong shape.
    const stricter = new Set([
      "count 1.0",
      "count with an exponent (1e3)",
      "count 0e0",
      "count -0",
      "a repeated count",
      "a repeated prefix",
      "prefix with a lone high surrogate",
      "prefix with a lone low surrogate",
      "prefix with a high surrogate then text",
      "prefix with two high surrogates",
      "over 64 KiB",
    ]);
    for (const [name, payload] of ALL_MALFORMED) {
      expect(jsAccepts(typeof payload === "string" ? encoder.encode(payload) : payload) !== null, name).toBe(
        stricter.has(name),
      );
    }
  });

  it("keeps serving after thousands of refusals, interleaved with live streams", async () => {
    const host = await load();
    expect(host.open(id, { method: "json", payload: request(5, "live"), initialCredit: 0 })).toBe(0);
    for (let round = 0; round < 40; round++) {
      ALL_MALFORMED.forEach(([, payload], n) => {
        expect(host.open(streamIdOf(1000 + round * 1000 + n), { method: "json", payload })).toBe(
          INVALID_ARGUMENT,
        );
      });
    }
    expect(host.sent).toEqual([]);
    host.credit(id, 1 << 20);
    expect(texts(host)).toEqual([1, 2, 3, 4, 5].map((i) => tick("live", i)).concat("Close"));
    expect(host.open(streamIdOf(2), { method: "json", payload: request(1, "next") })).toBe(0);
    expect(texts(host).slice(6)).toEqual([tick("next", 1), "Close"]);
  });
});

// ---- fuzz ----

/** What JavaScript reads from a payload that is a valid request: {count, prefix}, or null. */
function jsAccepts(bytes: Uint8Array): { count: number; prefix: string } | null {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value).sort();
  if (keys.length !== 2 || keys[0] !== "count" || keys[1] !== "prefix") return null;
  const { count, prefix } = value as { count: unknown; prefix: unknown };
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > 1_000_000) return null;
  if (typeof prefix !== "string") return null;
  return { count, prefix };
}

/**
 * True when a payload JavaScript reads as a valid request is one the module refuses on purpose: a count
 * not in plain digits, a key repeated, a lone surrogate, more than 64 KiB.
 */
function stricterThanJs(bytes: Uint8Array, prefix: string): boolean {
  const text = decode(bytes);
  const keys = [...text.matchAll(/"(count|prefix)"\s*:\s*([^\s,}]*)/g)];
  const count = keys.find((m) => m[1] === "count");
  return (
    bytes.length > 64 * 1024 ||
    !wellFormed(prefix) ||
    keys.length !== 2 ||
    count === undefined ||
    !/^(0|[1-9][0-9]*)$/.test(count[2])
  );
}

/** JSON text of `s` with random spellings: \uXXXX for any character, \/ for a slash. */
function spell(s: string, choices: number[]): string {
  let out = '"';
  let n = 0;
  for (const ch of s) {
    const pick = choices[n++ % choices.length];
    if (pick === 0) {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
    } else if (pick === 1 && ch === "/") out += "\\/";
    else out += JSON.stringify(ch).slice(1, -1);
  }
  return out + '"';
}

const space = fc.stringMatching(/^[ \t\r\n]{0,3}$/);
const prefixArb = fc.string({ unit: "binary", maxLength: 12 }).filter((s) => wellFormed(s));

/** A valid request in a random spelling, and what it says. */
const validRequest = fc
  .record({
    count: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1_000_000 })),
    prefix: prefixArb,
    choices: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }),
    prefixFirst: fc.boolean(),
    ws: fc.array(space, { minLength: 9, maxLength: 9 }),
  })
  .map(({ count, prefix, choices, prefixFirst, ws }) => {
    const members = [
      `"count"${ws[0]}:${ws[1]}${count}`,
      `"prefix"${ws[2]}:${ws[3]}${spell(prefix, choices)}`,
    ];
    if (prefixFirst) members.reverse();
    const text = `${ws[4]}{${ws[5]}${members[0]}${ws[6]},${ws[7]}${members[1]}${ws[8]}}${ws[4]}`;
    return { text, count, prefix };
  });

const tokens = [
  "{",
  "}",
  '"',
  "\\",
  ",",
  ":",
  " ",
  "0",
  "9",
  "-",
  ".",
  "e",
  "E",
  "+",
  "\\u",
  "\\ud800",
  "null",
  '"count"',
  '"prefix"',
];
/** A valid request with 1 to 4 byte-level edits. */
const mutatedRequest = fc
  .tuple(
    validRequest,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(...tokens),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([{ text }, edits]) => {
    const bytes = Array.from(encoder.encode(text));
    for (const [at, op, byte, token] of edits) {
      const i = bytes.length === 0 ? 0 : at % (bytes.length + 1);
      if (op === 0)
        bytes.splice(i, 1); // delete
      else if (op === 1)
        bytes.splice(i, 0, byte); // insert a byte
      else if (op === 2)
        bytes.splice(i, 1, byte); // replace a byte (or append one at the end)
      else bytes.splice(i, 0, ...encoder.encode(token)); // insert a token
    }
    return new Uint8Array(bytes);
  });

describe("stream_json: fuzzed requests", () => {
  let host: IxtHost;
  let next = 1;
  beforeAll(async () => {
    host = await load(); // one instance for every run: a trap would end them all
  });

  /**
   * Opens with `payload` and no credit; checks the answer is 0 or 3 and that an accepted request is one
   * JavaScript reads as valid, with the same count and prefix (the first tick, and the Close for 0).
   * Ends an accepted stream, so the table does not fill up. Returns the dispatcher's result.
   */
  function probe(payload: Uint8Array): number {
    const sid = streamIdOf(next++);
    host.clearSent();
    const result = host.open(sid, { method: "json", payload, initialCredit: 0 });
    expect([0, INVALID_ARGUMENT]).toContain(result);
    const js = jsAccepts(payload);
    if (result !== 0) {
      expect(host.sent).toEqual([]);
      if (js !== null)
        expect(stricterThanJs(payload, js.prefix), `refused ${JSON.stringify(decode(payload))}`).toBe(true);
      return result;
    }
    expect(js, `accepted ${JSON.stringify(decode(payload))}`).not.toBeNull();
    if (js!.count === 0) {
      expect(texts(host)).toEqual(["Close"]);
      return result;
    }
    expect(host.sent).toEqual([]);
    const expected: string[] = [];
    for (let i = 1; i <= Math.min(js!.count, 3); i++) expected.push(tick(js!.prefix, i));
    host.credit(
      sid,
      expected.reduce((sum, text) => sum + encoder.encode(text).length, 0),
    ); // exactly these
    expect(texts(host)).toEqual(js!.count <= 3 ? [...expected, "Close"] : expected);
    if (js!.count > 3) host.cancel(sid, 0);
    return result;
  }

  it("random bytes: never a trap, always 0 or 3", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        probe(bytes);
      }),
      runs(3000),
    );
  });

  it("valid requests in any spelling are accepted and read as JavaScript reads them", () => {
    fc.assert(
      fc.property(validRequest, ({ text, count, prefix }) => {
        expect(jsAccepts(encoder.encode(text))).toEqual({ count, prefix });
        expect(probe(encoder.encode(text)), text).toBe(0);
      }),
      runs(2000),
    );
  });

  it("mutated requests: never a trap, always 0 or 3, and 3 whenever JavaScript refuses", () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutatedRequest, (bytes) => {
        if (probe(bytes) === 0) accepted++;
      }),
      runs(4000),
    );
    expect(accepted).toBeGreaterThan(0); // some edits keep a request valid (e.g. in the prefix)
  });

  it("still serves a plain request after all that", () => {
    host.clearSent();
    expect(host.open(streamIdOf(next++), { method: "json", payload: request(2, "end") })).toBe(0);
    expect(texts(host)).toEqual([tick("end", 1), tick("end", 2), "Close"]);
  });
});
