// Text across frames (assembly/text/utf8-stream.ts, assembly/text/utf8-valid.ts) and finding bytes in a frame
// (StreamFrame.indexOf/byteAt, findByte), through tests/fixtures/text_probe.ts.
//
// Utf8StreamDecoder is checked against Node's WHATWG decoder in streaming mode on the same pieces
// (`TextDecoder.decode(piece, { stream: true })`, then `decode()`), piece by piece: at every split point
// of random inputs, a byte per piece, and random multi-splits. `ignoreBOM: true`: a frame can start
// anywhere in a stream, so U+FEFF is text (as decodeUtf8 keeps it).
import fc from "fast-check";
import "./property-seed.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IxtHost } from "../host-shim/index.js";
import { fixture } from "./helpers.js";
import { bytesAndCuts, cutAt, utf8ish } from "./utf8-arbitraries.js";

interface TextProbe {
  memory: WebAssembly.Memory;
  text_probe_alloc(len: number): number;
  text_probe_free(ptr: number): void;
  decoder_decode(ptr: number, len: number): number;
  decoder_finish(): number;
  decoder_result_len(): number;
  decoder_pending(): number;
  decoder_reset(): void;
  decoder_decode_into(ptr: number, len: number, out: number): number;
  valid_len(ptr: number, len: number): number;
  write_valid(ptr: number, len: number, out: number): number;
  frame_index_of(framePtr: number, frameLen: number, byte: number, from: number): number;
  frame_byte_at(framePtr: number, frameLen: number, i: number): number;
  find_byte(ptr: number, len: number, byte: number): number;
}

let probe: TextProbe;
beforeAll(async () => {
  probe = (await IxtHost.load(fixture("text_probe"))).instance.exports as unknown as TextProbe;
});

const encoder = new TextEncoder();

/** Runs `f` on a guest copy of `bytes`. */
function withGuestBytes<T>(bytes: Uint8Array, f: (ptr: number) => T): T {
  const ptr = probe.text_probe_alloc(bytes.length) >>> 0;
  new Uint8Array(probe.memory.buffer, ptr, bytes.length).set(bytes);
  try {
    return f(ptr);
  } finally {
    probe.text_probe_free(ptr);
  }
}

/** The string whose UTF-16 units are at `ptr` (length from decoder_result_len), unit for unit. */
function resultAt(ptr: number): string {
  const units = new Uint16Array(
    probe.memory.buffer.slice(ptr >>> 0, (ptr >>> 0) + probe.decoder_result_len()),
  );
  let s = "";
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.subarray(i, i + 8192));
  return s;
}

/** UTF-16 units to a string, unit for unit. */
function fromUnits(units: Uint16Array): string {
  let s = "";
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.subarray(i, i + 8192));
  return s;
}

/**
 * `decodeInto` on a guest copy of `piece`, into a buffer of exactly the room it asks for (2 * len + 4
 * bytes) followed by sentinel bytes that must stay as they were; the text it wrote.
 */
function guestDecodeInto(piece: Uint8Array): string {
  const room = 2 * piece.length + 4;
  const out = probe.text_probe_alloc(room + 8) >>> 0;
  new Uint8Array(probe.memory.buffer, out, room + 8).fill(0xee);
  try {
    const end = withGuestBytes(piece, (ptr) => probe.decoder_decode_into(ptr, piece.length, out)) >>> 0;
    if (end < out || end > out + room || (end - out) % 2) throw new Error(`decodeInto returned ${end - out}`);
    const after = new Uint8Array(probe.memory.buffer, end, out + room + 8 - end);
    if (after.some((b) => b !== 0xee)) throw new Error("decodeInto wrote past the units it returned");
    return fromUnits(new Uint16Array(probe.memory.buffer.slice(out, end)));
  } finally {
    probe.text_probe_free(out);
  }
}

/** The guest decoder's text for each piece (with `decode`, or with `decodeInto`), then finish()'s. */
function guestStream(pieces: Uint8Array[], into = false): string[] {
  probe.decoder_reset();
  const out = pieces.map((piece) =>
    into
      ? guestDecodeInto(piece)
      : withGuestBytes(piece, (ptr) => resultAt(probe.decoder_decode(ptr, piece.length))),
  );
  out.push(resultAt(probe.decoder_finish()));
  return out;
}

/** Node's WHATWG decoder on the same pieces, streaming. */
function nodeStream(pieces: Uint8Array[]): string[] {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const out = pieces.map((piece) => decoder.decode(piece, { stream: true }));
  out.push(decoder.decode());
  return out;
}

let comparisons = 0; // streams compared with Node's, reported at the end
function expectSameStream(pieces: Uint8Array[]): void {
  comparisons++;
  const want = nodeStream(pieces);
  for (const into of [false, true]) {
    const got = guestStream(pieces, into);
    if (got.join("\u0000|") !== want.join("\u0000|")) {
      const label =
        (into ? "decodeInto: " : "decode: ") + pieces.map((p) => Buffer.from(p).toString("hex")).join(" | ");
      expect(got, label).toEqual(want);
    }
  }
}

afterAll(() => {
  console.log(`Utf8StreamDecoder: ${comparisons} piece-by-piece streams compared with TextDecoder`);
});

describe("Utf8StreamDecoder", () => {
  it("decodeInto writes nothing while a character is incomplete (a split euro sign is one character)", () => {
    for (const into of [false, true]) {
      expect(guestStream([Uint8Array.of(0xe2), Uint8Array.of(0x82), Uint8Array.of(0xac)], into)).toEqual([
        "",
        "",
        "€",
        "",
      ]);
      expect(
        guestStream([Uint8Array.of(0xf0, 0x9f), Uint8Array.of(0x98), Uint8Array.of(0x80, 0x41)], into),
      ).toEqual(["", "", "😀A", ""]);
    }
    probe.decoder_reset();
    withGuestBytes(Uint8Array.of(0xe2, 0x82), (ptr) => {
      const out = probe.text_probe_alloc(8) >>> 0;
      expect(probe.decoder_decode_into(ptr, 2, out) >>> 0).toBe(out); // nothing complete: `out` itself
      expect(probe.decoder_pending()).toBe(2);
      expect(probe.decoder_decode_into(ptr, 0, out) >>> 0).toBe(out); // an empty piece
      probe.text_probe_free(out);
    });
    probe.decoder_reset();
  });

  it("carries a character split across pieces, and gives U+FFFD at the end for an incomplete one", () => {
    const euro = [0xe2, 0x82, 0xac];
    expect(guestStream([Uint8Array.of(0x61, 0xe2), Uint8Array.of(0x82), Uint8Array.of(0xac, 0x62)])).toEqual([
      "a",
      "",
      "€b",
      "",
    ]);
    expect(probe.decoder_pending()).toBe(0);
    probe.decoder_reset();
    withGuestBytes(Uint8Array.of(0xf0, 0x9f, 0x98), (ptr) => probe.decoder_decode(ptr, 3));
    expect(probe.decoder_pending()).toBe(3); // at most 3 bytes carried
    expect(resultAt(probe.decoder_finish())).toBe("\uFFFD");
    expect(resultAt(probe.decoder_finish())).toBe(""); // finish() reset it
    // A broken carry: E2 82 then "A" is one U+FFFD for E2 82, then A.
    expect(guestStream([Uint8Array.of(0xe2, 0x82), Uint8Array.of(0x41)])).toEqual(["", "\uFFFDA", ""]);
    // An empty piece changes nothing, carried bytes included.
    expect(guestStream([Uint8Array.of(euro[0]), new Uint8Array(0), Uint8Array.of(euro[1], euro[2])])).toEqual(
      ["", "", "€", ""],
    );
    // Overlongs and surrogates are invalid wherever they are cut.
    expect(guestStream([Uint8Array.of(0xed), Uint8Array.of(0xa0, 0x80)])).toEqual([
      "",
      "\uFFFD\uFFFD\uFFFD",
      "",
    ]);
    expect(guestStream([Uint8Array.of(0xe0, 0x80), Uint8Array.of(0xaf)])).toEqual([
      "\uFFFD\uFFFD",
      "\uFFFD",
      "",
    ]);
  });

  it("matches TextDecoder {stream: true} at every split point of random inputs", () => {
    fc.assert(
      fc.property(utf8ish(24), (bytes) => {
        for (let at = 0; at <= bytes.length; at++)
          expectSameStream([bytes.subarray(0, at), bytes.subarray(at)]);
      }),
      { numRuns: 400 },
    );
  });

  it("matches TextDecoder {stream: true} with a byte per piece", () => {
    fc.assert(
      fc.property(utf8ish(24), (bytes) => expectSameStream([...bytes].map((b) => Uint8Array.of(b)))),
      { numRuns: 1000 },
    );
  });

  it("matches TextDecoder {stream: true} at random multi-split points", () => {
    fc.assert(
      fc.property(bytesAndCuts(utf8ish(48)), ([bytes, cuts]) => expectSameStream(cutAt(bytes, cuts))),
      { numRuns: 4000 },
    );
    fc.assert(
      fc.property(bytesAndCuts(fc.uint8Array({ maxLength: 200 })), ([bytes, cuts]) =>
        expectSameStream(cutAt(bytes, cuts)),
      ),
      { numRuns: 1000 },
    );
  });

  it("matches TextDecoder on every split of every 2-byte-lead, 3-byte and 4-byte boundary sequence", () => {
    const edges = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe1, 0xf1, 0xff];
    for (let b0 = 0xc0; b0 < 0x100; b0++)
      for (const b1 of edges)
        for (const b2 of edges)
          for (const b3 of [0x41, 0x80, 0xbf]) {
            const bytes = Uint8Array.of(b0, b1, b2, b3);
            for (let at = 1; at < 4; at++) expectSameStream([bytes.subarray(0, at), bytes.subarray(at)]);
          }
  });
});

describe("validUtf8Len, writeValidUtf8", () => {
  /** What TextDecoder then TextEncoder make of `bytes`: the valid UTF-8 the decoder means. */
  const repaired = (bytes: Uint8Array) =>
    encoder.encode(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
  const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const isValid = (bytes: Uint8Array) => {
    try {
      fatal.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };

  function guestRepair(bytes: Uint8Array): Uint8Array {
    const out = probe.text_probe_alloc(3 * bytes.length) >>> 0;
    try {
      const len = withGuestBytes(bytes, (ptr) => probe.write_valid(ptr, bytes.length, out)) >>> 0;
      return new Uint8Array(probe.memory.buffer.slice(out, out + len));
    } finally {
      probe.text_probe_free(out);
    }
  }

  it("validUtf8Len is the longest valid prefix: a prefix TextDecoder {fatal} accepts, and no longer one", () => {
    fc.assert(
      fc.property(fc.oneof(utf8ish(48), fc.uint8Array({ maxLength: 100 })), (bytes) => {
        const n = withGuestBytes(bytes, (ptr) => probe.valid_len(ptr, bytes.length)) >>> 0;
        expect(isValid(bytes.subarray(0, n))).toBe(true);
        if (n < bytes.length) {
          // No character starting at n completes validly (a valid character is at most 4 bytes).
          for (let k = n + 1; k <= Math.min(bytes.length, n + 4); k++)
            expect(isValid(bytes.subarray(0, k))).toBe(false);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("writeValidUtf8 writes what TextDecoder then TextEncoder give", () => {
    expect([...guestRepair(Uint8Array.of(0x61, 0xf0, 0x9f, 0x98, 0x41))]).toEqual([
      0x61, 0xef, 0xbf, 0xbd, 0x41,
    ]);
    fc.assert(
      fc.property(fc.oneof(utf8ish(48), fc.uint8Array({ maxLength: 100 })), (bytes) => {
        expect([...guestRepair(bytes)]).toEqual([...repaired(bytes)]);
      }),
      { numRuns: 4000 },
    );
  });
});

describe("StreamFrame.indexOf, byteAt; findByte", () => {
  /** A Data frame (kind 1, a zero stream id) around `payload`, in guest memory, for `f`. */
  const withDataFrame = <T>(payload: Uint8Array, f: (ptr: number, len: number) => T): T => {
    const frame = new Uint8Array(17 + payload.length);
    frame[0] = 1;
    frame.set(payload, 17);
    return withGuestBytes(frame, (ptr) => f(ptr, frame.length));
  };

  /**
   * A byte (any of the 256) and bytes around it: itself, its neighbours, itself with the high bit
   * flipped, 0x00, 0x80, 0xFF and any byte, so matches, near misses and high bits are all common.
   */
  const byteAndPayload = fc.integer({ min: 0, max: 255 }).chain((byte) =>
    fc.tuple(
      fc.constant(byte),
      fc
        .array(
          fc.oneof(
            fc.constantFrom(
              byte,
              (byte + 1) & 0xff,
              (byte + 255) & 0xff,
              byte ^ 0x80,
              byte ^ 0x01,
              0,
              0x80,
              0xff,
            ),
            fc.integer({ min: 0, max: 255 }),
          ),
          { maxLength: 80 },
        )
        .map((bytes) => Uint8Array.from(bytes)),
    ),
  );

  it("findByte finds every byte value at every offset of a 24-byte run, among near misses", () => {
    const failures: string[] = [];
    for (let byte = 0; byte < 256; byte++) {
      for (const background of [byte ^ 0x80, byte ^ 0x01, (byte + 1) & 0xff, (byte + 255) & 0xff, 0, 0xff]) {
        if (background === byte) continue;
        const bytes = new Uint8Array(24).fill(background);
        if (withGuestBytes(bytes, (ptr) => probe.find_byte(ptr, 24, byte)) !== -1)
          failures.push(`${byte} absent`);
        for (let at = 0; at < 24; at++) {
          bytes.fill(background);
          bytes[at] = byte;
          if (at + 3 < 24) bytes[at + 3] = byte; // a later match must not win
          const found = withGuestBytes(bytes, (ptr) => probe.find_byte(ptr, 24, byte));
          if (found !== at) failures.push(`${byte} at ${at} in ${background}: ${found}`);
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it("indexOf finds the first byte at or after `from`, payload-relative, -1 when absent", () => {
    // Shrunk counterexamples, kept: a high-bit byte after a byte that differs only in its high bit.
    for (const [payload, byte] of [
      [Uint8Array.of(0x00, 0x80), 0x80],
      [Uint8Array.of(0x81, 0x01), 0x01],
      [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 0xff, 0xfe), 0xfe],
    ] as const)
      expect(withGuestBytes(payload, (ptr) => probe.find_byte(ptr, payload.length, byte))).toBe(
        payload.indexOf(byte),
      );
    fc.assert(
      fc.property(byteAndPayload, fc.integer({ min: -3, max: 90 }), ([byte, payload], from) => {
        const want = from >= payload.length ? -1 : payload.indexOf(byte, Math.max(0, from));
        expect(withDataFrame(payload, (ptr, len) => probe.frame_index_of(ptr, len, byte, from))).toBe(want);
        const found = withGuestBytes(payload, (ptr) => probe.find_byte(ptr, payload.length, byte));
        expect(found).toBe(payload.indexOf(byte));
      }),
      { numRuns: 3000 },
    );
  });

  it("indexOf never matches the frame's header bytes or memory past the payload", () => {
    // The kind byte is 1 and the id is zeros: none of it is payload.
    expect(withDataFrame(Uint8Array.of(5, 5), (ptr, len) => probe.frame_index_of(ptr, len, 1, 0))).toBe(-1);
    expect(withDataFrame(Uint8Array.of(5, 5), (ptr, len) => probe.frame_index_of(ptr, len, 0, 0))).toBe(-1);
    expect(
      withDataFrame(Uint8Array.of(5, 5, 0), (ptr, len) => probe.frame_index_of(ptr, len - 1, 0, 0)),
    ).toBe(-1);
    expect(withDataFrame(new Uint8Array(0), (ptr, len) => probe.frame_index_of(ptr, len, 0, 0))).toBe(-1);
  });

  it("byteAt reads inside the payload and answers 0 outside it", () => {
    const payload = Uint8Array.of(9, 8, 7, 6, 5);
    withDataFrame(payload, (ptr, len) => {
      for (let i = 0; i < payload.length; i++) expect(probe.frame_byte_at(ptr, len, i)).toBe(payload[i]);
      // Out of range: 0, even where the frame (header) or memory beyond it holds other bytes.
      for (const i of [-1, -17, 5, 6, 1 << 30, -(2 ** 31)]) expect(probe.frame_byte_at(ptr, len, i)).toBe(0);
      expect(probe.frame_byte_at(ptr, len - 1, 4)).toBe(0); // a shorter frame: index 4 is past its payload
    });
  });
});
