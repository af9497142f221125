// assembly/text/utf8.ts against Node's WHATWG implementation: decodeUtf8 against TextDecoder (non-fatal,
// BOM kept), utf8Equals against TextEncoder's bytes, completeUtf8Len against an independent reference,
// on random bytes biased towards what a UTF-8 decoder gets wrong. Runs through tests/fixtures/utf8_probe.ts.
import fc from "fast-check";
import "./property-seed.js";
import { beforeAll, describe, expect, it } from "vitest";
import { IxtHost } from "../host-shim/index.js";
import { fixture } from "./helpers.js";
import {
  UTF16_BOUNDARIES,
  scalar,
  truncated,
  utf16ish,
  utf8ish as utf8ishArbitrary,
} from "./utf8-arbitraries.js";

interface Utf8Probe {
  memory: WebAssembly.Memory;
  utf8_probe_alloc(len: number): number;
  utf8_probe_free(ptr: number): void;
  utf8_probe_decode(ptr: number, len: number): number;
  utf8_probe_decoded_len(): number;
  utf8_probe_equals(ptr: number, len: number, unitsPtr: number, units: number): number;
  utf8_probe_complete_len(ptr: number, len: number): number;
  utf8_probe_encode(unitsPtr: number, units: number, out: number): number;
}

let probe: Utf8Probe;
beforeAll(async () => {
  probe = (await IxtHost.load(fixture("utf8_probe"))).instance.exports as unknown as Utf8Probe;
});

// The WHATWG "UTF-8 decode without BOM": a frame can start anywhere in a stream, so U+FEFF is text.
const whatwg = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();

/** Runs `f` on a guest copy of `bytes`. */
function withGuestBytes<T>(bytes: Uint8Array, f: (ptr: number) => T): T {
  const ptr = probe.utf8_probe_alloc(bytes.length) >>> 0;
  new Uint8Array(probe.memory.buffer, ptr, bytes.length).set(bytes);
  try {
    return f(ptr);
  } finally {
    probe.utf8_probe_free(ptr);
  }
}

/** UTF-16 units to a string, unit for unit (lone surrogates kept: a decoder bug must show). */
function fromUnits(units: Uint16Array): string {
  let s = "";
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.subarray(i, i + 8192));
  return s;
}

function guestDecode(bytes: Uint8Array): string {
  return withGuestBytes(bytes, (ptr) => {
    const out = probe.utf8_probe_decode(ptr, bytes.length) >>> 0;
    const len = probe.utf8_probe_decoded_len() >>> 0;
    return fromUnits(new Uint16Array(probe.memory.buffer.slice(out, out + len)));
  });
}

function guestEquals(bytes: Uint8Array, text: string): boolean {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  const unitsPtr = probe.utf8_probe_alloc(units.byteLength) >>> 0;
  new Uint16Array(probe.memory.buffer, unitsPtr, units.length).set(units);
  try {
    return withGuestBytes(
      bytes,
      (ptr) => probe.utf8_probe_equals(ptr, bytes.length, unitsPtr, units.length) !== 0,
    );
  } finally {
    probe.utf8_probe_free(unitsPtr);
  }
}

function guestCompleteLen(bytes: Uint8Array): number {
  return withGuestBytes(bytes, (ptr) => probe.utf8_probe_complete_len(ptr, bytes.length) >>> 0);
}

// ---- generators (tests/utf8-arbitraries.ts, shared with the streaming decoder's tests) ----

const utf8ish = utf8ishArbitrary();
const anyBytes = fc.oneof(utf8ish, fc.uint8Array({ maxLength: 300 }));

// ---- decodeUtf8 ----

describe("decodeUtf8", () => {
  it("decodes as TextDecoder does: one U+FFFD per maximal invalid subpart, the rest kept", () => {
    const cases: [number[], string][] = [
      [[], ""],
      [[0x6d, 0xff, 0x78, 0x79, 0x7a], "m\uFFFDxyz"],
      [[0x61, 0xff, 0x62, 0x63, 0x64], "a\uFFFDbcd"],
      [[0xe0, 0x80, 0x41], "\uFFFD\uFFFDA"], // E0 80: E0 alone is the maximal subpart
      [[0xe2, 0x82, 0x41], "\uFFFDA"], // E2 82 is one subpart
      [[0xed, 0xa0, 0x80], "\uFFFD\uFFFD\uFFFD"], // a surrogate
      [[0xf4, 0x90, 0x80, 0x80], "\uFFFD\uFFFD\uFFFD\uFFFD"], // above U+10FFFF
      [[0xf0, 0x9f, 0x98], "\uFFFD"], // truncated at the end
      [[0xf0, 0x9f, 0x98, 0x80], "😀"],
      [[0xef, 0xbb, 0xbf, 0x61], "\uFEFFa"], // the BOM is kept
      [[0xc3, 0x9f, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69], "ßabcdefghi"],
    ];
    for (const [bytes, text] of cases)
      expect(guestDecode(Uint8Array.from(bytes)), bytes.join(" ")).toBe(text);
  });

  it("matches TextDecoder on random UTF-8-ish bytes", () => {
    fc.assert(
      fc.property(utf8ish, (bytes) => {
        expect(guestDecode(bytes)).toBe(whatwg.decode(bytes));
      }),
      { numRuns: 6000 },
    );
  });

  it("matches TextDecoder on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(guestDecode(bytes)).toBe(whatwg.decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("matches TextDecoder on every 2-byte input, and on every lead byte with boundary continuations", () => {
    const failures: string[] = [];
    const check = (bytes: Uint8Array) => {
      if (guestDecode(bytes) !== whatwg.decode(bytes)) failures.push(Buffer.from(bytes).toString("hex"));
    };
    for (let b0 = 0; b0 < 256; b0++) for (let b1 = 0; b1 < 256; b1++) check(Uint8Array.of(b0, b1));
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe1, 0xf1, 0xff];
    for (let b0 = 0xc0; b0 < 0x100; b0++)
      for (const b1 of edges)
        for (const b2 of edges)
          for (const b3 of [0x41, 0x80, 0xbf, 0xc0]) check(Uint8Array.of(b0, b1, b2, b3));
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it("decodes a large input in one pass, exactly", () => {
    const bytes = fc.sample(utf8ish, { numRuns: 20_000, seed: 42 }).reduce((all, b) => {
      all.push(...b);
      return all;
    }, [] as number[]);
    const big = Uint8Array.from(bytes); // about 0.5 MB
    expect(big.length).toBeGreaterThan(100_000);
    expect(guestDecode(big)).toBe(whatwg.decode(big));
    const ascii = new Uint8Array(1 << 20).fill(0x61);
    ascii[(1 << 20) - 3] = 0xc3; // a split character at the very end
    expect(guestDecode(ascii)).toBe(whatwg.decode(ascii));
  });
});

// ---- utf8Equals ----

/** Strings of any UTF-16 units, so lone surrogates are common. */
const anyUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 30,
});
/** Short strings of characters of every UTF-8 length and lone surrogates, in any place. */
const mixed = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
      scalar.map((cp) => String.fromCodePoint(cp)),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    ),
    { maxLength: 8 },
  )
  .map((chars) => chars.join(""));
const texts = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary-ascii", maxLength: 30 }),
  anyUnits,
  mixed,
  utf16ish(12),
);
/** What `text` equals: exactly its UTF-8 when it has one (no lone surrogate), otherwise nothing. */
const referenceEquals = (bytes: Uint8Array, text: string) =>
  !/\p{Cs}/u.test(text) && Buffer.compare(Buffer.from(encoder.encode(text)), Buffer.from(bytes)) === 0;

describe("utf8Equals", () => {
  it("is true exactly for the UTF-8 encoding of a well-formed string", () => {
    expect(guestEquals(encoder.encode("echo"), "echo")).toBe(true);
    expect(guestEquals(new Uint8Array(0), "")).toBe(true);
    expect(guestEquals(encoder.encode("echo"), "ech")).toBe(false);
    expect(guestEquals(Uint8Array.of(0x61, 0x62, 0x63, 0x00), "abc")).toBe(false); // no read past the string
    expect(guestEquals(Uint8Array.of(0x65, 0x63, 0x68, 0x6f, 0x80), "echo")).toBe(false);
    expect(guestEquals(Uint8Array.of(0xc1, 0xa5, 0x63, 0x68, 0x6f), "echo")).toBe(false); // overlong "e"
    expect(guestEquals(Uint8Array.of(0xef, 0xbf, 0xbd), "\uD800")).toBe(false); // TextEncoder's U+FFFD
    expect(guestEquals(Uint8Array.of(0xed, 0xa0, 0x80), "\uD800")).toBe(false); // WTF-8
    expect(guestEquals(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80), "😀")).toBe(true);
    expect(guestEquals(Uint8Array.of(0xef, 0xbf, 0xbd), "\uFFFD")).toBe(true);
  });

  it("agrees with Buffer.compare of TextEncoder's bytes, for the encoding and for mutations of it", () => {
    const mutation = fc.oneof(
      fc.constant((b: Uint8Array) => b),
      // The encoding of the text cut after a unit, or of a part of it: the bytes of a prefix are not the text.
      fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => (_: Uint8Array, text: string) => {
        const from = i % (text.length + 1);
        return encoder.encode(text.slice(from, from + (j % (text.length + 1))));
      }),
      fc.nat().map((i) => (b: Uint8Array) => b.slice(0, b.length ? i % b.length : 0)),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => (b: Uint8Array) => {
        const c = b.slice();
        if (c.length) c[i % c.length] ^= x;
        return c;
      }),
      fc.integer({ min: 0, max: 255 }).map((x) => (b: Uint8Array) => Uint8Array.from([...b, x])),
    );
    fc.assert(
      fc.property(texts, mutation, (text, mutate) => {
        const bytes = mutate(encoder.encode(text), text);
        expect(guestEquals(bytes, text)).toBe(referenceEquals(bytes, text));
      }),
      { numRuns: 5000 },
    );
  });

  it("agrees with the reference on unrelated bytes and strings", () => {
    fc.assert(
      fc.property(anyBytes, texts, (bytes, text) => {
        expect(guestEquals(bytes, text)).toBe(referenceEquals(bytes, text));
        // And on the decoding of random bytes, which is well-formed: equal iff the bytes were valid UTF-8.
        const decoded = whatwg.decode(bytes);
        expect(guestEquals(bytes, decoded)).toBe(referenceEquals(bytes, decoded));
      }),
      { numRuns: 3000 },
    );
  });
});

// ---- encodeUtf8Into: the one UTF-16 to UTF-8 encoder (ByteBuffer, JsonWriter, writeValidUtf8) ----

/**
 * `encodeUtf8Into` on the units of `text`, followed in memory by ASCII units it must not read, into a
 * buffer filled with 0xEE that must be unchanged after the bytes it says it wrote; returns those bytes.
 */
function guestEncode(text: string): Uint8Array {
  const TRAIL = 8;
  const unitsPtr = probe.utf8_probe_alloc((text.length + TRAIL) * 2) >>> 0;
  const units = new Uint16Array(probe.memory.buffer, unitsPtr, text.length + TRAIL);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  units.fill(0x41, text.length);
  const room = text.length * 3 + 16;
  const out = probe.utf8_probe_alloc(room) >>> 0;
  new Uint8Array(probe.memory.buffer, out, room).fill(0xee);
  try {
    const written = (probe.utf8_probe_encode(unitsPtr, text.length, out) >>> 0) - out;
    const bytes = new Uint8Array(probe.memory.buffer, out, room);
    if (written > text.length * 3) throw new Error(`wrote ${written} bytes for ${text.length} units`);
    const past = bytes.subarray(written).findIndex((b) => b !== 0xee);
    if (past >= 0) throw new Error(`wrote past its end: byte ${written + past}`);
    return bytes.slice(0, written);
  } finally {
    probe.utf8_probe_free(out);
    probe.utf8_probe_free(unitsPtr);
  }
}

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
/** `text`'s UTF-16 units, as hex, for failure messages. */
const unitsOf = (text: string) => [...text].map((c) => c.charCodeAt(0).toString(16)).join(" ");

describe("encodeUtf8Into", () => {
  // Shrunk counterexamples of planted bugs, kept: the 2/3-byte boundary, a low surrogate before a low
  // one, a pair at both ends of the planes, 3 ASCII units before the end (a 4-unit read past it).
  const FIXED = [
    "",
    "\u0800",
    "\u07FF",
    "\uDC00\uDC00",
    "\uD800\uDC00",
    "\uDBFF\uDFFF",
    "abc",
    "abcdefg",
    "a\uD800",
  ];

  it("writes what TextEncoder writes, lone surrogates as U+FFFD, for the kept cases", () => {
    for (const text of FIXED)
      expect(hexOf(guestEncode(text)), unitsOf(text)).toBe(hexOf(encoder.encode(text)));
  });

  it("encodes every code point, and every surrogate alone, as TextEncoder does", () => {
    const failures: string[] = [];
    for (let start = 0; start <= 0x10ffff; start += 0x1000) {
      let text = "";
      for (let cp = start; cp < start + 0x1000 && cp <= 0x10ffff; cp++)
        text += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) + "x" : String.fromCodePoint(cp);
      if (hexOf(guestEncode(text)) !== hexOf(encoder.encode(text))) failures.push(start.toString(16));
    }
    expect(failures).toEqual([]);
  });

  it("every sequence of up to 3 boundary units, after 0 to 8 ASCII units", () => {
    const failures: string[] = [];
    const sequences: string[] = [""];
    for (const a of UTF16_BOUNDARIES) {
      sequences.push(String.fromCharCode(a));
      for (const b of UTF16_BOUNDARIES) {
        sequences.push(String.fromCharCode(a, b));
        for (const c of UTF16_BOUNDARIES) sequences.push(String.fromCharCode(a, b, c));
      }
    }
    for (const prefix of ["", "a", "ab", "abc", "abcd", "abcde", "abcdefgh"])
      for (const seq of sequences) {
        const text = prefix + seq;
        if (hexOf(guestEncode(text)) !== hexOf(encoder.encode(text))) failures.push(unitsOf(text));
      }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it("matches TextEncoder on random strings of any units", () => {
    fc.assert(
      fc.property(fc.oneof(utf16ish(), anyUnits, fc.string({ unit: "binary", maxLength: 60 })), (text) => {
        expect(hexOf(guestEncode(text)), unitsOf(text)).toBe(hexOf(encoder.encode(text)));
      }),
      { numRuns: 3000 },
    );
  });
});

// ---- completeUtf8Len ----

/** Every proper prefix (1 to n-1 bytes) of the UTF-8 encoding of every scalar value, as hex. */
const partials = (() => {
  const set = new Set<string>();
  for (let cp = 0x80; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const b = Buffer.from(encoder.encode(String.fromCodePoint(cp)));
    for (let k = 1; k < b.length; k++) set.add(b.subarray(0, k).toString("hex"));
  }
  return set;
})();

/** The reference: `len` minus the trailing 1 to 3 bytes that are a proper prefix of some character. */
function referenceCompleteLen(bytes: Uint8Array): number {
  for (let k = 1; k <= 3 && k <= bytes.length; k++) {
    if (partials.has(Buffer.from(bytes.subarray(bytes.length - k)).toString("hex"))) return bytes.length - k;
  }
  return bytes.length;
}

describe("completeUtf8Len", () => {
  it("agrees with the reference on every input of up to 3 bytes", () => {
    const failures: string[] = [];
    const check = (bytes: Uint8Array) => {
      if (guestCompleteLen(bytes) !== referenceCompleteLen(bytes))
        failures.push(Buffer.from(bytes).toString("hex"));
    };
    check(new Uint8Array(0));
    for (let b0 = 0; b0 < 256; b0++) {
      check(Uint8Array.of(b0));
      for (let b1 = 0; b1 < 256; b1++) check(Uint8Array.of(b0, b1));
    }
    const edges = [
      0x00, 0x41, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xf0, 0xf4,
      0xf5, 0xff,
    ];
    for (let b0 = 0; b0 < 256; b0++)
      for (const b1 of edges) for (const b2 of edges) check(Uint8Array.of(b0, b1, b2));
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it("agrees with the reference on random bytes", () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        expect(guestCompleteLen(bytes)).toBe(referenceCompleteLen(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it("carrying the tail to the next frame decodes a split stream as TextDecoder decodes it whole", () => {
    fc.assert(
      fc.property(fc.array(utf8ish, { minLength: 1, maxLength: 6 }), (frames) => {
        let carry = new Uint8Array(0);
        let text = "";
        for (const frame of frames) {
          const joined = Uint8Array.from([...carry, ...frame]);
          const n = guestCompleteLen(joined);
          expect(joined.length - n).toBeLessThanOrEqual(3);
          text += guestDecode(joined.subarray(0, n));
          carry = joined.slice(n);
        }
        if (carry.length) text += "\uFFFD"; // the stream ended inside a character
        const all = Uint8Array.from(frames.flatMap((f) => [...f]));
        expect(text).toBe(whatwg.decode(all));
        // As Node's streaming decoder does it, frame by frame.
        const streaming = new TextDecoder("utf-8", { ignoreBOM: true });
        expect(frames.map((f) => streaming.decode(f, { stream: true })).join("") + streaming.decode()).toBe(
          text,
        );
      }),
      { numRuns: 3000 },
    );
  });
});
