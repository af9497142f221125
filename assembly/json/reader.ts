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

import { DEBUG } from "rt/common";
import { HIGH_BITS_8, LOW_BITS_8, zeroBytes } from "../text/find-byte";
import { memoryAvailable } from "../memory/gc";
import { decodeUtf8 } from "../text/utf8";
import { JsonError, jsonErrorMessage } from "./errors";
import { decodeJsonText, hexValue, jsonTextEquals, nextCodePoint } from "./text";
import {
  EXPECT_ARRAY,
  EXPECT_BOOL,
  EXPECT_ELEMENT,
  EXPECT_I32,
  EXPECT_I64,
  EXPECT_MEMBER,
  EXPECT_NOTHING,
  EXPECT_OBJECT,
  EXPECT_STRING,
  EXPECT_U32,
  EXPECT_U64,
  EXPECT_VALUE,
  JsonToken,
  expectedName,
  integerTypeName,
  tokenName,
} from "./tokens";

export { JsonToken } from "./tokens";

/** Deepest nesting a reader accepts unless told otherwise (512 levels of objects and arrays). */
export const DEFAULT_MAX_DEPTH: i32 = 512;

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

/** The longest member name (in bytes of its raw content) an error message quotes whole. */
// @ts-ignore: decorator
@inline const NAME_BYTES_QUOTED: usize = 64;

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
 *   if (r.keyIs("count")) {
 *     if (haveCount) r.fail(JsonError.DuplicateMember); // errorMessage(): duplicate member "count"
 *     count = r.readU32(); haveCount = true;
 *   } else if (r.keyIs("name")) name = r.readString();
 *   else r.fail(JsonError.UnknownMember); // errorMessage(): unknown member "<its name>"
 * }
 * if (r.finish() && !haveCount) r.fail(JsonError.MissingMember, "count");
 * if (!r.ok) return OpenDecision.reject(StreamErrorCode.InvalidArgument); // why and where: r.errorReport()
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
  // For errorMessage, set only on the way to an error: what a read wanted and found, and the member.
  private expected: u8 = EXPECT_NOTHING;
  private found: JsonToken = JsonToken.None;
  private memberName: string | null = null;
  // The raw content of the last member name read (set with every key: two stores, no allocation).
  private keyStart: usize = 0;
  private keyStop: usize = 0;
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
    this.tokenStartAt = ptr; // a `fail` before the first read reports offset 0, not 0 - ptr
  }

  /** Starts over on the `len` bytes at `ptr`, keeping `maxDepth`; allocates nothing. */
  reset(ptr: usize, len: usize): void {
    this.ptr = ptr;
    this.end = ptr + len;
    this.at = ptr;
    this.tokenStartAt = ptr; // offsets of the previous text mean nothing in this one
    this.depth = 0;
    this.state = START;
    this.pending = false;
    this.flags = 0;
    this.current = JsonToken.None;
    this.failure = JsonError.None;
    this.failureAt = 0;
    this.expected = EXPECT_NOTHING;
    this.found = JsonToken.None;
    this.memberName = null;
    this.keyStart = this.keyStop = 0;
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

  /**
   * The first error's reason in English ("" when there is none), built only when asked (nothing is kept
   * or allocated for it while reading): what a typed read expected and what it found (`expected an
   * integer (u32), found a string`), the type a number did not fit (`number out of range for i32`), the
   * member a handler refused by name (`duplicate member "count"`, `missing member "name"`; a name longer
   * than 64 bytes is cut, with `…`), otherwise `jsonErrorMessage(error)`. A member name is quoted as it was
   * written in the text, escapes and all. Call it while the text is still in memory (in the callback
   * that read it). When memory is short it answers the static reason instead of trapping.
   */
  errorMessage(): string {
    const error = this.failure;
    const plain = jsonErrorMessage(error);
    if (error == JsonError.WrongType) {
      if (this.expected == EXPECT_NOTHING) return plain;
      if (!memoryAvailable(256)) return plain;
      return "expected " + expectedName(this.expected) + ", found " + tokenName(this.found);
    }
    if (error == JsonError.ExpectedValue && this.expected == EXPECT_VALUE) {
      if (!memoryAvailable(256)) return plain;
      return plain + ", found " + tokenName(this.found);
    }
    if (error == JsonError.OutOfRange) {
      const type = integerTypeName(this.expected);
      if (type.length == 0 || !memoryAvailable(256)) return plain;
      return plain + " for " + type;
    }
    if (
      error != JsonError.UnknownMember &&
      error != JsonError.DuplicateMember &&
      error != JsonError.MissingMember
    )
      return plain;
    const given = this.memberName;
    if (given !== null) {
      // A handler's name can be long: one allocation of the whole (a `+` chain would hold each
      // intermediate string too, twice what the check asked for).
      if (!memoryAvailable(((<usize>given.length) << 1) + 256)) return plain;
      const parts: StaticArray<string> = [plain, ' "', given, '"'];
      return parts.join("");
    }
    const start = this.keyStart;
    if (start == 0 && this.keyStop == 0) return plain; // no member name read: nothing to name
    const stop = this.keyStop;
    // Cut a long name at a code point or escape boundary (the content is checked).
    let cut = start;
    while (cut < stop) {
      const next = <usize>(nextCodePoint(cut) >>> 32);
      if (next - start > NAME_BYTES_QUOTED) break;
      cut = next;
    }
    if (!memoryAvailable(((cut - start) << 1) + 256)) return plain;
    return plain + ' "' + decodeUtf8(start, cut - start) + (cut < stop ? '…"' : '"');
  }

  /** `errorMessage()` and where: `expected a string, found a number at byte 9` ("" when there is none). */
  errorReport(): string {
    if (this.failure == JsonError.None) return "";
    const message = this.errorMessage();
    if (!memoryAvailable(((<usize>message.length) << 1) + 128)) return message;
    const parts: StaticArray<string> = [message, " at byte ", this.failureAt.toString()];
    return parts.join(""); // one allocation the message's size, as the check asked for
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
   * handler's own refusals (`UnknownMember`, `DuplicateMember`, `MissingMember`, `InvalidValue`, …).
   * Returns false. `errorMessage()` names the member of a member error: `member` when it is given (the
   * name of a missing member: `r.fail(JsonError.MissingMember, "count")`), else the last member name
   * read (`r.fail(JsonError.DuplicateMember)` right after `keyIs` found a name seen before).
   */
  fail(error: JsonError, member: string | null = null): bool {
    if (this.failure == JsonError.None) {
      this.failure = error;
      this.failureAt = this.tokenStartAt - this.ptr;
      this.memberName = member;
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
    return this.expect(JsonToken.ObjectStart, EXPECT_OBJECT);
  }

  /** Takes `[`; false (and `WrongType`) for anything else. */
  beginArray(): bool {
    return this.expect(JsonToken.ArrayStart, EXPECT_ARRAY);
  }

  /**
   * Inside an object: takes the next member's name and returns true (then `keyIs` and a read of its
   * value), or takes the `}` and returns false. False on an error too.
   */
  nextMember(): bool {
    const token = this.next();
    if (token == JsonToken.Key) return true;
    if (token != JsonToken.ObjectEnd && token != JsonToken.Error) this.wrongType(EXPECT_MEMBER, token);
    return false;
  }

  /** Inside an array: true when another element follows (read it next), false after taking the `]`. */
  nextElement(): bool {
    const token = this.peek();
    if (token == JsonToken.ArrayEnd) {
      this.pending = false;
      return false;
    }
    if (token == JsonToken.ObjectEnd || token == JsonToken.Key) this.wrongType(EXPECT_ELEMENT, token);
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
    if (!this.expect(JsonToken.String, EXPECT_STRING)) return "";
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
    if (token != JsonToken.False && token != JsonToken.Error) this.wrongType(EXPECT_BOOL, token);
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
    const value = this.readUnsigned(EXPECT_U32);
    if (value > <u64>u32.MAX_VALUE) return <u32>this.outOfRange(EXPECT_U32);
    return <u32>value;
  }

  /** Takes an integer from 0 to `u64.MAX_VALUE` (0 and an error otherwise). */
  readU64(): u64 {
    return this.readUnsigned(EXPECT_U64);
  }

  /** Takes an integer from `i32.MIN_VALUE` to `i32.MAX_VALUE` (0 and an error otherwise). */
  readI32(): i32 {
    const value = this.readSigned(EXPECT_I32);
    if (value < <i64>i32.MIN_VALUE || value > <i64>i32.MAX_VALUE) return <i32>this.outOfRange(EXPECT_I32);
    return <i32>value;
  }

  /** Takes an integer from `i64.MIN_VALUE` to `i64.MAX_VALUE` (0 and an error otherwise). */
  readI64(): i64 {
    return this.readSigned(EXPECT_I64);
  }

  /** Takes one whole value, whatever it is (an object or array with everything in it), checking it. */
  skipValue(): void {
    const token = this.next();
    if (token == JsonToken.ObjectStart || token == JsonToken.ArrayStart) {
      const depth = this.depth - 1;
      while (this.depth > depth && this.scan() != JsonToken.Error) {}
    } else if (token == JsonToken.ObjectEnd || token == JsonToken.ArrayEnd || token == JsonToken.Key) {
      this.fail(JsonError.ExpectedValue); // the reader had not stopped: the token is not Error
      this.noteFound(EXPECT_VALUE, token);
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

  private expect(token: JsonToken, expected: u8): bool {
    const got = this.next();
    if (got == token) return true;
    if (got != JsonToken.Error) this.wrongType(expected, got);
    return false;
  }

  /** Fails with `WrongType`: a read wanted `expected` and found `got` (a token, so not stopped yet). */
  private wrongType(expected: u8, got: JsonToken): void {
    if (DEBUG) assert(this.failure == JsonError.None);
    this.fail(JsonError.WrongType);
    this.noteFound(expected, got);
  }

  /** Keeps what the read that just failed wanted and found, for errorMessage. */
  @inline private noteFound(expected: u8, got: JsonToken): void {
    this.expected = expected;
    this.found = got;
  }

  /** Fails with `OutOfRange` for a read of `type` (EXPECT_U32 …), which took a number; 0. */
  private outOfRange(type: u8): u64 {
    if (DEBUG) assert(this.failure == JsonError.None);
    this.fail(JsonError.OutOfRange);
    this.expected = type;
    return 0;
  }

  /**
   * Takes a number token for an integer read of type `type` (EXPECT_U32 …): true when it has neither a
   * fraction nor an exponent; otherwise the reader stops (WrongType or NotAnInteger) and it is false.
   */
  private integerToken(type: u8): bool {
    if (!this.expect(JsonToken.Number, type)) return false;
    if (this.flags & (FRACTION | EXPONENT)) return this.fail(JsonError.NotAnInteger);
    return true;
  }

  /** The digits of the current integer token as a u64, or fails with OutOfRange past u64. */
  private magnitude(type: u8): u64 {
    let p = this.start + (this.flags & NEGATIVE ? 1 : 0);
    let value: u64 = 0;
    while (p < this.stop) {
      const digit = <u64>(load<u8>(p++) - 0x30);
      if (value > (u64.MAX_VALUE - digit) / 10) return this.outOfRange(type);
      value = value * 10 + digit;
    }
    return value;
  }

  private readUnsigned(type: u8): u64 {
    if (!this.integerToken(type)) return 0;
    if (this.flags & NEGATIVE) return this.outOfRange(type);
    return this.magnitude(type);
  }

  private readSigned(type: u8): i64 {
    if (!this.integerToken(type)) return 0;
    const value = this.magnitude(type);
    if (!this.ok) return 0;
    if (this.flags & NEGATIVE) {
      if (value > (<u64>1) << 63) return <i64>this.outOfRange(type);
      return <i64>(<u64>0 - value);
    }
    if (value > <u64>i64.MAX_VALUE) return <i64>this.outOfRange(type);
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
    this.flags = 0; // tokenEscaped false, not the last string's
    this.depth--;
    this.state = this.depth == 0 ? DONE : AFTER_VALUE;
    return (this.current = inObject ? JsonToken.ObjectEnd : JsonToken.ArrayEnd);
  }

  private key(c: i32): JsonToken {
    if (c != 0x22) return this.stopAt(c < 0 ? JsonError.UnexpectedEnd : JsonError.ExpectedKey, this.at);
    if (!this.string()) return JsonToken.Error;
    this.keyStart = this.start;
    this.keyStop = this.stop;
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
      this.flags = 0;
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
    const left = this.end - p;
    if (left < size) {
      // Cut short: a wrong byte among those left is the same error as in a whole literal (`[tr]` is
      // ExpectedValue at the `t`, like `[tru]`); only a true prefix (`nul`) ends unexpectedly.
      for (let i: usize = 1; i < left; i++) {
        const want = i < 4 ? (word >>> ((<u32>i) << 3)) & 0xff : 0x65;
        if (<u32>load<u8>(p + i) != want) {
          this.stopAt(JsonError.ExpectedValue, p);
          return false;
        }
      }
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
    // A high surrogate: a `\u` escape of a low one must follow. A text that ends inside that `\u` ends
    // unexpectedly; `hexEscape` reports a short or bad one as it does any `\u` escape.
    const left = end - p;
    if (left < 8) {
      if (left == 6 || (left == 7 && load<u8>(p, 6) == 0x5c))
        return this.escapeError(JsonError.UnexpectedEnd, end);
      return this.escapeError(JsonError.LoneSurrogate, p);
    }
    if (load<u8>(p, 6) != 0x5c || load<u8>(p, 7) != 0x75) return this.escapeError(JsonError.LoneSurrogate, p);
    const low = this.hexEscape(p + 6);
    if (low < 0) return 0;
    if (low < 0xdc00 || low > 0xdfff) return this.escapeError(JsonError.LoneSurrogate, p);
    return p + 12;
  }

  private escapeError(error: JsonError, p: usize): usize {
    this.stopAt(error, p);
    return 0;
  }

  /**
   * The unit of the `\uXXXX` escape at `p` (its `\u` checked), or -1 after stopping the reader. A
   * non-hex byte is InvalidEscape at `p` even when the text ends before four digits (`["\u0"]` like
   * `["\u12"]`); only hex digits cut off by the end are UnexpectedEnd.
   */
  private hexEscape(p: usize): i32 {
    const left = this.end - p;
    const digits = left < 6 ? left : 6;
    let unit: u32 = 0;
    for (let i: usize = 2; i < digits; i++) {
      const c = <u32>load<u8>(p + i);
      if (!isHexDigit(c)) {
        this.stopAt(JsonError.InvalidEscape, p);
        return -1;
      }
      unit = (unit << 4) | hexValue(c);
    }
    if (digits < 6) {
      this.stopAt(JsonError.UnexpectedEnd, this.end);
      return -1;
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
