// frames/ (layer 4 of 7, "frames and text", in assembly/layers.json): the zero-copy StreamFrame and the
// debug log. Its files import only from this layer and the ones below.
//
// A zero-copy view over one inbound frame (docs/ABI.md, "Frames").

import { CancelReason, CloseReason, FrameKind, InteractionKind, StreamErrorCode } from "../abi/enums";
import {
  CREDIT_OFFSET,
  ERROR_CODE_OFFSET,
  ERROR_MESSAGE_OFFSET,
  FRAME_HEADER_LEN,
  OPEN_CONTEXT_LEN_SIZE,
  OPEN_CREDIT_OFFSET,
  OPEN_DEADLINE_OFFSET,
  OPEN_INTERACTION_OFFSET,
  OPEN_METHOD_LEN_OFFSET,
  OPEN_METHOD_OFFSET,
  REASON_OFFSET,
  STREAM_ID_LEN,
  STREAM_ID_OFFSET,
  minFrameLen,
} from "../abi/layout";
import { findByte } from "../text/find-byte";
import { callActive, callSerial } from "../call/call";
import { DEBUG_GUARDS } from "../call/guards";
import { decodeUtf8, utf8Equals } from "../text/utf8";

/** Most bytes of an Error frame's message decoded for `onError` (cut back to a character boundary). */
export const ERROR_MESSAGE_DECODE_MAX: usize = 1024;

/** Copies `len` bytes at `ptr` into a new `Uint8Array`. */
export function copyBytes(ptr: usize, len: usize): Uint8Array {
  const bytes = new Uint8Array(<i32>len);
  memory.copy(bytes.dataStart, ptr, len);
  return bytes;
}

/**
 * A read-only view over one inbound frame in guest memory.
 *
 * Reading a field never copies or allocates; the `…Bytes()` and `…Text()` helpers copy, and say so.
 * The frame's memory belongs to the runtime and is valid only during the dispatcher call that passed
 * this view to a handler: keep a copy, never the view or its pointers.
 *
 * Kind-specific accessors return 0 (or an empty range) on a frame of another kind.
 *
 * The class is unmanaged (the dispatcher's one view lives in static memory, so it costs the garbage
 * collector nothing per frame): handlers get frames, they do not construct them, since an unmanaged
 * object made with `new` is never freed.
 */
@final @unmanaged
export class StreamFrame {
  /** Address of the frame's first byte (its kind). */
  ptr: usize = 0;
  /** Length of the frame in bytes. */
  len: usize = 0;
  /** Offset of the payload: Data's payload or Open's request payload; `len` for other kinds. */
  private payloadOffset: usize = 0;
  /** Debug builds: the dispatcher call this view was handed out in (see `checkLive`). */
  private serial: u32 = 0;

  /**
   * Points this view at the frame at `ptr` and checks its structure. Returns 0 for a well-formed
   * frame, otherwise the dispatcher result for it (docs/ABI.md, "Dispatcher results", rules 1 to 4).
   * The dispatcher calls this; a test or tool may call it on a buffer it owns.
   */
  parse(ptr: usize, len: usize): StreamErrorCode {
    this.ptr = ptr;
    this.len = len;
    if (DEBUG_GUARDS) this.serial = callSerial();
    this.payloadOffset = len;
    if (len < FRAME_HEADER_LEN) return StreamErrorCode.ProtocolViolation;
    const kind = <u32>load<u8>(ptr);
    const minLen = minFrameLen(kind);
    if (minLen == 0) return StreamErrorCode.Unimplemented;
    if (len < minLen) return StreamErrorCode.ProtocolViolation;
    if (kind == FrameKind.Data) {
      this.payloadOffset = FRAME_HEADER_LEN;
    } else if (kind == FrameKind.Open) {
      // Both lengths come from the wire: add them in 64 bits so a hostile u32 cannot wrap.
      const contextLenOffset = OPEN_METHOD_OFFSET + <usize>load<u16>(ptr + OPEN_METHOD_LEN_OFFSET);
      if (contextLenOffset + OPEN_CONTEXT_LEN_SIZE > len) return StreamErrorCode.ProtocolViolation;
      const payloadOffset =
        <u64>(contextLenOffset + OPEN_CONTEXT_LEN_SIZE) + <u64>load<u32>(ptr + contextLenOffset);
      if (payloadOffset > <u64>len) return StreamErrorCode.ProtocolViolation;
      this.payloadOffset = <usize>payloadOffset;
    }
    return 0;
  }

  /** Points this view at a Data frame of `len` bytes at `ptr` that the dispatcher has already checked. */
  @inline setData(ptr: usize, len: usize): void {
    this.ptr = ptr;
    this.len = len;
    if (DEBUG_GUARDS) this.serial = callSerial();
    this.payloadOffset = FRAME_HEADER_LEN;
  }

  // Debug builds: a view is valid only in the dispatcher call that handed it to a callback. The dispatcher
  // hands out a different view in each of 64 calls in a row (dispatch.ts), so a view kept in a field and
  // read in a later callback is caught, and aborts naming the accessor instead of reading another frame.
  private checkLive(accessor: string): void {
    if (!callActive() || this.serial != callSerial()) {
      abort(
        "StreamFrame." +
          accessor +
          " used after its callback returned: a frame is valid only during " +
          "the callback it was passed to; copy what you keep (frame.method(), frame.payloadBytes())",
      );
    }
  }

  /** The frame's kind. */
  get kind(): FrameKind {
    if (DEBUG_GUARDS) this.checkLive("kind");
    return <FrameKind>load<u8>(this.ptr);
  }

  /** Address of the 16-byte stream id. */
  get streamIdPtr(): usize {
    if (DEBUG_GUARDS) this.checkLive("streamIdPtr");
    return this.ptr + STREAM_ID_OFFSET;
  }

  /** Copies the 16-byte stream id. */
  streamIdBytes(): Uint8Array {
    if (DEBUG_GUARDS) this.checkLive("streamIdBytes()");
    return copyBytes(this.streamIdPtr, STREAM_ID_LEN);
  }

  // ---- Data and Open: the payload ----

  /** Address of the payload: Data's payload, or Open's request payload. */
  get payloadPtr(): usize {
    if (DEBUG_GUARDS) this.checkLive("payloadPtr");
    return this.ptr + this.payloadOffset;
  }

  /** Length of the payload in bytes (0 for kinds without one). */
  get payloadLen(): usize {
    if (DEBUG_GUARDS) this.checkLive("payloadLen");
    return this.len - this.payloadOffset;
  }

  /** Copies the payload. */
  payloadBytes(): Uint8Array {
    if (DEBUG_GUARDS) this.checkLive("payloadBytes()");
    return copyBytes(this.payloadPtr, this.payloadLen);
  }

  /**
   * Decodes the payload as UTF-8. Each invalid sequence becomes U+FFFD and everything valid after it is
   * kept (as the WHATWG decoder does); it never traps. Allocates a string of up to twice the byte length.
   */
  payloadText(): string {
    if (DEBUG_GUARDS) this.checkLive("payloadText()");
    return decodeUtf8(this.payloadPtr, this.payloadLen);
  }

  /**
   * Index of the first payload byte equal to `byte` at or after index `from` (default 0; below 0 counts
   * as 0), or -1 when there is none or `from` is at or past the end. Payload-relative; reads the payload
   * in place, 8 bytes at a time, and copies nothing.
   */
  indexOf(byte: u8, from: i32 = 0): i32 {
    if (DEBUG_GUARDS) this.checkLive("indexOf()");
    const len = this.payloadLen;
    const start: usize = from < 0 ? 0 : <usize>from;
    if (start >= len) return -1;
    const at = findByte(this.payloadPtr + start, len - start, byte);
    return at < 0 ? -1 : <i32>(start + <usize>at);
  }

  /**
   * The payload's byte at index `i`, or 0 when `i` is outside `[0, payloadLen)`: it never reads outside
   * the payload and never traps. Where 0 is a valid byte, check `i < payloadLen` first.
   */
  byteAt(i: i32): u8 {
    if (DEBUG_GUARDS) this.checkLive("byteAt()");
    return i >= 0 && <usize>i < this.payloadLen ? load<u8>(this.payloadPtr + <usize>i) : 0;
  }

  // ---- Open ----

  @inline private get isOpen(): bool {
    return load<u8>(this.ptr) == FrameKind.Open;
  }

  /** Open: the interaction kind. */
  get interactionKind(): InteractionKind {
    if (DEBUG_GUARDS) this.checkLive("interactionKind");
    return this.isOpen ? <InteractionKind>load<u8>(this.ptr + OPEN_INTERACTION_OFFSET) : 0;
  }

  /** Open: the initial credit in bytes; `UNLIMITED_CREDIT` (0xFFFFFFFF) means no limit. */
  get initialCredit(): u32 {
    if (DEBUG_GUARDS) this.checkLive("initialCredit");
    return this.isOpen ? load<u32>(this.ptr + OPEN_CREDIT_OFFSET) : 0;
  }

  /** Open: the deadline in milliseconds from the Open; 0 means none. */
  get deadlineMs(): u32 {
    if (DEBUG_GUARDS) this.checkLive("deadlineMs");
    return this.isOpen ? load<u32>(this.ptr + OPEN_DEADLINE_OFFSET) : 0;
  }

  /** Open: address of the method name (UTF-8). */
  get methodPtr(): usize {
    if (DEBUG_GUARDS) this.checkLive("methodPtr");
    return this.ptr + OPEN_METHOD_OFFSET;
  }

  /** Open: length of the method name in bytes. */
  get methodLen(): usize {
    if (DEBUG_GUARDS) this.checkLive("methodLen");
    return this.isOpen ? <usize>load<u16>(this.ptr + OPEN_METHOD_LEN_OFFSET) : 0;
  }

  /** Open: decodes the method name (invalid UTF-8 becomes U+FFFD). To route, compare with `methodIs`. */
  method(): string {
    if (DEBUG_GUARDS) this.checkLive("method()");
    return decodeUtf8(this.methodPtr, this.methodLen);
  }

  /**
   * Open: true when the method's bytes are exactly the UTF-8 encoding of `name`. Compares bytes, never
   * decodes and never allocates, so `echo\x80` or an overlong encoding of "echo" does not match.
   */
  methodIs(name: string): bool {
    if (DEBUG_GUARDS) this.checkLive("methodIs()");
    return utf8Equals(this.methodPtr, this.methodLen, name);
  }

  /** Open: address of the invocation context (opaque bytes). */
  get contextPtr(): usize {
    if (DEBUG_GUARDS) this.checkLive("contextPtr");
    return this.methodPtr + this.methodLen + OPEN_CONTEXT_LEN_SIZE;
  }

  /** Open: length of the invocation context in bytes. */
  get contextLen(): usize {
    if (DEBUG_GUARDS) this.checkLive("contextLen");
    return this.isOpen ? <usize>load<u32>(this.methodPtr + this.methodLen) : 0;
  }

  /** Open: copies the invocation context. */
  contextBytes(): Uint8Array {
    if (DEBUG_GUARDS) this.checkLive("contextBytes()");
    return copyBytes(this.contextPtr, this.contextLen);
  }

  // ---- Error ----

  /** Error: the error code (values outside `StreamErrorCode` pass through). */
  get errorCode(): StreamErrorCode {
    if (DEBUG_GUARDS) this.checkLive("errorCode");
    return this.kind == FrameKind.Error ? load<u32>(this.ptr + ERROR_CODE_OFFSET) : 0;
  }

  /** Error: address of the UTF-8 message. */
  get messagePtr(): usize {
    if (DEBUG_GUARDS) this.checkLive("messagePtr");
    return this.ptr + ERROR_MESSAGE_OFFSET;
  }

  /** Error: length of the message in bytes. */
  get messageLen(): usize {
    if (DEBUG_GUARDS) this.checkLive("messageLen");
    return this.kind == FrameKind.Error ? this.len - ERROR_MESSAGE_OFFSET : 0;
  }

  /** Error: decodes the whole message (invalid UTF-8 becomes U+FFFD; up to twice its length in memory). */
  messageText(): string {
    if (DEBUG_GUARDS) this.checkLive("messageText()");
    return decodeUtf8(this.messagePtr, this.messageLen);
  }

  /**
   * Error: decodes at most the first `maxBytes` bytes of the message, cut back to a character boundary.
   * The dispatcher hands `onError` this with `ERROR_MESSAGE_DECODE_MAX`.
   */
  messagePrefixText(maxBytes: usize = ERROR_MESSAGE_DECODE_MAX): string {
    if (DEBUG_GUARDS) this.checkLive("messagePrefixText()");
    const ptr = this.messagePtr;
    let len = this.messageLen;
    if (len > maxBytes) {
      len = maxBytes;
      // Step back over at most 3 continuation bytes to the start of the character that was cut.
      for (let k = 0; k < 3 && len > 0 && (load<u8>(ptr + len) & 0xc0) == 0x80; k++) len--;
    }
    return decodeUtf8(ptr, len);
  }

  // ---- Close, Cancel, Credit ----

  /** Close: the reason. */
  get closeReason(): CloseReason {
    if (DEBUG_GUARDS) this.checkLive("closeReason");
    return this.kind == FrameKind.Close ? <CloseReason>load<u8>(this.ptr + REASON_OFFSET) : 0;
  }

  /** Cancel: the reason. */
  get cancelReason(): CancelReason {
    if (DEBUG_GUARDS) this.checkLive("cancelReason");
    return this.kind == FrameKind.Cancel ? <CancelReason>load<u8>(this.ptr + REASON_OFFSET) : 0;
  }

  /** Credit: the additional bytes of credit. */
  get credit(): u32 {
    if (DEBUG_GUARDS) this.checkLive("credit");
    return this.kind == FrameKind.Credit ? load<u32>(this.ptr + CREDIT_OFFSET) : 0;
  }
}
