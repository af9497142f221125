// fast-check generators for UTF-8 tests: bytes that are almost UTF-8, biased towards what a decoder gets
// wrong (overlongs, surrogates, beyond U+10FFFF, truncated characters, stray continuation bytes), with
// ASCII runs long enough for the 8-byte fast paths. Shared by tests/utf8.test.ts, tests/text.test.ts and
// tests/lines.test.ts.
import fc from "fast-check";

const encoder = new TextEncoder();

/** One byte in [min, max], as a one-byte piece. */
export const byteIn = (min: number, max: number) => fc.integer({ min, max }).map((b) => [b]);

/** A code point of each UTF-8 length, surrogates excluded. */
export const scalar = fc.oneof(
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0xffff }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
);
/** The UTF-8 of one such code point: 2, 3 or 4 bytes. */
export const encodedScalar = scalar.map((cp) => [...encoder.encode(String.fromCodePoint(cp))]);

/** Sequences decoders get wrong: overlongs, surrogates, beyond U+10FFFF, old 5- and 6-byte forms. */
export const tricky = fc.constantFrom<number[]>(
  [0xc0, 0x80],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xe0, 0x80, 0xaf],
  [0xe0, 0x9f, 0xbf],
  [0xe0, 0xa0, 0x80],
  [0xed, 0x9f, 0xbf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80],
  [0xf0, 0x80, 0x80, 0x80],
  [0xf0, 0x80, 0x80, 0xaf],
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf0, 0x90, 0x80, 0x80],
  [0xf4, 0x8f, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80],
  [0xef, 0xbb, 0xbf],
  [0xef, 0xbf, 0xbd],
);

/** A valid character cut short: its first 1 to n-1 bytes. */
export const truncated = fc
  .tuple(encodedScalar, fc.nat())
  .map(([bytes, cut]) => bytes.slice(0, 1 + (cut % (bytes.length - 1))));

/** ASCII runs, long enough for the 8-byte fast path, at any alignment. */
export const asciiRun = fc.array(fc.integer({ min: 0, max: 0x7f }), { minLength: 1, maxLength: 40 });

/** One piece of UTF-8-ish input; `extra` adds pieces of the caller's (e.g. LF and CR). */
export const utf8ishPiece = fc.oneof(
  { weight: 3, arbitrary: byteIn(0x00, 0x7f) },
  { weight: 4, arbitrary: byteIn(0x80, 0xbf) },
  { weight: 4, arbitrary: byteIn(0xc0, 0xf7) },
  { weight: 1, arbitrary: byteIn(0xf8, 0xff) },
  { weight: 4, arbitrary: encodedScalar },
  { weight: 3, arbitrary: tricky },
  { weight: 3, arbitrary: truncated },
  { weight: 2, arbitrary: asciiRun },
);

/** Bytes that are almost UTF-8: a decoder's hard cases, in any order, up to `maxPieces` pieces. */
export const utf8ish = (maxPieces = 48, piece: fc.Arbitrary<number[]> = utf8ishPiece) =>
  fc.array(piece, { maxLength: maxPieces }).map((pieces) => Uint8Array.from(pieces.flat()));

/** `bytes` cut at the sorted offsets `cuts` (repeats give empty pieces). */
export function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...cuts].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of at) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/** Bytes and 0 to 6 random cut points in them (each in [0, length]): a multi-split. */
export const bytesAndCuts = (bytes: fc.Arbitrary<Uint8Array>) =>
  bytes.chain((b) =>
    fc.tuple(fc.constant(b), fc.array(fc.integer({ min: 0, max: b.length }), { maxLength: 6 })),
  );

/**
 * UTF-16 units where an encoder changes what it does: each UTF-8 length's first and last unit, both
 * ends of both surrogate halves, U+FFFD and U+FFFF.
 */
export const UTF16_BOUNDARIES = [
  0x00, 0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff,
];

/**
 * Strings of any UTF-16 units (lone and reversed surrogates included), biased towards
 * `UTF16_BOUNDARIES`, pairs at both ends of the supplementary planes and ASCII runs of any length
 * (for the 4-units-at-a-time paths).
 */
export const utf16ish = (maxPieces = 24) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...UTF16_BOUNDARIES).map((u) => String.fromCharCode(u)),
        fc.constantFrom("\uD800\uDC00", "\uDBFF\uDFFF", "\uD83D\uDE00", "\uDC00\uD800"),
        fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
        fc.integer({ min: 0x10000, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
        fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 12 }),
      ),
      { maxLength: maxPieces },
    )
    .map((pieces) => pieces.join(""));
