// JSON: a producer that takes a JSON request and streams JSON, with json-as, and never lets untrusted
// input reach the parser unchecked.
//
// Method "json" (registerMethod: any other method is answered Unimplemented). The Open's payload is the
// request {"count": N, "prefix": "p"}; the stream answers with N Data frames, the i-th (from 1) the compact
// JSON text {"seq":i,"text":"p<i>"} (the prefix followed by i in decimal, escaped as JSON.stringify does),
// each sent whole once `stream.writable` covers it, then Close(Normal). Like the ticker it goes on after
// the caller closes its side.
//
// Build setting: json-as (`npm install -D json-as`) is a compiler transform, which generates the parsers
// (and serializers) of @json classes. Your project adds it to asconfig.json's options:
//
//   { "extends": "./node_modules/ixt-sdk-as/asconfig.preset.json", "options": { "transform": ["json-as"] } }
//
// Here examples/stream_json.asconfig.json does that ({ "extends": "../asconfig.json", … }): the build
// scripts compile an example with its own `<name>.asconfig.json` when there is one. Without the transform
// the @json class does not compile.
//
// Untrusted input: json-as trusts its input. A malformed text makes JSON.parse throw, which in
// AssemblyScript is an abort: the instance traps and every stream on it is lost. An ill-typed one parses
// without a word into something else (count 1.5 -> 85, 1e3 -> 633, "3" -> 0, a missing field -> its
// default). So `isValidRequest` first checks the payload's bytes against exactly the shape this method
// takes, allocating nothing, and only a request that passes goes to JSON.parse. Refused with
// InvalidArgument at Open, and the module serves other streams as before:
// - more than 64 KiB, not JSON, or anything after the object but JSON whitespace;
// - a member other than "count" and "prefix", either one missing or repeated (keys are compared byte for
//   byte: "co\u0075nt" is not "count");
// - a count that is not plain decimal digits from 0 to 1000000: 1.5, -1, 01, "5", and also 1e3 and 1.0,
//   which are integers in value but not in the form json-as reads as one;
// - a prefix that is not a string, has invalid UTF-8, a raw control character, an unknown escape, or a
//   \u escape of a lone surrogate (the prefix must be Unicode text).
// A valid request whose parsing and frame buffers need more memory than can be had (`memoryAvailable`) is
// answered ResourceExhausted.
//
// json-as 1.6 has two bugs on valid input that the example works around: it reads the escape \/ as
// U+0000 (so `requestText` respells it "/"), and JSON.stringify can split a surrogate pair into an invalid
// \udXXX escape (so the frames are escaped by `writeEscaped`). The frames are built in one buffer per
// stream: a tick allocates nothing, so a count of 10^6 sent at once (unlimited credit) leaves no garbage.

import { JSON } from "json-as";
import {
  CloseReason,
  OpenDecision,
  SendStatus,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  errorCodeFor,
  isSent,
  memoryAvailable,
  registerMethod,
} from "../assembly";

/** A larger request is refused before it is looked at. */
const MAX_REQUEST_BYTES: usize = 64 * 1024;
/** The largest count accepted, so a request cannot keep a stream busy forever. */
const MAX_COUNT: u32 = 1_000_000;
/** Digits of MAX_COUNT. */
const MAX_COUNT_DIGITS: i32 = 7;
/**
 * What an Open may allocate per request byte, at most: the copy for JSON.parse and its UTF-16 text, the
 * parsed prefix, and the frame buffers (where a byte can take 6 escaped). Checked before, so a request too
 * large for the memory left is answered ResourceExhausted instead of trapping.
 */
const MEMORY_PER_REQUEST_BYTE: usize = 24;

/** The request, as json-as reads it (only after `isValidRequest` has passed it). */
@json
class Request {
  count: u32 = 0;
  prefix: string = "";
}

// ---- the request check: the JSON grammar (RFC 8259) for exactly this object, over the raw bytes ----

const NO_KEY = 0;
const COUNT = 1;
const PREFIX = 2;

/** True for the letter of a two-character escape: one of "\/bfnrt. */
function isShortEscape(c: i32): bool {
  switch (c) {
    case 0x22: // "
    case 0x5c: // \
    case 0x2f: // /
    case 0x62: // b
    case 0x66: // f
    case 0x6e: // n
    case 0x72: // r
    case 0x74: // t
      return true;
    default:
      return false;
  }
}

/** A cursor over the payload. Each method takes what it reads and answers whether it fits. */
class Scanner {
  constructor(
    public at: usize,
    public end: usize,
  ) {}

  /** The next byte, or -1 at the end. */
  @inline peek(): i32 {
    return this.at < this.end ? <i32>load<u8>(this.at) : -1;
  }

  /** Skips JSON whitespace. */
  space(): void {
    while (this.at < this.end) {
      const c = load<u8>(this.at);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return;
      this.at++;
    }
  }

  /** Takes the ASCII byte `c` if it is next. */
  take(c: i32): bool {
    if (this.peek() != c) return false;
    this.at++;
    return true;
  }

  /** Takes the quoted ASCII `word` ("count") if it is next, byte for byte. */
  word(word: string): bool {
    const n = <usize>word.length;
    if (this.end - this.at < n + 2 || load<u8>(this.at) != 0x22 || load<u8>(this.at + n + 1) != 0x22) {
      return false;
    }
    for (let i: usize = 0; i < n; i++) {
      if (<i32>load<u8>(this.at + 1 + i) != word.charCodeAt(<i32>i)) return false;
    }
    this.at += n + 2;
    return true;
  }

  /** A member's key: COUNT, PREFIX, or NO_KEY for anything else. */
  key(): i32 {
    if (this.word("count")) return COUNT;
    if (this.word("prefix")) return PREFIX;
    return NO_KEY;
  }

  /** A count: 0, or 1 to 7 digits without a leading zero, at most MAX_COUNT. */
  count(): bool {
    if (this.take(0x30)) return true; // "0"; a digit after it is refused by the caller
    let value: u32 = 0;
    let digits = 0;
    let c = this.peek();
    while (c >= 0x30 && c <= 0x39) {
      if (++digits > MAX_COUNT_DIGITS) return false;
      value = value * 10 + <u32>(c - 0x30);
      this.at++;
      c = this.peek();
    }
    return digits > 0 && value <= MAX_COUNT;
  }

  /** Four hex digits of a \u escape, or -1. */
  hex4(): i32 {
    if (this.end - this.at < 4) return -1;
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const c = <i32>load<u8>(this.at++);
      let digit: i32;
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) digit = (c | 0x20) - 0x61 + 10;
      else return -1;
      value = (value << 4) | digit;
    }
    return value;
  }

  /** The `\` escape after the backslash: one of "\/bfnrt, or \uXXXX that is not a lone surrogate. */
  escape(): bool {
    const c = this.peek();
    if (c < 0) return false;
    this.at++;
    if (c != 0x75) return isShortEscape(c);
    const unit = this.hex4();
    if (unit < 0 || (unit >= 0xdc00 && unit <= 0xdfff)) return false; // bad hex, or a lone low surrogate
    if (unit < 0xd800 || unit > 0xdbff) return true;
    // A high surrogate: a \u escape of a low surrogate must follow.
    if (!this.take(0x5c) || !this.take(0x75)) return false;
    const low = this.hex4();
    return low >= 0xdc00 && low <= 0xdfff;
  }

  /** One UTF-8 sequence starting with the non-ASCII byte `lead` (already taken): Unicode's Table 3-7. */
  utf8(lead: u32): bool {
    let more: i32;
    let low: u32 = 0x80;
    let high: u32 = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) more = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      more = 2;
      if (lead == 0xe0) low = 0xa0; // no overlong forms
      if (lead == 0xed) high = 0x9f; // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      more = 3;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f; // nothing above U+10FFFF
    } else return false;
    for (let i = 0; i < more; i++) {
      const c = <u32>this.peek();
      if (c < low || c > high) return false; // also the end of input (peek() -1 is a large u32)
      this.at++;
      low = 0x80;
      high = 0xbf;
    }
    return true;
  }

  /** A JSON string of valid UTF-8. */
  string(): bool {
    if (!this.take(0x22)) return false;
    while (this.at < this.end) {
      const c = <u32>load<u8>(this.at++);
      if (c == 0x22) return true;
      if (c < 0x20) return false; // a raw control character
      if (c == 0x5c) {
        if (!this.escape()) return false;
      } else if (c >= 0x80 && !this.utf8(c)) return false;
    }
    return false; // unterminated
  }
}

/** True when the payload is {"count": N, "prefix": "…"} as described at the top, and nothing else. */
function isValidRequest(ptr: usize, len: usize): bool {
  if (len > MAX_REQUEST_BYTES) return false;
  const s = new Scanner(ptr, ptr + len);
  s.space();
  if (!s.take(0x7b)) return false; // {
  let seen = NO_KEY;
  for (let member = 0; member < 2; member++) {
    if (member > 0 && !s.take(0x2c)) return false; // ,
    s.space();
    const key = s.key();
    if (key == NO_KEY || key == seen) return false; // unknown or repeated
    seen = key;
    s.space();
    if (!s.take(0x3a)) return false; // :
    s.space();
    if (!(key == COUNT ? s.count() : s.string())) return false;
    s.space();
  }
  if (!s.take(0x7d)) return false; // }
  s.space();
  return s.at == s.end;
}

// ---- json-as's input ----

/**
 * The request's text for JSON.parse. json-as 1.6 reads the escape `\/` as U+0000, so it is spelled `/`
 * here, which means the same. In a checked request every backslash starts an escape of at least two
 * bytes, so this needs no tokenizer.
 */
function requestText(ptr: usize, len: usize): string {
  const copy = new Uint8Array(<i32>len);
  let n = 0;
  for (let i: usize = 0; i < len; i++) {
    const c = load<u8>(ptr + i);
    if (c == 0x5c) {
      const next = load<u8>(ptr + ++i); // checked: an escape has a second byte
      if (next != 0x2f) copy[n++] = c;
      copy[n++] = next;
    } else copy[n++] = c;
  }
  return String.UTF8.decodeUnsafe(copy.dataStart, n);
}

// ---- the response ----

const HEAD = '{"seq":';
const HEAD_LEN: usize = 7;
const TEXT_KEY = ',"text":"';

/** The letter of the two-character escape JSON.stringify writes for the byte `c`, or 0 if none. */
function shortEscapeOf(c: u32): u32 {
  switch (c) {
    case 0x22: // "
    case 0x5c: // \
      return c;
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

/**
 * Writes `text` (UTF-8, well-formed) at `dst` escaped for a JSON string as JSON.stringify does: `\"`,
 * `\\`, `\b` `\f` `\n` `\r` `\t`, `\u00XX` for the other controls, every other byte as it is. Returns the
 * bytes written, at most 6 per input byte. (json-as 1.6's JSON.stringify can split a surrogate pair into
 * an invalid `\udXXX` escape, so the frames are not built with it.)
 */
function writeEscaped(dst: usize, text: ArrayBuffer): usize {
  const src = changetype<usize>(text);
  const len = <usize>text.byteLength;
  let at = dst;
  for (let i: usize = 0; i < len; i++) {
    const c = <u32>load<u8>(src + i);
    const short = shortEscapeOf(c);
    if (short != 0) {
      store<u8>(at++, 0x5c);
      store<u8>(at++, <u8>short);
    } else if (c < 0x20) {
      const low = c & 15;
      store<u32>(at, 0x3030_755c); // \u00
      store<u8>(at + 4, <u8>(0x30 + (c >> 4)));
      store<u8>(at + 5, <u8>(low < 10 ? 0x30 + low : 0x57 + low)); // a-f in lower case, as JavaScript
      at += 6;
    } else store<u8>(at++, <u8>c);
  }
  return at - dst;
}

/** Writes `value` in decimal at `ptr` as `digits` ASCII digits. */
function writeDigits(ptr: usize, value: u32, digits: usize): void {
  for (let i = digits; i > 0; i--) {
    store<u8>(ptr + i - 1, <u8>(0x30 + (value % 10)));
    value /= 10;
  }
}

/** Decimal digits of `value`. */
function digitCount(value: u32): usize {
  let digits: usize = 1;
  while (value >= 10) {
    value /= 10;
    digits++;
  }
  return digits;
}

/**
 * One stream's frames, built in place in one buffer: `{"seq":` i `,"text":"` escaped prefix, i `"}`.
 * Only the digits change from one tick to the next, and the middle moves only when their number does.
 */
class TickWriter {
  private buffer: ArrayBuffer;
  /** `,"text":"` and the escaped prefix, in `middle`'s first `middleLen` bytes. */
  private middle: ArrayBuffer;
  private middleLen: usize;
  private digits: usize = 0;
  /** Length of the frame last written. */
  length: usize = 0;

  constructor(prefix: string) {
    const utf8 = String.UTF8.encode(prefix);
    const middle = new ArrayBuffer(TEXT_KEY.length + 6 * utf8.byteLength);
    const keyLen = String.UTF8.encodeUnsafe(
      changetype<usize>(TEXT_KEY),
      TEXT_KEY.length,
      changetype<usize>(middle),
    );
    const middleLen = keyLen + writeEscaped(changetype<usize>(middle) + keyLen, utf8);
    this.middle = middle;
    this.middleLen = middleLen;
    this.buffer = new ArrayBuffer(<i32>(HEAD_LEN + middleLen + 2 * <usize>MAX_COUNT_DIGITS + 2));
    String.UTF8.encodeUnsafe(changetype<usize>(HEAD), HEAD.length, changetype<usize>(this.buffer));
  }

  get ptr(): usize {
    return changetype<usize>(this.buffer);
  }

  /** Writes the frame of tick `seq`; then `ptr` and `length` are the frame. */
  write(seq: u32): void {
    const base = changetype<usize>(this.buffer);
    const digits = digitCount(seq);
    if (digits != this.digits) {
      this.digits = digits;
      memory.copy(base + HEAD_LEN + digits, changetype<usize>(this.middle), this.middleLen);
      store<u16>(base + HEAD_LEN + 2 * digits + this.middleLen, 0x7d22); // "}
      this.length = HEAD_LEN + 2 * digits + this.middleLen + 2;
    }
    writeDigits(base + HEAD_LEN, seq, digits);
    writeDigits(base + HEAD_LEN + digits + this.middleLen, seq, digits);
  }
}

// ---- the handler ----

class JsonTicker extends ServerStreamHandler {
  private next: u32 = 1;
  private count: u32 = 0;
  private writer: TickWriter | null = null;

  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    if (!isValidRequest(frame.payloadPtr, frame.payloadLen)) {
      return OpenDecision.reject(StreamErrorCode.InvalidArgument);
    }
    if (!memoryAvailable(MEMORY_PER_REQUEST_BYTE * frame.payloadLen)) {
      return OpenDecision.reject(StreamErrorCode.ResourceExhausted);
    }
    const request = JSON.parse<Request>(requestText(frame.payloadPtr, frame.payloadLen)); // checked: no throw
    this.count = request.count;
    this.writer = new TickWriter(request.prefix);
    this.pump(stream);
    return OpenDecision.accept();
  }

  override onWritable(stream: StreamSender): void {
    this.pump(stream);
  }

  /** A producer goes on after the caller closes its side (the default would close the stream now). */
  override onClose(stream: StreamSender, reason: CloseReason): void {}

  /** Sends ticks while `writable` covers the next one, and closes after the last. */
  private pump(stream: StreamSender): void {
    const writer = this.writer!;
    while (this.next <= this.count) {
      writer.write(this.next);
      if (stream.writable < <u64>writer.length) return; // wait for onWritable
      const status = stream.sendData(writer.ptr, writer.length); // copied if it has to be queued
      if (status == SendStatus.QueueFull) return; // not taken: written and sent again from onWritable
      if (!isSent(status)) {
        stream.error(errorCodeFor(status), "tick refused");
        return;
      }
      this.next++;
    }
    if (!stream.isClosed) stream.close(CloseReason.Normal);
  }
}

registerMethod("json", () => new JsonTicker()); // any other method is answered Unimplemented

export * from "../assembly/exports";
