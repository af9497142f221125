// JsonWriter: compact JSON appended to a ByteBuffer, escaped minimally, with commas placed for you.
//
// Strings are escaped as JSON.stringify does: `\"`, `\\`, `\b \f \n \r \t`, other controls as `\u00xx`
// (lowercase hex), everything else as UTF-8 (`/` included). A surrogate pair is written whole (4 bytes);
// a lone surrogate in a string is written as U+FFFD, so the output is always valid UTF-8 and valid JSON.
// Nothing is allocated per value: bytes go straight into the buffer, which fails (never traps) when it
// cannot grow; check `out.ok` once before sending.

import { ByteBuffer } from "../sending/bytes";
import { JsonReader, JsonToken } from "./reader";
import { nextCodePoint } from "./text";
import { REPLACEMENT, isSurrogate, pairAt, storeUtf8 } from "../text/utf8";

/** The escape letter of the short escape for `c`, or 0 when `c` has none. */
// @ts-ignore: decorator
@inline
function shortEscapeLetter(c: u32): u32 {
  switch (c) {
    case 0x22:
      return 0x22; // "
    case 0x5c:
      return 0x5c; // \
    case 0x08:
      return 0x62; // b
    case 0x0c:
      return 0x66; // f
    case 0x0a:
      return 0x6e; // n
    case 0x0d:
      return 0x72; // r
    case 0x09:
      return 0x74; // t
    default:
      return 0;
  }
}

/** Writes code point `cp` at `at`, escaped for a JSON string; returns the bytes written (1 to 6). */
// @ts-ignore: decorator
@inline
function storeEscaped(at: usize, cp: u32): usize {
  if (cp >= 0x20 && cp != 0x22 && cp != 0x5c) return storeUtf8(at, cp);
  const letter = shortEscapeLetter(cp);
  if (letter) {
    store<u16>(at, <u16>(0x5c | (letter << 8)));
    return 2;
  }
  const low = cp & 15;
  store<u32>(at, 0x3030_755c); // \u00
  store<u8>(at, <u8>(0x30 + (cp >> 4)), 4);
  store<u8>(at, <u8>(low < 10 ? 0x30 + low : 0x57 + low), 5); // lowercase, as JSON.stringify
  return 6;
}

/**
 * Writes compact JSON into `out` (a ByteBuffer: send it with `out.sendOrFail(stream)`). Commas go in by
 * themselves: call `key` before each member's value, and the value methods in order. The writer does not
 * check that calls make a well-formed text (a value without a key in an object, an unclosed array).
 *
 * ```ts
 * const w = new JsonWriter(new ByteBuffer());
 * w.beginObject();
 * w.key("seq"); w.unsigned(7);
 * w.key("tags"); w.beginArray(); w.string("a"); w.string("b"); w.endArray();
 * w.endObject(); // {"seq":7,"tags":["a","b"]}
 * ```
 */
export class JsonWriter {
  private comma: bool = false;

  /** The buffer the writer appends to: send it with `out.sendOrFail(stream)`, reuse it with `reset()`. */
  out: ByteBuffer;

  /** A writer appending to `out`. */
  constructor(out: ByteBuffer) {
    this.out = out;
  }

  /** Clears `out` (keeping its capacity) and starts a new text. */
  reset(): void {
    this.out.clear();
    this.comma = false;
  }

  /** `{` */
  beginObject(): void {
    this.separate();
    this.out.writeByte(0x7b);
    this.comma = false;
  }

  /** `}` */
  endObject(): void {
    this.out.writeByte(0x7d);
    this.comma = true;
  }

  /** `[` */
  beginArray(): void {
    this.separate();
    this.out.writeByte(0x5b);
    this.comma = false;
  }

  /** `]` */
  endArray(): void {
    this.out.writeByte(0x5d);
    this.comma = true;
  }

  /** A member name and its `:`; the value comes next. */
  key(name: string): void {
    this.separate();
    this.quoted(name);
    this.out.writeByte(0x3a);
    this.comma = false;
  }

  /** A string value, escaped (a lone surrogate becomes U+FFFD). */
  string(value: string): void {
    this.separate();
    this.quoted(value);
    this.comma = true;
  }

  /**
   * Opens a string value to be written in parts with `chars` (escaped) and, for digits, the buffer's own
   * `out.writeU32` and the like (digits need no escaping); `endString` closes it.
   */
  beginString(): void {
    this.separate();
    this.out.writeByte(0x22);
  }

  /** Part of a string opened by `beginString`, escaped. */
  chars(text: string): void {
    const units = <usize>text.length;
    if (units == 0) return;
    // Up to 6 bytes per unit; count exactly only when that much would make the buffer grow.
    let bound = units * 6;
    if (bound > this.out.capacity - this.out.length) bound = escapedLength(text);
    const at = this.out.reserve(bound);
    if (!at) return;
    let o = at;
    let s = changetype<usize>(text);
    const end = s + (units << 1);
    while (s < end) {
      let c = <u32>load<u16>(s);
      s += 2;
      if (isSurrogate(c)) {
        const cp = pairAt(c, s, end);
        if (cp) s += 2;
        c = cp ? cp : REPLACEMENT; // a lone surrogate
      }
      o += storeEscaped(o, c);
    }
    this.out.advance(o - at);
  }

  /** Closes a string opened by `beginString`. */
  endString(): void {
    this.out.writeByte(0x22);
    this.comma = true;
  }

  /** An integer value, in decimal. */
  integer(value: i64): void {
    this.separate();
    this.out.writeI64(value);
    this.comma = true;
  }

  /** An unsigned integer value, in decimal. */
  unsigned(value: u64): void {
    this.separate();
    this.out.writeU64(value);
    this.comma = true;
  }

  /** `true` or `false`. */
  boolean(value: bool): void {
    this.separate();
    if (value) this.out.writeBytes(changetype<usize>(TRUE_BYTES), 4);
    else this.out.writeBytes(changetype<usize>(FALSE_BYTES), 5);
    this.comma = true;
  }

  /** `null`. */
  nullValue(): void {
    this.separate();
    this.out.writeBytes(changetype<usize>(NULL_BYTES), 4);
    this.comma = true;
  }

  /** A value already encoded as JSON (`len` bytes at `ptr`), written as it is: it is not checked. */
  rawValue(ptr: usize, len: usize): void {
    this.separate();
    this.out.writeBytes(ptr, len);
    this.comma = true;
  }

  /**
   * The reader's current token, re-escaped minimally: a Key as a member name (with its `:`), a String
   * as a string value, a Number exactly as written, true/false/null, a bracket. Allocates nothing.
   * Copying every token of a text this way writes its compact form.
   */
  copyToken(reader: JsonReader): void {
    switch (reader.token) {
      case JsonToken.ObjectStart:
        this.beginObject();
        break;
      case JsonToken.ObjectEnd:
        this.endObject();
        break;
      case JsonToken.ArrayStart:
        this.beginArray();
        break;
      case JsonToken.ArrayEnd:
        this.endArray();
        break;
      case JsonToken.Key:
        this.separate();
        this.copyText(reader);
        this.out.writeByte(0x3a);
        this.comma = false;
        break;
      case JsonToken.String:
        this.separate();
        this.copyText(reader);
        this.comma = true;
        break;
      case JsonToken.Number:
      case JsonToken.True:
      case JsonToken.False:
      case JsonToken.Null:
        this.rawValue(reader.tokenPtr, reader.tokenLen);
        break;
      default:
        break; // End, Error, None: nothing to write
    }
  }

  /**
   * Takes one whole value from `reader` (an object or array with everything in it) and writes it in
   * compact form (`copyToken` for each token). Returns `reader.ok`: on an error the output stops where
   * the reader did, and the text should be dropped.
   */
  copyValue(reader: JsonReader): bool {
    const depth = reader.nesting;
    do {
      const token = reader.next();
      if (token == JsonToken.Error || token == JsonToken.End) break;
      this.copyToken(reader);
    } while (reader.nesting > depth);
    return reader.ok;
  }

  /** The reader's current string or key, quoted and re-escaped minimally. */
  private copyText(reader: JsonReader): void {
    const ptr = reader.tokenPtr;
    const len = reader.tokenLen;
    if (!reader.tokenEscaped) {
      // Checked content without escapes has no `"`, `\` or control: it is its own minimal form.
      const at = this.out.reserve(len + 2);
      if (!at) return;
      store<u8>(at, 0x22);
      memory.copy(at + 1, ptr, len);
      store<u8>(at + 1 + len, 0x22);
      this.out.advance(len + 2);
      return;
    }
    // Raw bytes are copied and no escape is written longer than it was read (`\u001f` stays 6 bytes,
    // `\n` 2, `\u00e9` becomes 2), so the content never grows.
    const at = this.out.reserve(len + 2);
    if (!at) return;
    let o = at;
    store<u8>(o++, 0x22);
    let p = ptr;
    const end = ptr + len;
    while (p < end) {
      const b = <u32>load<u8>(p);
      if (b != 0x5c) {
        store<u8>(o++, <u8>b); // raw UTF-8 and ASCII stay as they are
        p++;
        continue;
      }
      const next = nextCodePoint(p);
      p = <usize>(next >>> 32);
      o += storeEscaped(o, <u32>next);
    }
    store<u8>(o++, 0x22);
    this.out.advance(o - at);
  }


  @inline private separate(): void {
    if (this.comma) this.out.writeByte(0x2c);
  }

  private quoted(text: string): void {
    this.out.writeByte(0x22);
    this.chars(text);
    this.out.writeByte(0x22);
  }
}

const TRUE_BYTES = memory.data<u8>([0x74, 0x72, 0x75, 0x65]);
const FALSE_BYTES = memory.data<u8>([0x66, 0x61, 0x6c, 0x73, 0x65]);
const NULL_BYTES = memory.data<u8>([0x6e, 0x75, 0x6c, 0x6c]);

/** Bytes `text` takes escaped (lone surrogates as U+FFFD), without the quotes. */
function escapedLength(text: string): usize {
  let n: usize = 0;
  let s = changetype<usize>(text);
  const end = s + ((<usize>text.length) << 1);
  while (s < end) {
    const c = <u32>load<u16>(s);
    s += 2;
    if (c < 0x80) n += c < 0x20 ? (shortEscapeLetter(c) ? 2 : 6) : c == 0x22 || c == 0x5c ? 2 : 1;
    else if (c < 0x800) n += 2;
    else if (!isSurrogate(c)) n += 3;
    else if (pairAt(c, s, end)) {
      s += 2;
      n += 4;
    } else n += 3; // a lone surrogate: U+FFFD
  }
  return n;
}
