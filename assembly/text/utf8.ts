// text/ (layer 4 of 7, "frames and text", in assembly/layers.json): UTF-8 in and out, byte search, decimal
// numbers, lines across frames. Its files import only from this layer and the ones below.
//
// The SDK's one UTF-8 codec over raw guest memory: a WHATWG decoder, the one UTF-16 to UTF-8 encoder
// (text, lines, JSON and the byte buffer write through `storeUtf8` and `encodeUtf8Into`), the one
// surrogate-pair combiner, a byte-exact comparison that does not decode, and the boundary of the last
// complete character, for text split across frames.
//
// Every function reads exactly the `len` bytes at `ptr` (the caller guarantees they are in memory) and
// never traps on their content: any byte sequence is valid input.

import { HIGH_BITS_8 } from "./find-byte";

/** U+FFFD, the code point that replaces each invalid UTF-8 sequence and each lone surrogate. */
// @ts-ignore: decorator
@inline export const REPLACEMENT: u32 = 0xfffd;

// Bits above 0x7F in each of 4 UTF-16 code units: non-zero after `&` when any unit is not ASCII.
// @ts-ignore: decorator
@inline const HIGH_BITS_4X16: u64 = 0xff80ff80ff80ff80;

/**
 * Largest input `decodeUtf8` accepts (512 MiB − 64 bytes): its result takes 2 bytes per input byte before
 * it is shrunk, and the runtime's largest object is just under 1 GiB.
 */
export const DECODE_MAX_LEN: usize = (1 << 29) - 64;

/** Spreads the 4 bytes of `x` into the four 16-bit lanes of a u64 (ASCII bytes to UTF-16 units). */
// @ts-ignore: decorator
@inline function widen4(x: u32): u64 {
  let v = <u64>x;
  v = (v | (v << 16)) & 0x0000ffff0000ffff;
  return (v | (v << 8)) & 0x00ff00ff00ff00ff;
}

/** Packs the low byte of each of the four 16-bit lanes of `x` into a u32 (ASCII units to bytes). */
// @ts-ignore: decorator
@inline function narrow4(x: u64): u32 {
  const v = (x | (x >>> 8)) & 0x0000ffff0000ffff;
  return <u32>(v | (v >>> 16));
}

/** True when the UTF-16 unit `c` is a surrogate (D800-DFFF), high or low. */
// @ts-ignore: decorator
@inline export function isSurrogate(c: u32): bool {
  return (c & 0xf800) == 0xd800;
}

/** The code point of the surrogate pair `high` (D800-DBFF), `low` (DC00-DFFF). */
// @ts-ignore: decorator
@inline export function fromSurrogates(high: u32, low: u32): u32 {
  return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
}

/**
 * The code point of the surrogate `c` (D800-DFFF) read just before `s`, paired with the UTF-16 unit at
 * `s` (read only when `s < end`): the pair's code point when `c` is a high surrogate and that unit a low
 * one (then the caller moves past it), otherwise 0: `c` is a lone surrogate.
 */
// @ts-ignore: decorator
@inline export function pairAt(c: u32, s: usize, end: usize): u32 {
  if (c >= 0xdc00 || s >= end) return 0;
  const low = <u32>load<u16>(s);
  return (low & 0xfc00) == 0xdc00 ? fromSurrogates(c, low) : 0;
}

/** Bytes the UTF-8 encoding of the code point `cp` takes: 1 to 4. */
// @ts-ignore: decorator
@inline export function utf8Size(cp: u32): usize {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

// The UTF-8 of a code point of each length, first byte in bits 0-7: the one formula per length that
// `utf8Word` (comparisons) and `storeUtf8` (every encoder) use.
// @ts-ignore: decorator
@inline function utf8Word2(cp: u32): u32 {
  return 0xc0 | (cp >>> 6) | ((0x80 | (cp & 0x3f)) << 8);
}
// @ts-ignore: decorator
@inline function utf8Word3(cp: u32): u32 {
  return 0xe0 | (cp >>> 12) | ((0x80 | ((cp >>> 6) & 0x3f)) << 8) | ((0x80 | (cp & 0x3f)) << 16);
}
// @ts-ignore: decorator
@inline function utf8Word4(cp: u32): u32 {
  return (
    0xf0 |
    (cp >>> 18) |
    ((0x80 | ((cp >>> 12) & 0x3f)) << 8) |
    ((0x80 | ((cp >>> 6) & 0x3f)) << 16) |
    ((0x80 | (cp & 0x3f)) << 24)
  );
}

/** Writes the low 3 bytes of `word` at `at`, and nothing after them. */
// @ts-ignore: decorator
@inline function store3(at: usize, word: u32): void {
  store<u16>(at, <u16>word);
  store<u8>(at, <u8>(word >>> 16), 2);
}

/** The UTF-8 encoding of the code point `cp` (at most U+10FFFF), its first byte in bits 0-7. */
// @ts-ignore: decorator
@inline export function utf8Word(cp: u32): u32 {
  return cp < 0x80 ? cp : cp < 0x800 ? utf8Word2(cp) : cp < 0x10000 ? utf8Word3(cp) : utf8Word4(cp);
}

/**
 * Writes the code point `cp` (a scalar value) at `at` as UTF-8, exactly its 1 to 4 bytes (nothing past
 * them); returns how many.
 */
// @ts-ignore: decorator
@inline export function storeUtf8(at: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(at, <u8>cp);
    return 1;
  }
  if (cp < 0x800) {
    store<u16>(at, <u16>utf8Word2(cp));
    return 2;
  }
  if (cp < 0x10000) {
    store3(at, utf8Word3(cp));
    return 3;
  }
  store<u32>(at, utf8Word4(cp));
  return 4;
}

/**
 * Encodes the `units` UTF-16 units at `ptr` as UTF-8 at `out`, a lone surrogate as U+FFFD (3 bytes, as
 * `TextEncoder` writes it), and returns the address after the last byte written. `out` needs room for
 * `String.UTF8.byteLength` of the text (at most 3 bytes per unit); nothing past the encoding is written.
 * Runs of ASCII are narrowed 4 units at a time (tried only after an ASCII unit, so text without ASCII
 * pays nothing for it). Allocates nothing.
 */
export function encodeUtf8Into(ptr: usize, units: usize, out: usize): usize {
  const end = ptr + (units << 1);
  let s = ptr;
  let o = out;
  while (s < end) {
    let c = <u32>load<u16>(s);
    if (c < 0x80) {
      if (end - s >= 8) {
        const x = load<u64>(s);
        if (!(x & HIGH_BITS_4X16)) {
          store<u32>(o, narrow4(x));
          s += 8;
          o += 4;
          continue;
        }
      }
      store<u8>(o, <u8>c);
      s += 2;
      o += 1;
      continue;
    }
    s += 2;
    // The 2- and 3-byte cases first, as in `storeUtf8`, so a unit outside ASCII costs two comparisons.
    if (c < 0x800) {
      store<u16>(o, <u16>utf8Word2(c));
      o += 2;
    } else if (!isSurrogate(c)) {
      store3(o, utf8Word3(c));
      o += 3;
    } else {
      const cp = pairAt(c, s, end);
      if (cp) s += 2;
      o += storeUtf8(o, cp ? cp : REPLACEMENT);
    }
  }
  return o;
}

/**
 * What the byte `b0` starts: 0 when it never starts a multi-byte character (ASCII, a continuation byte,
 * C0, C1, F5-FF); otherwise the character's length in bytes (bits 0-7) and the range its second byte
 * must be in, low (bits 8-15) and high (bits 16-23). The range is 80-BF, narrower after E0 and F0
 * (overlong forms), ED (surrogates) and F4 (beyond U+10FFFF), as in the WHATWG UTF-8 decoder.
 */
// @ts-ignore: decorator
@inline export function leadInfo(b0: u32): u32 {
  if (b0 < 0xc2 || b0 > 0xf4) return 0;
  const size: u32 = b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : 4;
  const lo: u32 = b0 == 0xe0 ? 0xa0 : b0 == 0xf0 ? 0x90 : 0x80;
  const hi: u32 = b0 == 0xed ? 0x9f : b0 == 0xf4 ? 0x8f : 0xbf;
  return size | (lo << 8) | (hi << 16);
}

/**
 * Decodes the sequence whose first byte `b0` (0x80 or above) is at `p`, reading no byte at or after `end`.
 * Returns the code point in bits 0-20 and the number of bytes it took in bits 24-26. An ill-formed
 * sequence yields U+FFFD and the length of its maximal subpart (WHATWG "UTF-8 decoder"): the lead byte
 * and the continuation bytes that were in range after it, at least 1 byte.
 */
export function decodeSequence(p: usize, end: usize, b0: u32): u32 {
  const info = leadInfo(b0);
  if (!info) return REPLACEMENT | (1 << 24);
  const size = info & 0xff;
  let lo = (info >>> 8) & 0xff;
  let hi = info >>> 16;
  let cp = b0 & (0x7f >>> size); // the lead's payload bits: 5, 4 or 3
  let n: u32 = 1;
  do {
    if (p + n >= end) return REPLACEMENT | (n << 24); // truncated by the end of the input
    const b = <u32>load<u8>(p + n);
    if (b < lo || b > hi) return REPLACEMENT | (n << 24); // `b` is not consumed: it starts the next sequence
    cp = (cp << 6) | (b & 0x3f);
    lo = 0x80;
    hi = 0xbf;
  } while (++n < size);
  return cp | (n << 24);
}

/**
 * Decodes the `len` bytes at `ptr` as UTF-8, as WHATWG "UTF-8 decode without BOM" does (and
 * `new TextDecoder("utf-8", { ignoreBOM: true })`): each maximal subpart of an ill-formed sequence
 * becomes one U+FFFD and decoding goes on with the next byte, so everything valid after it is kept. A
 * leading byte-order mark is text like any other (U+FEFF): a frame may start anywhere in a stream.
 *
 * Allocates the result once, 2 bytes per input byte (enough for any input: 1 byte never yields more
 * than one UTF-16 unit, 4 bytes yield 2), then shrinks it to its length; runs of ASCII are widened 8
 * bytes at a time. For unbounded input, check `memoryAvailable(2 * len)` first; `len` above 512 MiB
 * (2^29 - 64 bytes) cannot become a string and aborts.
 */
export function decodeUtf8(ptr: usize, len: usize): string {
  if (len == 0) return "";
  if (len > DECODE_MAX_LEN) throw new Error("decodeUtf8: input too large");
  const str = __new(len << 1, idof<String>());
  return changetype<string>(__renew(str, decodeUtf8Into(ptr, len, str) - str));
}

/**
 * Decodes the `len` bytes at `ptr` as `decodeUtf8` does, writing the UTF-16 units at `out` (which must
 * have room for `2 * len` bytes); returns the address after the last unit written. Allocates nothing.
 */
export function decodeUtf8Into(ptr: usize, len: usize, out: usize): usize {
  const end = ptr + len;
  let p = ptr;
  let o = out;
  while (p < end) {
    if (end - p >= 8) {
      const x = load<u64>(p);
      if (!(x & HIGH_BITS_8)) {
        store<u64>(o, widen4(<u32>x));
        store<u64>(o, widen4(<u32>(x >>> 32)), 8);
        p += 8;
        o += 16;
        continue;
      }
    }
    const b0 = <u32>load<u8>(p);
    if (b0 < 0x80) {
      store<u16>(o, b0);
      ++p;
      o += 2;
      continue;
    }
    const seq = decodeSequence(p, end, b0);
    p += seq >>> 24;
    o = storeCodePoint(o, seq & 0x1fffff);
  }
  return o;
}

/** Writes the code point `cp` at `o` as one or two UTF-16 units; returns the address after them. */
// @ts-ignore: decorator
@inline export function storeCodePoint(o: usize, cp: u32): usize {
  if (cp < 0x10000) {
    store<u16>(o, cp);
    return o + 2;
  }
  const v = cp - 0x10000;
  store<u32>(o, 0xd800 | (v >>> 10) | ((0xdc00 | (v & 0x3ff)) << 16));
  return o + 4;
}

/**
 * True when the `len` bytes at `ptr` are exactly the UTF-8 encoding of `text`. Compares as it encodes:
 * no decoding and no allocation. A `text` with a lone surrogate has no UTF-8 encoding, so it equals
 * nothing; ill-formed bytes never equal anything either.
 */
export function utf8Equals(ptr: usize, len: usize, text: string): bool {
  let s = changetype<usize>(text);
  const units = <usize>text.length;
  // Each UTF-16 unit encodes to 1 to 3 bytes (a surrogate pair, 2 units, to 4).
  if (len < units || len > units * 3) return false;
  const sEnd = s + (units << 1);
  const end = ptr + len;
  let p = ptr;
  while (s < sEnd) {
    if (sEnd - s >= 8 && end - p >= 4) {
      const u = load<u64>(s);
      if (!(u & HIGH_BITS_4X16)) {
        if (widen4(load<u32>(p)) != u) return false;
        s += 8;
        p += 4;
        continue;
      }
    }
    let c = <u32>load<u16>(s);
    s += 2;
    if (isSurrogate(c)) {
      // Only a high surrogate followed by a low one encodes (to 4 bytes).
      c = pairAt(c, s, sEnd);
      if (!c) return false;
      s += 2;
    }
    const size = utf8Size(c);
    if (end - p < size || !bytesAre(p, utf8Word(c), size)) return false;
    p += size;
  }
  return p == end;
}

/** True when the `size` (1 to 4) bytes at `p` are the low `size` bytes of `word`; reads no byte after them. */
// @ts-ignore: decorator
@inline function bytesAre(p: usize, word: u32, size: usize): bool {
  if (size == 4) return load<u32>(p) == word;
  if (size == 1) return <u32>load<u8>(p) == word;
  if (<u32>load<u16>(p) != (word & 0xffff)) return false;
  return size == 2 || <u32>load<u8>(p, 2) == word >>> 16;
}

/**
 * The length of the `len` bytes at `ptr` without a trailing sequence that is incomplete but could still
 * become a valid character with more bytes: a lead byte C2-F4 and 0 to 2 continuation bytes in the ranges
 * the WHATWG decoder accepts after it, fewer than the character needs. That tail (at most 3 bytes) is
 * what to carry to the front of the next frame: decoding the first `completeUtf8Len` bytes, then the
 * carried bytes followed by the next frame's, gives the same text as decoding both frames joined. Any
 * other ending (complete, or already ill-formed) gives `len`.
 */
export function completeUtf8Len(ptr: usize, len: usize): usize {
  const scan = len < 3 ? len : 3;
  for (let k: usize = 1; k <= scan; ++k) {
    const b0 = <u32>load<u8>(ptr + len - k);
    if ((b0 & 0xc0) == 0x80) continue; // a continuation byte: look further back for its lead
    // The last byte that is not a continuation: a partial character starts here, or none does.
    const info = leadInfo(b0);
    if (!info || k >= (info & 0xff)) return len; // ASCII, a byte that never starts one, or complete
    if (k >= 2) {
      const b1 = <u32>load<u8>(ptr + len - k + 1);
      if (b1 < ((info >>> 8) & 0xff) || b1 > info >>> 16) return len; // ill-formed: more bytes cannot mend it
    }
    return len - k;
  }
  return len;
}
