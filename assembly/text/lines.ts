// Lines across frames: a splitter on bytes, with a bound on line length. LF (0x0A) never occurs inside a
// multi-byte UTF-8 sequence, so splitting the bytes and decoding each line gives exactly the text the
// WHATWG decoder gives for the whole stream, split at each LF.

import { findByte } from "./find-byte";
import { memoryAvailable } from "../memory/gc";

/** Default for `LineSplitter`'s bound: 1 MiB per line. */
export const DEFAULT_MAX_LINE_BYTES: i32 = 1 << 20;

/** Why a `LineSplitter` stopped; `None` while it is working. */
export enum LineError {
  /** No error. */
  None = 0,
  /** A line (without its LF) is longer than `maxLineBytes`; usually answered with `PayloadTooLarge`. */
  TooLong = 1,
  /** Memory to carry a partial line could not be had; usually answered with `ResourceExhausted`. */
  NoMemory = 2,
  /** `push` came before `next` had returned false for the previous piece: its lines would be lost. */
  NotDrained = 3,
}

// The carry buffer's first capacity; it doubles up to the bound.
const FIRST_CAPACITY: i32 = 256;

/**
 * Splits bytes that arrive in pieces (Data frames) into lines ended by LF, with no closures: push a
 * piece, then pull its lines.
 *
 * ```ts
 * override onData(stream: StreamSender, frame: StreamFrame): void {
 *   this.lines.push(frame.payloadPtr, frame.payloadLen);
 *   while (this.lines.next()) {
 *     stream.sendDataOrFail(this.lines.linePtr, this.lines.lineLen); // the line, without its LF
 *   }
 *   if (this.lines.error) stream.error(StreamErrorCode.PayloadTooLarge, "line too long");
 * }
 * ```
 *
 * A line wholly inside one piece is handed out in place (`linePtr` points into the piece: nothing is
 * copied). The unfinished tail of a piece is copied into a buffer the splitter keeps, and the next piece's
 * bytes up to its LF are appended there, so a line that spans pieces is still one contiguous range. A CR
 * before the LF is kept (strip it if the protocol says CRLF). The bound: a line longer than
 * `maxLineBytes` (without its LF) stops the splitter with `LineError.TooLong` as soon as its length is
 * known to exceed it, before more than `maxLineBytes` is copied; it never traps on any input.
 */
export class LineSplitter {
  /** The longest line accepted, in bytes without its LF. */
  readonly maxLineBytes: i32;
  private piece: usize = 0; // the next byte of the current piece not yet split
  private pieceEnd: usize = 0;
  private carry: ArrayBuffer | null = null; // the line so far, when it began in an earlier piece
  private carryLen: i32 = 0;
  private carryHanded: bool = false; // the last line handed out was the carry: empty it at the next call
  private line: usize = 0;
  private length: i32 = 0;
  private failure: LineError = LineError.None;

  /** A splitter for lines of at most `maxLineBytes` bytes (default `DEFAULT_MAX_LINE_BYTES`, 1 MiB). */
  constructor(maxLineBytes: i32 = DEFAULT_MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes < 0 ? 0 : maxLineBytes;
  }

  /** Address of the line `next()` or `finish()` just returned; valid until the next call on the splitter. */
  get linePtr(): usize {
    return this.line;
  }

  /** Length of that line in bytes, without its LF. */
  get lineLen(): i32 {
    return this.length;
  }

  /** Why the splitter stopped, or `LineError.None`. Once set, `next` and `finish` return false until `reset`. */
  get error(): LineError {
    return this.failure;
  }

  /** Bytes of an unfinished line carried from earlier pieces. */
  get pendingBytes(): i32 {
    return this.carryHanded ? 0 : this.carryLen;
  }

  /**
   * Gives the splitter the next piece: the `len` bytes at `ptr`, which it reads until `next()` returns
   * false (so a frame's payload can be pushed during its callback). Call `next()` until it returns false
   * before the next `push`; a push before that sets `LineError.NotDrained`.
   */
  push(ptr: usize, len: usize): void {
    if (this.failure) return;
    if (this.piece < this.pieceEnd) {
      this.failure = LineError.NotDrained;
      return;
    }
    this.piece = ptr;
    this.pieceEnd = ptr + len;
  }

  /**
   * The next complete line of the piece: true, and `linePtr`/`lineLen` are the line without its LF; or
   * false when the piece has no more LF (its tail is carried into the next piece's first line) or the
   * splitter has stopped (`error`).
   */
  next(): bool {
    this.releaseHandedCarry();
    if (this.failure) return false;
    const start = this.piece;
    const rest = this.pieceEnd - start;
    if (rest == 0) return false;
    const at = findByte(start, rest, 0x0a);
    if (at < 0) {
      // No LF: the whole rest of the piece begins (or continues) a line that ends in a later piece.
      this.piece = this.pieceEnd;
      if (<u64>this.carryLen + <u64>rest > <u64>this.maxLineBytes) return this.fail(LineError.TooLong);
      this.appendToCarry(start, <i32>rest);
      return false;
    }
    this.piece = start + <usize>at + 1;
    if (<u64>this.carryLen + <u64>at > <u64>this.maxLineBytes) return this.fail(LineError.TooLong);
    if (this.carryLen == 0) {
      this.line = start;
      this.length = <i32>at;
      return true;
    }
    if (!this.appendToCarry(start, <i32>at)) return false;
    this.line = changetype<usize>(this.carry);
    this.length = this.carryLen;
    this.carryHanded = true;
    return true;
  }

  /**
   * Ends the input: true when an unfinished line is left (not empty; ended by no LF), and then
   * `linePtr`/`lineLen` are it; false when there is none or the splitter has stopped. Call it after the
   * last piece is drained; the splitter is then empty and takes a new stream (`error` stays set).
   */
  finish(): bool {
    this.releaseHandedCarry();
    this.piece = this.pieceEnd;
    if (this.failure || this.carryLen == 0) return false;
    this.line = changetype<usize>(this.carry);
    this.length = this.carryLen;
    this.carryHanded = true;
    return true;
  }

  /** Forgets the carried line, the current piece and any error (the carry buffer is kept for reuse). */
  reset(): void {
    this.piece = this.pieceEnd = 0;
    this.carryLen = 0;
    this.carryHanded = false;
    this.failure = LineError.None;
  }

  private releaseHandedCarry(): void {
    if (this.carryHanded) {
      this.carryLen = 0;
      this.carryHanded = false;
    }
  }

  private fail(error: LineError): bool {
    this.failure = error;
    this.piece = this.pieceEnd;
    this.carryLen = 0;
    return false;
  }

  // Appends `len` bytes to the carried line (the caller has checked the bound), growing the buffer by
  // doubling up to `maxLineBytes`. False (and `NoMemory`) when the memory cannot be had.
  private appendToCarry(ptr: usize, len: i32): bool {
    if (len == 0) return true;
    const needed = this.carryLen + len;
    let buffer = this.carry;
    const capacity = buffer ? buffer.byteLength : 0;
    if (needed > capacity) {
      let grown = <usize>(capacity ? capacity : FIRST_CAPACITY);
      while (grown < <usize>needed) grown <<= 1;
      if (grown > <usize>this.maxLineBytes) grown = <usize>this.maxLineBytes; // needed is within the bound
      if (!memoryAvailable(grown)) {
        this.fail(LineError.NoMemory);
        return false;
      }
      const bigger = new ArrayBuffer(<i32>grown);
      if (buffer) memory.copy(changetype<usize>(bigger), changetype<usize>(buffer), <usize>this.carryLen);
      this.carry = buffer = bigger;
    }
    memory.copy(changetype<usize>(buffer) + <usize>this.carryLen, ptr, <usize>len);
    this.carryLen = needed;
    return true;
  }
}
