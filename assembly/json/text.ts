// The content of a JSON string the reader has already checked (valid UTF-8, valid escapes, surrogate
// escapes in pairs), read one code point at a time: compared with a string, decoded to one, re-escaped.
// Nothing here checks again, so these functions take only a checked token's bytes.

import { decodeUtf8, fromSurrogates, isSurrogate, pairAt, storeCodePoint, utf8Equals } from "../text/utf8";

/** The value of the hex digit byte `c` (checked: 0-9, a-f, A-F). */
// @ts-ignore: decorator
@inline
export function hexValue(c: u32): u32 {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** The four hex digits at `p` (checked). */
// @ts-ignore: decorator
@inline
export function hex4(p: usize): u32 {
  return (
    (hexValue(load<u8>(p)) << 12) |
    (hexValue(load<u8>(p, 1)) << 8) |
    (hexValue(load<u8>(p, 2)) << 4) |
    hexValue(load<u8>(p, 3))
  );
}

/** The character a two-byte escape `\c` stands for (checked: one of `"\/bfnrt`). */
// @ts-ignore: decorator
@inline
function shortEscapeValue(c: u32): u32 {
  switch (c) {
    case 0x62:
      return 0x08; // b
    case 0x66:
      return 0x0c; // f
    case 0x6e:
      return 0x0a; // n
    case 0x72:
      return 0x0d; // r
    case 0x74:
      return 0x09; // t
    default:
      return c; // " \ /
  }
}

/**
 * The code point at `p` in a checked string's raw content and where the next one starts:
 * `cp | (next << 32)`. Reads an escape (a surrogate pair's two escapes as one code point) or one UTF-8
 * sequence.
 */
// @ts-ignore: decorator
@inline
export function nextCodePoint(p: usize): u64 {
  const b = <u32>load<u8>(p);
  if (b < 0x80) {
    if (b != 0x5c) return (<u64>b) | ((<u64>(p + 1)) << 32);
    const e = <u32>load<u8>(p, 1);
    if (e != 0x75) return (<u64>shortEscapeValue(e)) | ((<u64>(p + 2)) << 32);
    const unit = hex4(p + 2);
    if (unit < 0xd800 || unit > 0xdbff) return (<u64>unit) | ((<u64>(p + 6)) << 32);
    const low = hex4(p + 8); // checked: `\uDC00`-`\uDFFF` follows
    return (<u64>fromSurrogates(unit, low)) | ((<u64>(p + 12)) << 32);
  }
  if (b < 0xe0) return (<u64>(((b & 0x1f) << 6) | (load<u8>(p, 1) & 0x3f))) | ((<u64>(p + 2)) << 32);
  if (b < 0xf0) {
    const cp = ((b & 0x0f) << 12) | (((<u32>load<u8>(p, 1)) & 0x3f) << 6) | ((<u32>load<u8>(p, 2)) & 0x3f);
    return (<u64>cp) | ((<u64>(p + 3)) << 32);
  }
  const cp =
    ((b & 0x07) << 18) |
    (((<u32>load<u8>(p, 1)) & 0x3f) << 12) |
    (((<u32>load<u8>(p, 2)) & 0x3f) << 6) |
    ((<u32>load<u8>(p, 3)) & 0x3f);
  return (<u64>cp) | ((<u64>(p + 4)) << 32);
}

/**
 * True when the checked string content at `ptr` (`len` bytes, `escaped` if it has a backslash) is
 * `text`, escapes resolved. Allocates nothing. A `text` with a lone surrogate equals nothing (a checked
 * string cannot hold one).
 */
export function jsonTextEquals(ptr: usize, len: usize, escaped: bool, text: string): bool {
  if (!escaped) return utf8Equals(ptr, len, text);
  let s = changetype<usize>(text);
  const sEnd = s + ((<usize>text.length) << 1);
  const end = ptr + len;
  let p = ptr;
  while (p < end) {
    if (s >= sEnd) return false;
    const next = nextCodePoint(p);
    p = <usize>(next >>> 32);
    let c = <u32>load<u16>(s);
    s += 2;
    if (isSurrogate(c)) {
      c = pairAt(c, s, sEnd);
      if (!c) return false; // a lone surrogate equals nothing
      s += 2;
    }
    if (c != <u32>next) return false;
  }
  return s == sEnd;
}

/**
 * The checked string content at `ptr` decoded to a string (escapes resolved). Allocates the result:
 * at most 2 bytes per content byte (check `memoryAvailable(2 * len)` first).
 */
export function decodeJsonText(ptr: usize, len: usize, escaped: bool): string {
  if (!escaped) return decodeUtf8(ptr, len);
  const out = __new(len << 1, idof<String>()); // every escape is longer than the units it makes
  const end = ptr + len;
  let p = ptr;
  let o = out;
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80 && b != 0x5c) {
      store<u16>(o, b);
      p++;
      o += 2;
      continue;
    }
    const next = nextCodePoint(p);
    p = <usize>(next >>> 32);
    o = storeCodePoint(o, <u32>next);
  }
  return changetype<string>(__renew(out, o - out));
}
