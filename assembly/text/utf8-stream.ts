// A streaming UTF-8 decoder: text that arrives in pieces (one Data frame each, split anywhere) decoded
// exactly as the WHATWG decoder decodes the whole stream (`new TextDecoder()` with `{ stream: true }`).

import {
  DECODE_MAX_LEN,
  completeUtf8Len,
  decodeSequence,
  decodeUtf8Into,
  leadInfo,
  storeCodePoint,
} from "./utf8";

// Where the carried bytes and the first bytes of the next piece are joined to decode the character they
// make: 4 bytes, the 1 to 3 carried and then at most 4 minus that many of the piece's.
// @ts-ignore: decorator
@lazy const joinBuffer = memory.data(4);

/**
 * Decodes UTF-8 that arrives in pieces. Feed it each piece in order (`decode(frame.payloadPtr,
 * frame.payloadLen)`); it returns the text of every character complete so far, and keeps the bytes of a
 * character split across pieces (at most 3, in the object) for the next call. The result is exactly what
 * the WHATWG decoder gives for the whole stream, piece by piece (`TextDecoder.decode(piece,
 * { stream: true })`): each maximal subpart of an ill-formed sequence becomes one U+FFFD, wherever the
 * pieces were cut. At the end, `finish()` gives one U+FFFD for an incomplete character, or "".
 *
 * Any bytes are valid input: it never traps on content. Each call allocates only its result (and
 * nothing when that is empty); for unbounded input, check `memoryAvailable(2 * len)` first.
 *
 * ```ts
 * override onData(stream: StreamSender, frame: StreamFrame): void {
 *   const text = this.decoder.decode(frame.payloadPtr, frame.payloadLen); // "" while a character is split
 *   …
 * }
 * override onClose(stream: StreamSender, reason: CloseReason): void {
 *   const last = this.decoder.finish(); // "\uFFFD" if the text ended inside a character
 *   …
 * }
 * ```
 */
export class Utf8StreamDecoder {
  // The carried bytes, first byte in bits 0-7: a lead byte and 0 to 2 continuation bytes that the
  // decoder accepts after it, fewer than its character needs.
  private carry: u32 = 0;
  private carryLen: usize = 0;

  /** Bytes carried from earlier pieces: the start of a character not yet complete (0 to 3). */
  get pendingBytes(): i32 {
    return <i32>this.carryLen;
  }

  /**
   * Decodes the next `len` bytes at `ptr` (read during the call only) and returns the text of every
   * character now complete: the carried character first, then this piece's, keeping an incomplete last
   * character for the next call. Returns "" (no allocation) when nothing is complete yet. Allocates the
   * result once, 2 bytes per input byte, then shrinks it to its length. A piece above
   * `DECODE_MAX_LEN` (512 MiB) cannot become one string and aborts: decode it in smaller pieces, which
   * gives the same text.
   */
  decode(ptr: usize, len: usize): string {
    const joined = this.check(ptr, len);
    if (!joined) return "";
    if (len > DECODE_MAX_LEN) throw new Error("Utf8StreamDecoder: piece too large");
    // At most 2 units for the carried character, and one per byte of the piece.
    const out = __new((len + 2) << 1, idof<String>());
    return changetype<string>(__renew(out, this.decodeChecked(ptr, len, out, joined) - out));
  }

  /**
   * `decode` into the caller's memory: writes the UTF-16 units at `out`, which must have room for
   * `2 * len + 4` bytes, and returns the address after the last unit written (`out` when nothing is
   * complete yet). Allocates nothing.
   */
  decodeInto(ptr: usize, len: usize, out: usize): usize {
    const joined = this.check(ptr, len);
    return joined ? this.decodeChecked(ptr, len, out, joined) : out;
  }

  // `decodeInto` once `check` has answered `joined` (not 0: something is complete).
  private decodeChecked(ptr: usize, len: usize, out: usize, joined: u32): usize {
    let p = ptr;
    let o = out;
    const carried = this.carryLen;
    if (carried) {
      // The carried bytes were accepted as far as they go, so the sequence uses all of them and
      // `used - carried` bytes of this piece (0 when its first byte broke the sequence: one U+FFFD, and
      // that byte starts over).
      o = storeCodePoint(o, joined & 0x1fffff);
      p += <usize>(joined >>> 24) - carried;
    }
    const rest = ptr + len - p;
    const complete = completeUtf8Len(p, rest);
    o = decodeUtf8Into(p, complete, o);
    this.setCarry(p + complete, rest - complete);
    return o;
  }

  // Whether the piece completes a character, asked once per call: 0 when it completes none (the result is
  // empty, and its bytes join the carry); otherwise, with bytes carried, the sequence they make with the
  // piece's first bytes (`joinCarried`'s answer, never 0: it takes at least one byte), and 1 without.
  private check(ptr: usize, len: usize): u32 {
    if (len == 0) return 0;
    const carried = this.carryLen;
    if (!carried) {
      if (completeUtf8Len(ptr, len) != 0) return 1;
      this.setCarry(ptr, len); // the whole piece (at most 3 bytes) starts a character
      return 0;
    }
    const seq = this.joinCarried(ptr, len);
    const used = <usize>(seq >>> 24);
    const available = carried + (len < 4 - carried ? len : 4 - carried);
    if (used < available || used >= <usize>(leadInfo(this.carry & 0xff) & 0xff)) return seq;
    // Every byte so far belongs to the character and it is still incomplete: carry them all.
    this.setCarry(joinBuffer, available);
    return 0;
  }

  // Decodes the one sequence that starts with the carried bytes, followed by up to the character's length
  // of the piece's first bytes (joined in `joinBuffer`); `decodeSequence`'s answer.
  private joinCarried(ptr: usize, len: usize): u32 {
    const carried = this.carryLen;
    const take = len < 4 - carried ? len : 4 - carried;
    store<u32>(joinBuffer, this.carry);
    memory.copy(joinBuffer + carried, ptr, take);
    return decodeSequence(joinBuffer, joinBuffer + carried + take, this.carry & 0xff);
  }

  // Carries the `len` (0 to 3) bytes at `ptr`.
  private setCarry(ptr: usize, len: usize): void {
    let carry: u32 = 0;
    for (let k: usize = 0; k < len; k++) carry |= (<u32>load<u8>(ptr + k)) << ((<u32>k) << 3);
    this.carry = carry;
    this.carryLen = len;
  }

  /**
   * Ends the stream: returns "\uFFFD" when an incomplete character was carried (the WHATWG decoder's
   * answer at the end of the input), otherwise "", and resets the decoder for a new stream. Allocates
   * nothing.
   */
  finish(): string {
    const pending = this.carryLen != 0;
    this.reset();
    return pending ? "\uFFFD" : "";
  }

  /** Forgets any carried bytes, for a new stream. */
  reset(): void {
    this.carry = 0;
    this.carryLen = 0;
  }
}
