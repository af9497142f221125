// Valid UTF-8 out of any bytes, without going through UTF-16: check a byte range, or copy it with each
// ill-formed sequence replaced by U+FFFD's encoding, as decoding (WHATWG) and encoding again would.

import { HIGH_BITS_8 } from "./find-byte";
import { REPLACEMENT, decodeSequence, leadInfo, storeUtf8 } from "./utf8";

/** Bytes a replacement takes: each maximal subpart of an ill-formed sequence becomes U+FFFD's 3 bytes. */
export const REPLACEMENT_UTF8_LEN: usize = 3;

/**
 * Length of the longest prefix of the `len` bytes at `ptr` that is valid UTF-8 (complete characters
 * only): `len` when all of it is, otherwise the offset of the first ill-formed or incomplete sequence.
 * Runs of ASCII are checked 8 bytes at a time; allocates nothing and never traps.
 */
export function validUtf8Len(ptr: usize, len: usize): usize {
  const end = ptr + len;
  let p = ptr;
  while (p < end) {
    if (end - p >= 8 && !(load<u64>(p) & HIGH_BITS_8)) {
      p += 8;
      continue;
    }
    const b0 = <u32>load<u8>(p);
    if (b0 < 0x80) {
      p++;
      continue;
    }
    // A sequence is well-formed when it runs to its lead byte's full length (0 for a byte that leads none).
    const used = decodeSequence(p, end, b0) >>> 24;
    if (used != (leadInfo(b0) & 0xff)) break;
    p += used;
  }
  return p - ptr;
}

/**
 * Copies the `len` bytes at `ptr` to `out` as valid UTF-8: each maximal subpart of an ill-formed or
 * incomplete sequence becomes EF BF BD (U+FFFD), exactly as `new TextEncoder().encode(new
 * TextDecoder().decode(bytes))` would give; everything valid is copied as it is. `out` needs room for
 * `REPLACEMENT_UTF8_LEN * len` bytes (every byte could be replaced) and must not overlap the input.
 * Returns the number of bytes written. Allocates nothing and never traps.
 */
export function writeValidUtf8(ptr: usize, len: usize, out: usize): usize {
  const end = ptr + len;
  let p = ptr;
  let o = out;
  while (p < end) {
    const valid = validUtf8Len(p, end - p);
    memory.copy(o, p, valid);
    o += valid;
    p += valid;
    if (p >= end) break;
    // An ill-formed or incomplete sequence starts here: skip its maximal subpart.
    p += <usize>(decodeSequence(p, end, <u32>load<u8>(p)) >>> 24);
    o += storeUtf8(o, REPLACEMENT); // EF BF BD: REPLACEMENT_UTF8_LEN bytes
  }
  return o - out;
}
