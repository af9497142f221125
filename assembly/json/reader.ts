// JsonReader: a pull reader over untrusted JSON bytes (RFC 8259) that never aborts.
//
// It checks everything as it goes (grammar, UTF-8, escapes, surrogate pairs, depth) and stops at the
// first error, keeping its code and byte offset; after that every read answers the error token or a
// zero value, so a handler reads a whole request and checks `ok` once. It allocates only the strings it
// is asked for (`readString`) and its depth stack (one bit per level, at construction).
//
// States between tokens (one per reader; a container's kind is a bit in `kinds`):
//   START ──value──▶ DONE ──end──▶ End token
//   FIRST (after { or [) ──} or ]──▶ pop;  ──key (object) or value (array)──▶
//   AFTER_KEY ──:──▶ value;   AFTER_VALUE ──,──▶ key or value;  ──} or ]──▶ pop
// A pop leaves AFTER_VALUE in the parent, or DONE at the top.

import { HIGH_BITS_8, LOW_BITS_8, zeroBytes } from "../find-byte";
import { memoryAvailable } from "../gc";
import { JsonError, jsonErrorMessage } from "./errors";
import { decodeJsonText, hexValue, jsonTextEquals } from "./text";

/** Deepest nesting a reader accepts unless told otherwise (512 levels of objects and arrays). */
export const DEFAULT_MAX_DEPTH: i32 = 512;

/** What `JsonReader.next` read. */
export enum JsonToken {
  /** Nothing read yet. */
  None = 0,
  ObjectStart = 1,
  ObjectEnd = 2,
  ArrayStart = 3,
  ArrayEnd = 4,
  /** A member name: `tokenPtr`/`tokenLen` are its raw content, `keyIs` compares it. */
  Key = 5,
  /** A string value: `tokenPtr`/`tokenLen` are its raw content (escapes unresolved). */
  String = 6,
  /** A number: `tokenPtr`/`tokenLen` are its text exactly as written. */
  Number = 7,
  True = 8,
  False = 9,
  Null = 10,
  /** The whole text was read and nothing but whitespace followed the value. */
  End = 11,
  /** The reader stopped: see `error` and `errorOffset`. */
  Error = 12,
}

// @ts-ignore: decorator
@inline const START: u8 = 0;
// @ts-ignore: decorator
@inline const DONE: u8 = 1;
// @ts-ignore: decorator
@inline const FIRST: u8 = 2;
// @ts-ignore: decorator
@inline const AFTER_KEY: u8 = 3;
// @ts-ignore: decorator
@inline const AFTER_VALUE: u8 = 4;

// Token flags.
// @ts-ignore: decorator
@inline const ESCAPED: u8 = 1;
// @ts-ignore: decorator
@inline const NEGATIVE: u8 = 2;
// @ts-ignore: decorator
@inline const FRACTION: u8 = 4;
// @ts-ignore: decorator
@inline const EXPONENT: u8 = 8;

/** True when one of the 8 bytes of `x` needs a look in a string: `"`, `\`, a control or non-ASCII. */
// @ts-ignore: decorator
@inline
function stringBytesNeedLook(x: u64): bool {
  const control = (x - LOW_BITS_8 * 0x20) & ~x; // "has a byte less than n" (n <= 0x80): high bit set
  // A quote or a backslash.
  const special = zeroBytes(x ^ (LOW_BITS_8 * 0x22)) | zeroBytes(x ^ (LOW_BITS_8 * 0x5c));
  return (special | ((control | x) & HIGH_BITS_8)) != 0;
}

// @ts-ignore: decorator
@inline
function isDigit(c: i32): bool {
  return <u32>(c - 0x30) < 10;
}

// @ts-ignore: decorator
@inline
function isHexDigit(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6;
}

/**
 * A pull reader over the `len` bytes at `ptr` (a frame's payload, valid during the callback), strict
 * RFC 8259: UTF-8 checked, no bytes but whitespace after the value, nesting at most `maxDepth`, `\u`
 * escapes of surrogates only in high-low pairs. Never aborts: the first error stops it (`ok` false,
 * `error`, `errorOffset`, `errorMessage()`), and every later read returns `JsonToken.Error` or a zero
 * value. Allocates only the strings asked for (`readString`). Reuse one reader with `reset`.
 *
 * Integer reads are strict: plain digits, no fraction and no exponent (`1.0` and `1e3` are
 * `NotAnInteger`), no minus sign for unsigned types (`-0` too), within the type's range (`OutOfRange`).
 *
 * A request with a required and an optional member:
 * ```ts
 * const r = new JsonReader(frame.payloadPtr, frame.payloadLen);
 * let count: u32 = 0, haveCount = false, name = "anonymous";
 * if (r.beginObject()) while (r.nextMember()) {
 *   if (r.keyIs("count") && !haveCount) { count = r.readU32(); haveCount = true; }
 *   else if (r.keyIs("name")) name = r.readString();
 *   else r.fail(JsonError.UnknownMember);
 * }
 * if (r.finish() && !haveCount) r.fail(JsonError.MissingMember);
 * if (!r.ok) return OpenDecision.reject(StreamErrorCode.InvalidArgument);
 * ```
 */
export class JsonReader {
  private ptr: usize;
  private end: usize;
  private at: usize;
  private depth: i32 = 0;
  private state: u8 = START;
  private pending: bool = false;
  private flags: u8 = 0;
  private start: usize = 0;
  private stop: usize = 0;
  private tokenStartAt: usize = 0;
  private kinds: StaticArray<u32>; // bit d set: the container at depth d + 1 is an object
  private current: JsonToken = JsonToken.None;
  private failure: JsonError = JsonError.None;
  private failureAt: usize = 0;
  /** The deepest nesting accepted (default `DEFAULT_MAX_DEPTH`, 512); deeper is `TooDeep`. */
  readonly maxDepth: i32;

  /** A reader over the `len` bytes at `ptr`, accepting nesting up to `maxDepth` levels (default 512). */
  constructor(ptr: usize = 0, len: usize = 0, maxDepth: i32 = DEFAULT_MAX_DEPTH) {
    const depth = max(maxDepth, 0);
    this.kinds = new StaticArray<u32>((depth >> 5) + 1);
    this.maxDepth = depth;
    this.ptr = ptr;
    this.end = ptr + len;
    this.at = ptr;
  }

  /** Starts over on the `len` bytes at `ptr`, keeping `maxDepth`; allocates nothing. */
  reset(ptr: usize, len: usize): void {
    this.ptr = ptr;
    this.end = ptr + len;
    this.at = ptr;
    this.depth = 0;
    this.state = START;
    this.pending = false;
    this.flags = 0;
    this.current = JsonToken.None;
    this.failure = JsonError.None;
    this.failureAt = 0;
  }

  /** True while no error has been found. */
  @inline get ok(): bool {
    return this.failure == JsonError.None;
  }

  /** The first error found, or `JsonError.None`. */
  @inline get error(): JsonError {
    return this.failure;
  }

  /** Byte offset (from `ptr`) of the first error; 0 when there is none. */
  @inline get errorOffset(): usize {
    return this.failureAt;
  }

  /** The first error's reason, a static string ("" when there is none). */
  errorMessage(): string {
    return jsonErrorMessage(this.failure);
  }

  /** The token last returned by `next` (or looked at by `peek`). */
  @inline get token(): JsonToken {
    return this.current;
  }

  /** Address of the current token's raw content: a string's bytes between the quotes, a number's text. */
  @inline get tokenPtr(): usize {
    return this.start;
  }

  /** Length in bytes of the current token's raw content. */
  @inline get tokenLen(): usize {
    return this.stop - this.start;
  }

  /** Byte offset (from `ptr`) where the current token starts (a string's opening quote). */
  @inline get tokenOffset(): usize {
    return this.tokenStartAt - this.ptr;
  }

  /** True when the current string or key has a backslash escape in its raw content. */
  @inline get tokenEscaped(): bool {
    return (this.flags & ESCAPED) != 0;
  }

  /** Current nesting depth (0 at the top level). */
  @inline get nesting(): i32 {
    return this.depth;
  }

  /**
   * Stops the reader with `error` at the current token's offset, unless it already stopped: for the
   * handler's own refusals (`UnknownMember`, `MissingMember`, `InvalidValue`, …). Returns false.
   */
  fail(error: JsonError): bool {
    if (this.failure == JsonError.None) {
      this.failure = error;
      this.failureAt = this.tokenStartAt - this.ptr;
    }
    this.current = JsonToken.Error;
    return false;
  }

  /** Reads the next token. After `End` or `Error`, returns the same again. */
  next(): JsonToken {
    if (this.pending) {
      this.pending = false;
      return this.current;
    }
    return this.scan();
  }

  /** The next token without taking it: the following `next` returns it. */
  peek(): JsonToken {
    if (!this.pending) {
      this.scan();
      this.pending = this.current != JsonToken.Error;
    }
    return this.current;
  }

  // ---- typed reads: each takes one value; a wrong one stops the reader and returns a zero value ----

  /** Takes `{`; false (and `WrongType`) for anything else. */
  beginObject(): bool {
    return this.expect(JsonToken.ObjectStart);
  }

  /** Takes `[`; false (and `WrongType`) for anything else. */
  beginArray(): bool {
    return this.expect(JsonToken.ArrayStart);
  }

  /**
   * Inside an object: takes the next member's name and returns true (then `keyIs` and a read of its
   * value), or takes the `}` and returns false. False on an error too.
   */
  nextMember(): bool {
    const token = this.next();
    if (token == JsonToken.Key) return true;
    if (token != JsonToken.ObjectEnd && token != JsonToken.Error) this.fail(JsonError.WrongType);
    return false;
  }

  /** Inside an array: true when another element follows (read it next), false after taking the `]`. */
  nextElement(): bool {
    const token = this.peek();
    if (token == JsonToken.ArrayEnd) {
      this.pending = false;
      return false;
    }
    if (token == JsonToken.ObjectEnd || token == JsonToken.Key) this.fail(JsonError.WrongType);
    return this.ok;
  }

  /** True when the current key or string is `text` (escapes resolved, byte for byte), allocating nothing. */
  keyIs(text: string): bool {
    const token = this.current;
    if (token != JsonToken.Key && token != JsonToken.String) return false;
    return jsonTextEquals(this.start, this.stop - this.start, this.tokenEscaped, text);
  }

  /** Takes a string value and returns it decoded ("" and `WrongType`/`NoMemory` otherwise). */
  readString(): string {
    if (!this.expect(JsonToken.String)) return "";
    const len = this.stop - this.start;
    if (!memoryAvailable(len << 1)) {
      this.fail(JsonError.NoMemory);
      return "";
    }
    return decodeJsonText(this.start, len, this.tokenEscaped);
  }

  /** Takes `true` or `false` (false and `WrongType` otherwise). */
  readBool(): bool {
    const token = this.next();
    if (token == JsonToken.True) return true;
    if (token != JsonToken.False) this.fail(JsonError.WrongType);
    return false;
  }

  /** Takes `null` and returns true, if it is next; otherwise takes nothing and returns false. */
  readNull(): bool {
    if (this.peek() != JsonToken.Null) return false;
    this.pending = false;
    return true;
  }

  /** Takes an integer from 0 to `u32.MAX_VALUE` (0 and an error otherwise). */
  readU32(): u32 {
    const value = this.readUnsigned();
    if (value > <u64>u32.MAX_VALUE) return <u32>this.outOfRange();
    return <u32>value;
  }

  /** Takes an integer from 0 to `u64.MAX_VALUE` (0 and an error otherwise). */
  readU64(): u64 {
    return this.readUnsigned();
  }

  /** Takes an integer from `i32.MIN_VALUE` to `i32.MAX_VALUE` (0 and an error otherwise). */
  readI32(): i32 {
    const value = this.readSigned();
    if (value < <i64>i32.MIN_VALUE || value > <i64>i32.MAX_VALUE) return <i32>this.outOfRange();
    return <i32>value;
  }

  /** Takes an integer from `i64.MIN_VALUE` to `i64.MAX_VALUE` (0 and an error otherwise). */
  readI64(): i64 {
    return this.readSigned();
  }

  /** Takes one whole value, whatever it is (an object or array with everything in it), checking it. */
  skipValue(): void {
    const token = this.next();
    if (token == JsonToken.ObjectStart || token == JsonToken.ArrayStart) {
      const depth = this.depth - 1;
      while (this.depth > depth && this.scan() != JsonToken.Error) {}
    } else if (token == JsonToken.ObjectEnd || token == JsonToken.ArrayEnd || token == JsonToken.Key) {
      this.fail(JsonError.ExpectedValue);
    }
  }

  /** Takes the end of the text: true when it is there and nothing went wrong. */
  finish(): bool {
    const token = this.next();
    if (token != JsonToken.End && token != JsonToken.Error) this.fail(JsonError.TrailingBytes);
    return this.ok;
  }

  /** Reads the whole text, checking it; true when it is valid. */
  validate(): bool {
    while (true) {
      const token = this.next();
      if (token == JsonToken.End) return true;
      if (token == JsonToken.Error) return false;
    }
  }

  // ---- internals ----

  private expect(token: JsonToken): bool {
    const got = this.next();
    if (got == token) return true;
    if (got != JsonToken.Error) this.fail(JsonError.WrongType);
    return false;
  }

  private outOfRange(): u64 {
    this.fail(JsonError.OutOfRange);
    return 0;
  }

  /** Takes a number token in integer form: its magnitude, or u64.MAX_VALUE with `overflowed`. */
  private integerToken(): bool {
    if (!this.expect(JsonToken.Number)) return false;
    if (this.flags & (FRACTION | EXPONENT)) return this.fail(JsonError.NotAnInteger);
    return true;
  }

  /** The digits of the current integer token as a u64, or fails with OutOfRange past u64. */
  private magnitude(): u64 {
    let p = this.start + (this.flags & NEGATIVE ? 1 : 0);
    let value: u64 = 0;
    while (p < this.stop) {
      const digit = <u64>(load<u8>(p++) - 0x30);
      if (value > (u64.MAX_VALUE - digit) / 10) return this.outOfRange();
      value = value * 10 + digit;
    }
    return value;
  }

  private readUnsigned(): u64 {
    if (!this.integerToken()) return 0;
    if (this.flags & NEGATIVE) return this.outOfRange();
    return this.magnitude();
  }

  private readSigned(): i64 {
    if (!this.integerToken()) return 0;
    const value = this.magnitude();
    if (!this.ok) return 0;
    if (this.flags & NEGATIVE) {
      if (value > (<u64>1) << 63) return <i64>this.outOfRange();
      return <i64>(<u64>0 - value);
    }
    if (value > <u64>i64.MAX_VALUE) return <i64>this.outOfRange();
    return <i64>value;
  }

  /** Stops with `error` at byte `p`. */
  private stopAt(error: JsonError, p: usize): JsonToken {
    if (this.failure == JsonError.None) {
      this.failure = error;
      this.failureAt = p - this.ptr;
    }
    this.current = JsonToken.Error;
    return JsonToken.Error;
  }

  /** Skips whitespace; the next byte, or -1 at the end. */
  @inline private skipSpace(): i32 {
    let p = this.at;
    const end = this.end;
    while (p < end) {
      const c = <i32>load<u8>(p);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) {
        this.at = p;
        return c;
      }
      p++;
    }
    this.at = p;
    return -1;
  }

  private scan(): JsonToken {
    if (this.failure != JsonError.None) return JsonToken.Error;
    let c = this.skipSpace();
    this.tokenStartAt = this.at;
    const state = this.state;
    if (state == AFTER_KEY) {
      if (c != 0x3a) return this.stopAt(c < 0 ? JsonError.UnexpectedEnd : JsonError.ExpectedColon, this.at);
      this.at++;
      c = this.skipSpace();
      this.tokenStartAt = this.at;
      return this.value(c);
    }
    if (state == START) return this.value(c);
    if (state == DONE) {
      if (c < 0) return (this.current = JsonToken.End);
      return this.stopAt(JsonError.TrailingBytes, this.at);
    }
    const d = this.depth - 1;
    const inObject = (unchecked(this.kinds[d >> 5]) & (1 << (d & 31))) != 0;
    const close = inObject ? 0x7d : 0x5d;
    if (state == FIRST) {
      if (c == close) return this.pop(inObject);
      return inObject ? this.key(c) : this.value(c);
    }
    // AFTER_VALUE
    if (c == close) return this.pop(inObject);
    if (c != 0x2c)
      return this.stopAt(c < 0 ? JsonError.UnexpectedEnd : JsonError.ExpectedCommaOrEnd, this.at);
    this.at++;
    c = this.skipSpace();
    this.tokenStartAt = this.at;
    return inObject ? this.key(c) : this.value(c);
  }

  private pop(inObject: bool): JsonToken {
    this.start = this.at;
    this.stop = ++this.at;
    this.depth--;
    this.state = this.depth == 0 ? DONE : AFTER_VALUE;
    return (this.current = inObject ? JsonToken.ObjectEnd : JsonToken.ArrayEnd);
  }

  private key(c: i32): JsonToken {
    if (c != 0x22) return this.stopAt(c < 0 ? JsonError.UnexpectedEnd : JsonError.ExpectedKey, this.at);
    if (!this.string()) return JsonToken.Error;
    this.state = AFTER_KEY;
    return (this.current = JsonToken.Key);
  }

  private value(c: i32): JsonToken {
    let token: JsonToken;
    if (c == 0x7b || c == 0x5b) {
      const d = this.depth;
      if (d >= this.maxDepth) return this.stopAt(JsonError.TooDeep, this.at);
      const word = d >> 5;
      const bit: u32 = 1 << (d & 31);
      const kinds = unchecked(this.kinds[word]);
      unchecked((this.kinds[word] = c == 0x7b ? kinds | bit : kinds & ~bit));
      this.depth = d + 1;
      this.state = FIRST;
      this.start = this.at;
      this.stop = ++this.at;
      return (this.current = c == 0x7b ? JsonToken.ObjectStart : JsonToken.ArrayStart);
    }
    if (c == 0x22) {
      if (!this.string()) return JsonToken.Error;
      token = JsonToken.String;
    } else if (c == 0x2d || isDigit(c)) {
      if (!this.number()) return JsonToken.Error;
      token = JsonToken.Number;
    } else if (c == 0x74) {
      if (!this.literal(0x65757274, 4)) return JsonToken.Error; // "true", little-endian
      token = JsonToken.True;
    } else if (c == 0x66) {
      if (!this.literal(0x736c6166, 5)) return JsonToken.Error; // "fals" then "e"
      token = JsonToken.False;
    } else if (c == 0x6e) {
      if (!this.literal(0x6c6c756e, 4)) return JsonToken.Error; // "null"
      token = JsonToken.Null;
    } else {
      return this.stopAt(c < 0 ? JsonError.UnexpectedEnd : JsonError.ExpectedValue, this.at);
    }
    this.state = this.depth == 0 ? DONE : AFTER_VALUE;
    return (this.current = token);
  }

  /** `true`, `null` (4 bytes) or `false` (5: its first 4 in `word`, then `e`). */
  private literal(word: u32, size: usize): bool {
    const p = this.at;
    if (this.end - p < size) {
      this.stopAt(JsonError.UnexpectedEnd, this.end);
      return false;
    }
    if (load<u32>(p) != word || (size == 5 && load<u8>(p, 4) != 0x65)) {
      this.stopAt(JsonError.ExpectedValue, p);
      return false;
    }
    this.start = p;
    this.stop = this.at = p + size;
    this.flags = 0;
    return true;
  }

  /** A number at `at` (checked: `-` or a digit): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
  private number(): bool {
    const begin = this.at;
    const end = this.end;
    let p = begin;
    let flags: u8 = 0;
    if (load<u8>(p) == 0x2d) {
      flags |= NEGATIVE;
      p++;
    }
    if (p >= end) return this.badNumber(end, true);
    let c = <i32>load<u8>(p);
    if (c == 0x30) p++;
    else if (isDigit(c)) {
      p++;
      while (p < end && isDigit(load<u8>(p))) p++;
    } else return this.badNumber(p, false);
    if (p < end && load<u8>(p) == 0x2e) {
      flags |= FRACTION;
      p++;
      if (p >= end) return this.badNumber(end, true);
      if (!isDigit(load<u8>(p))) return this.badNumber(p, false);
      while (p < end && isDigit(load<u8>(p))) p++;
    }
    if (p < end && (load<u8>(p) | 0x20) == 0x65) {
      flags |= EXPONENT;
      p++;
      if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
      if (p >= end) return this.badNumber(end, true);
      if (!isDigit(load<u8>(p))) return this.badNumber(p, false);
      while (p < end && isDigit(load<u8>(p))) p++;
    }
    this.start = begin;
    this.stop = this.at = p;
    this.flags = flags;
    return true;
  }

  private badNumber(p: usize, atEnd: bool): bool {
    this.stopAt(atEnd ? JsonError.UnexpectedEnd : JsonError.InvalidNumber, p);
    return false;
  }

  /** A string at `at` (checked: `"`), its content checked; the token is its raw content. */
  private string(): bool {
    const end = this.end;
    const begin = this.at + 1;
    let p = begin;
    let flags: u8 = 0;
    while (true) {
      while (end - p >= 8 && !stringBytesNeedLook(load<u64>(p))) p += 8;
      if (p >= end) {
        this.stopAt(JsonError.UnexpectedEnd, end);
        return false;
      }
      const b = <u32>load<u8>(p);
      if (b == 0x22) break;
      if (b == 0x5c) {
        flags |= ESCAPED;
        const after = this.escape(p);
        if (!after) return false;
        p = after;
      } else if (b < 0x20) {
        this.stopAt(JsonError.ControlInString, p);
        return false;
      } else if (b >= 0x80) {
        const size = utf8SequenceLength(p, end, b);
        if (!size) {
          this.stopAt(JsonError.InvalidUtf8, p);
          return false;
        }
        p += size;
      } else p++;
    }
    this.start = begin;
    this.stop = p;
    this.at = p + 1;
    this.flags = flags;
    return true;
  }

  /** Checks the escape at `p` (a backslash); returns where it ends, or 0 after stopping the reader. */
  private escape(p: usize): usize {
    const end = this.end;
    if (end - p < 2) return this.escapeError(JsonError.UnexpectedEnd, end);
    const e = <u32>load<u8>(p, 1);
    if (e != 0x75) {
      if (
        e == 0x22 ||
        e == 0x5c ||
        e == 0x2f ||
        e == 0x62 ||
        e == 0x66 ||
        e == 0x6e ||
        e == 0x72 ||
        e == 0x74
      )
        return p + 2;
      return this.escapeError(JsonError.InvalidEscape, p);
    }
    const unit = this.hexEscape(p);
    if (unit < 0) return 0;
    if (unit < 0xd800 || unit > 0xdfff) return p + 6;
    if (unit >= 0xdc00) return this.escapeError(JsonError.LoneSurrogate, p);
    // A high surrogate: a `\u` escape of a low one must follow.
    if (end - p < 12 || load<u8>(p, 6) != 0x5c || load<u8>(p, 7) != 0x75) {
      return this.escapeError(JsonError.LoneSurrogate, p);
    }
    const low = this.hexEscape(p + 6);
    if (low < 0) return 0;
    if (low < 0xdc00 || low > 0xdfff) return this.escapeError(JsonError.LoneSurrogate, p);
    return p + 12;
  }

  private escapeError(error: JsonError, p: usize): usize {
    this.stopAt(error, p);
    return 0;
  }

  /** The unit of the `\uXXXX` escape at `p`, or -1 after stopping the reader. */
  private hexEscape(p: usize): i32 {
    if (this.end - p < 6) {
      this.stopAt(JsonError.UnexpectedEnd, this.end);
      return -1;
    }
    let unit: u32 = 0;
    for (let i: usize = 2; i < 6; i++) {
      const c = <u32>load<u8>(p + i);
      if (!isHexDigit(c)) {
        this.stopAt(JsonError.InvalidEscape, p);
        return -1;
      }
      unit = (unit << 4) | hexValue(c);
    }
    return <i32>unit;
  }
}

/**
 * Length of the well-formed UTF-8 sequence at `p` whose first byte `b0` is 0x80 or above (Unicode
 * Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or 0 when it is ill-formed or cut
 * off by `end`.
 */
function utf8SequenceLength(p: usize, end: usize, b0: u32): usize {
  let size: usize;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (b0 < 0xc2) return 0;
  if (b0 < 0xe0) size = 2;
  else if (b0 < 0xf0) {
    size = 3;
    if (b0 == 0xe0) lo = 0xa0;
    else if (b0 == 0xed) hi = 0x9f;
  } else if (b0 < 0xf5) {
    size = 4;
    if (b0 == 0xf0) lo = 0x90;
    else if (b0 == 0xf4) hi = 0x8f;
  } else return 0;
  if (end - p < size) return 0;
  const b1 = <u32>load<u8>(p, 1);
  if (b1 < lo || b1 > hi) return 0;
  for (let i: usize = 2; i < size; i++) {
    if (((<u32>load<u8>(p + i)) & 0xc0) != 0x80) return 0;
  }
  return size;
}
