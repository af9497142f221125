// The safe sending surface for one stream, over the raw imports in imports.ts: credit, a bounded queue
// for what credit does not cover yet, and the stream's end (docs/ABI.md, "Credit and backpressure").

import { CloseReason, HostStatus, SendStatus, StreamErrorCode } from "./enums";
import { copyBytes } from "./frame";
import { stream_send_close, stream_send_data, stream_send_error } from "./imports";
import { STREAM_ID_LEN, UNLIMITED_CREDIT } from "./layout";

/** `availableCredit` of a stream opened with unlimited credit, and `remainingMs()` without a deadline. */
export const UNLIMITED: u64 = u64.MAX_VALUE;

/** Default for `setStreamQueueLimit`: 1 MiB of queued payload per stream. */
export const DEFAULT_STREAM_QUEUE_LIMIT: usize = 1 << 20;

let queueLimit: usize = DEFAULT_STREAM_QUEUE_LIMIT;

/** Sets how many payload bytes each stream may queue while it waits for credit (default 1 MiB). */
export function setStreamQueueLimit(bytes: usize): void {
  queueLimit = bytes;
}

/** Milliseconds on some monotonic or wall clock, for deadlines. */
export type Clock = () => u64;

let clock: Clock | null = null;

/** Registers the clock `remainingMs()` measures with. The bare ixt ABI has none; under WASI, `Date.now()` works. */
export function setClock(now: Clock): void {
  clock = now;
}

function nowMs(): u64 {
  const now = clock;
  return now ? now() : 0;
}

// A frame waiting for credit: a copy of its payload.
@final
class QueuedData {
  next: QueuedData | null = null;
  constructor(readonly payload: ArrayBuffer) {}
}

// What ends the stream once the queue has drained.
const END_NONE: u8 = 0;
const END_CLOSE: u8 = 1;
const END_ERROR: u8 = 2;

/**
 * Sends frames on one stream. Every method returns a `HostStatus` or a `SendStatus`.
 *
 * The stream id is copied into this object when the stream opens, so a sender stays valid after the
 * frame that opened it is gone, and a handler may send on any stream it holds, not only the one being
 * dispatched. Data is sent at once while the stream's credit covers it; otherwise it is copied into a
 * bounded queue and sent in order as credit arrives (`Queued`), or refused when the queue is full
 * (`QueueFull`). Once the module has closed or errored the stream, or the caller has cancelled or
 * errored it, every send returns `StreamClosed` without calling the host.
 */
export class StreamSender {
  // The id's 16 bytes, in wire order. The host reads them straight from this object (`idPtr`).
  /** First 8 bytes of the stream id, as a little-endian u64. */
  readonly idLo: u64;
  /** Last 8 bytes of the stream id, as a little-endian u64. */
  readonly idHi: u64;
  /** True once nothing more may be sent: see the class comment. */
  protected sendClosed: bool = false;
  /** Bytes the caller can take now; `UNLIMITED` when the Open said so. */
  protected credit: u64;
  private head: QueuedData | null = null;
  private tail: QueuedData | null = null;
  private queuedFrameCount: i32 = 0;
  private queuedByteCount: usize = 0;
  private pendingEnd: u8 = END_NONE;
  private pendingCode: u32 = 0; // the close reason or error code
  private pendingMessage: ArrayBuffer | null = null;
  private readonly deadline: u32;
  private readonly openedAtMs: u64;

  /**
   * A sender for the stream whose 16-byte id is at `idPtr` (the id is copied), with the Open's initial
   * credit (`0xFFFFFFFF` = unlimited) and deadline in ms (0 = none).
   */
  constructor(idPtr: usize, initialCredit: u32 = UNLIMITED_CREDIT, deadlineMs: u32 = 0) {
    this.idLo = load<u64>(idPtr);
    this.idHi = load<u64>(idPtr, 8);
    this.credit = initialCredit == UNLIMITED_CREDIT ? UNLIMITED : <u64>initialCredit;
    this.deadline = deadlineMs;
    this.openedAtMs = deadlineMs ? nowMs() : 0;
  }

  /** Address of this stream's 16-byte id, inside this object. */
  @inline get idPtr(): usize {
    return changetype<usize>(this) + offsetof<StreamSender>("idLo");
  }

  /** Copies the 16-byte stream id. */
  streamIdBytes(): Uint8Array {
    return copyBytes(this.idPtr, STREAM_ID_LEN);
  }

  /** True once sends return `StreamClosed` without reaching the host. */
  get isClosed(): bool {
    return this.sendClosed;
  }

  /** Payload bytes the caller can take now; `UNLIMITED` (u64.MAX_VALUE) for an unlimited stream. */
  get availableCredit(): u64 {
    return this.credit;
  }

  /** Payload bytes waiting in the queue. */
  get queuedBytes(): usize {
    return this.queuedByteCount;
  }

  /** Frames waiting in the queue. */
  get queuedFrames(): i32 {
    return this.queuedFrameCount;
  }

  /** The Open's deadline in ms from the Open; 0 for none. */
  get deadlineMs(): u32 {
    return this.deadline;
  }

  /**
   * Milliseconds left before the deadline (0 once it has passed; `UNLIMITED` without a deadline),
   * measured with the clock from `setClock`. Without a clock it is the deadline as sent. The runtime
   * enforces deadlines itself and sends Cancel(Deadline).
   */
  remainingMs(): u64 {
    if (!this.deadline) return UNLIMITED;
    const elapsed = nowMs() - this.openedAtMs;
    return elapsed >= <u64>this.deadline ? 0 : <u64>this.deadline - elapsed;
  }

  /**
   * Sends one Data frame with the `len` bytes at `ptr`. When the credit covers it and nothing is
   * queued, the host reads the bytes during the call: nothing is copied, so `ptr` may point into the
   * inbound frame (zero-copy echo). Otherwise the bytes are copied into the queue (`Queued`), or
   * refused if the queue is full (`QueueFull`).
   *
   * `endOfMessage` is advisory: the ABI has no end-of-message field and every Data frame is one
   * message (docs/ABI.md), as in the Rust crate. It is accepted so code ports unchanged.
   */
  sendData(ptr: usize, len: usize, endOfMessage: bool = true): i32 {
    if (this.sendClosed) return HostStatus.StreamClosed;
    if (this.queuedFrameCount == 0 && this.credit >= <u64>len) {
      const status = stream_send_data(this.idPtr, STREAM_ID_LEN, ptr, len);
      if (status == HostStatus.Ok) {
        if (this.credit != UNLIMITED) this.credit -= len;
        return HostStatus.Ok;
      }
      if (status != HostStatus.WouldBlock) return status;
    }
    return this.enqueue(ptr, len);
  }

  /** Sends the bytes of `bytes` as one Data frame. */
  sendBytes(bytes: Uint8Array, endOfMessage: bool = true): i32 {
    return this.sendData(bytes.dataStart, <usize>bytes.byteLength, endOfMessage);
  }

  /** Sends `text`, encoded as UTF-8, as one Data frame (allocates the encoded copy). */
  sendText(text: string, endOfMessage: bool = true): i32 {
    const utf8 = String.UTF8.encode(text);
    return this.sendData(changetype<usize>(utf8), <usize>utf8.byteLength, endOfMessage);
  }

  /**
   * Closes the stream, after any queued Data (then it returns `Queued`). Afterwards every send returns
   * `StreamClosed`, whatever the host answered.
   */
  close(reason: CloseReason = CloseReason.Normal): i32 {
    if (this.sendClosed) return HostStatus.StreamClosed;
    this.sendClosed = true;
    if (this.queuedFrameCount) {
      this.pendingEnd = END_CLOSE;
      this.pendingCode = reason;
      return SendStatus.Queued;
    }
    const status = stream_send_close(this.idPtr, STREAM_ID_LEN, reason);
    this.finish();
    return status;
  }

  /**
   * Fails the stream with `code` and a UTF-8 `message`, after any queued Data (then it returns
   * `Queued`). Afterwards every send returns `StreamClosed`.
   */
  error(code: StreamErrorCode, message: string = ""): i32 {
    if (this.sendClosed) return HostStatus.StreamClosed;
    this.sendClosed = true;
    const utf8 = String.UTF8.encode(message);
    if (this.queuedFrameCount) {
      this.pendingEnd = END_ERROR;
      this.pendingCode = code;
      this.pendingMessage = utf8;
      return SendStatus.Queued;
    }
    const status = stream_send_error(
      this.idPtr,
      STREAM_ID_LEN,
      code,
      changetype<usize>(utf8),
      utf8.byteLength,
    );
    this.finish();
    return status;
  }

  /** Adds `bytes` of credit and sends what it covers from the queue, then a waiting Close or Error. */
  protected grantCredit(bytes: u32): void {
    if (this.credit != UNLIMITED) this.credit += bytes;
    let frame = this.head;
    while (frame) {
      const len = <usize>frame.payload.byteLength;
      if (this.credit < <u64>len) return;
      const status = stream_send_data(this.idPtr, STREAM_ID_LEN, changetype<usize>(frame.payload), len);
      if (status == HostStatus.WouldBlock) return; // retried at the next Credit frame
      if (status != HostStatus.Ok) {
        // The host has ended the stream: what is queued can never go out.
        this.dropQueue();
        this.sendClosed = true;
        this.finish();
        return;
      }
      if (this.credit != UNLIMITED) this.credit -= len;
      this.queuedByteCount -= len;
      this.queuedFrameCount--;
      frame = frame.next;
      this.head = frame;
    }
    this.tail = null;
    this.sendPendingEnd();
  }

  /** Forgets everything queued, the waiting Close or Error included. */
  protected dropQueue(): void {
    this.head = null;
    this.tail = null;
    this.queuedFrameCount = 0;
    this.queuedByteCount = 0;
    this.pendingEnd = END_NONE;
    this.pendingMessage = null;
  }

  /** The stream's last frame has gone out (or never will). A live stream also leaves the table (streams.ts). */
  protected finish(): void {}

  private enqueue(ptr: usize, len: usize): i32 {
    if (this.queuedByteCount + len > queueLimit) return SendStatus.QueueFull;
    const payload = new ArrayBuffer(<i32>len);
    memory.copy(changetype<usize>(payload), ptr, len);
    const frame = new QueuedData(payload);
    const tail = this.tail;
    if (tail) tail.next = frame;
    else this.head = frame;
    this.tail = frame;
    this.queuedFrameCount++;
    this.queuedByteCount += len;
    return SendStatus.Queued;
  }

  private sendPendingEnd(): void {
    const end = this.pendingEnd;
    if (end == END_NONE) return;
    this.pendingEnd = END_NONE;
    if (end == END_CLOSE) {
      stream_send_close(this.idPtr, STREAM_ID_LEN, this.pendingCode);
    } else {
      const message = changetype<ArrayBuffer>(this.pendingMessage);
      stream_send_error(
        this.idPtr,
        STREAM_ID_LEN,
        this.pendingCode,
        changetype<usize>(message),
        message.byteLength,
      );
      this.pendingMessage = null;
    }
    this.finish();
  }
}
