// The safe sending surface for one stream, over the raw imports in imports.ts: credit, a bounded queue
// for what cannot go out yet, the stream's end, and what a refusal by the host does (docs/ABI.md,
// "Credit and backpressure" and "Host refusals").

import { CloseReason, HostStatus, SendStatus, StreamErrorCode } from "./enums";
import { copyBytes } from "./frame";
import { tryAlloc, tryAllocUtf8 } from "./heap";
import { stream_send_close, stream_send_data, stream_send_error } from "./imports";
import { STREAM_ID_LEN, UNLIMITED_CREDIT } from "./layout";

/** `availableCredit`/`writable` of a stream opened with unlimited credit, and `remainingMs()` without a deadline. */
export const UNLIMITED: u64 = u64.MAX_VALUE;

/** Default for `setStreamQueueLimit`: 1 MiB queued per stream. */
export const DEFAULT_STREAM_QUEUE_LIMIT: usize = 1 << 20;

/** Default for `setQueueBudget`: 16 MiB queued by the whole module. */
export const DEFAULT_QUEUE_BUDGET: usize = 16 << 20;

/**
 * What each queued frame is charged beyond its payload, against both queue limits: its node header
 * (8 bytes), the allocator's block header (4) and alignment (up to 15), rounded up. Empty frames count.
 */
export const QUEUED_FRAME_OVERHEAD: usize = 32;

let queueLimit: usize = DEFAULT_STREAM_QUEUE_LIMIT;
let queueBudget: usize = DEFAULT_QUEUE_BUDGET;
let queuedTotal: usize = 0;

/** Sets how many bytes each stream may queue (payloads plus `QUEUED_FRAME_OVERHEAD` each; default 1 MiB). */
export function setStreamQueueLimit(bytes: usize): void {
  queueLimit = bytes;
}

/** Sets how many bytes all streams together may queue (payloads plus `QUEUED_FRAME_OVERHEAD` each; default 16 MiB). */
export function setQueueBudget(bytes: usize): void {
  queueBudget = bytes;
}

/** Bytes charged to the module's queue budget now, over all streams. */
export function queuedBytesTotal(): usize {
  return queuedTotal;
}

/** True for a send result that means the frame was accepted: `Ok` (sent) or `Queued` (it will go out). */
// @ts-ignore: decorator
@inline
export function isSent(status: i32): bool {
  return status == HostStatus.Ok || status == SendStatus.Queued;
}

/**
 * The `StreamErrorCode` to fail a stream with after a send returned `status`: `ResourceExhausted` for
 * `QueueFull` and `NoMemory`, `PayloadTooLarge` for the host's `PayloadTooLarge`, otherwise `Internal`.
 */
export function errorCodeFor(status: i32): StreamErrorCode {
  if (status == SendStatus.QueueFull || status == SendStatus.NoMemory)
    return StreamErrorCode.ResourceExhausted;
  if (status == HostStatus.PayloadTooLarge) return StreamErrorCode.PayloadTooLarge;
  return StreamErrorCode.Internal;
}

/** The message `sendDataOrFail` and its siblings fail a stream with, for a send that returned `status`. */
export function refusalMessage(status: i32): string {
  if (status == SendStatus.QueueFull) return "the stream's send queue is full";
  if (status == SendStatus.NoMemory) return "out of memory for the stream's send queue";
  if (status == HostStatus.PayloadTooLarge) return "the host refused a frame as too large";
  return "the host refused a send";
}

// A host status as the SDK reports it: a value in the SDK's own range (0x100-0x1ff: Queued, QueueFull,
// NoMemory…) would read as one of those, so it is reported as Internal.
// @ts-ignore: decorator
@inline
function fromHost(status: i32): i32 {
  return (status & ~0xff) == 0x100 ? HostStatus.Internal : status;
}

// True for the host statuses that say the stream no longer exists on the host's side.
// @ts-ignore: decorator
@inline
function streamGone(status: i32): bool {
  return status == HostStatus.UnknownStream || status == HostStatus.StreamClosed;
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

// A queued Data frame: one raw block from the heap, freed when it goes out or is dropped, so queued
// output never waits for a collection.
// ┌──────────────┬──────────────┬─────────────────────────┐
// │ next (usize) │ length (u32) │ payload …               │
// └──────────────┴──────────────┴─────────────────────────┘
// @ts-ignore: decorator
@inline const NODE_LEN: usize = 4;
// @ts-ignore: decorator
@inline const NODE_PAYLOAD: usize = 8;

// What ends the stream once the queue has drained.
const END_NONE: u8 = 0;
const END_CLOSE: u8 = 1;
const END_ERROR: u8 = 2;

// Where the id's 16 bytes start inside a sender (the host reads them from there).
// @ts-ignore: decorator
@inline const ID_OFFSET: usize = offsetof<StreamSender>("idLo");

/** The message a stream is failed with when the host refuses one of its queued frames. */
export const QUEUED_FRAME_REFUSED = "a queued frame was refused by the host";

/**
 * Sends frames on one stream. Every method returns a `HostStatus` or a `SendStatus`; `isSent(status)`
 * tells whether the frame was accepted.
 *
 * The stream id is copied into this object when the stream opens, so a sender stays valid after the
 * frame that opened it is gone, and a handler may send on any stream it holds, not only the one being
 * dispatched. Data goes to the host at once while nothing is queued and the stream's credit covers it;
 * otherwise it is copied into a bounded queue and sent in order later (`Queued`), or refused when a
 * queue limit would be passed (`QueueFull`) or memory cannot be had (`NoMemory`). A frame the host
 * answers WouldBlock is queued and retried. Once the module has closed or errored the stream, or the
 * stream has ended, every send returns `StreamClosed` without calling the host.
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
  private blocked: bool = false; // the host answered WouldBlock; the head frame waits for a retry
  private head: usize = 0; // first queued node, 0 when none
  private tail: usize = 0;
  private queuedFrameCount: i32 = 0;
  private queuedByteCount: usize = 0; // payload bytes
  private queuedCharge: usize = 0; // payload bytes + QUEUED_FRAME_OVERHEAD per frame
  private endKind: u8 = END_NONE;
  private endCode: u32 = 0; // the close reason or error code
  private endMessage: usize = 0; // raw UTF-8 block, 0 for none
  private endMessageLen: usize = 0;
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
    return changetype<usize>(this) + ID_OFFSET;
  }

  /** Copies the 16-byte stream id. */
  streamIdBytes(): Uint8Array {
    return copyBytes(this.idPtr, STREAM_ID_LEN);
  }

  /** True once sends return `StreamClosed` without reaching the host. */
  get isClosed(): bool {
    return this.sendClosed;
  }

  /** True while the host has answered WouldBlock and the stream's next frame waits for a retry. */
  get isBlocked(): bool {
    return this.blocked;
  }

  /** Payload bytes the caller can take now; `UNLIMITED` (u64.MAX_VALUE) for an unlimited stream. */
  get availableCredit(): u64 {
    return this.credit;
  }

  /**
   * Payload bytes a producer can send now without queueing: the credit not already claimed by queued
   * frames; `UNLIMITED` for an unlimited stream; 0 while the host is answering WouldBlock or once the
   * stream is closed. `onWritable` runs when it becomes positive again.
   */
  get writable(): u64 {
    if (this.sendClosed || this.blocked) return 0;
    const credit = this.credit;
    if (credit == UNLIMITED) return UNLIMITED;
    const queued = <u64>this.queuedByteCount;
    return credit > queued ? credit - queued : 0;
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
   * Sends one Data frame with the `len` bytes at `ptr`. When nothing is queued and the credit covers it,
   * the host reads the bytes during the call: nothing is copied, so `ptr` may point into the inbound
   * frame (zero-copy echo). Otherwise the bytes are copied into the queue (`Queued`), or refused
   * (`QueueFull`, `NoMemory`). A host status other than Ok or WouldBlock is returned as it is; if it
   * says the stream is gone (UnknownStream, StreamClosed) the stream is finished.
   *
   * `endOfMessage` is advisory: the ABI has no end-of-message field and every Data frame is one
   * message (docs/ABI.md), as in the Rust crate. It is accepted so code ports unchanged.
   */
  sendData(ptr: usize, len: usize, endOfMessage: bool = true): i32 {
    // The hot path calls nothing with a managed operand (`this` is passed on as an address: the caller
    // already holds it on the shadow stack), so it needs no shadow-stack frame of its own.
    if (this.sendClosed) return HostStatus.StreamClosed;
    if (this.head == 0 && this.credit >= <u64>len) {
      const self = changetype<usize>(this);
      const status = fromHost(stream_send_data(self + ID_OFFSET, STREAM_ID_LEN, ptr, len));
      if (status != HostStatus.Ok) return StreamSender.refusedDirectly(self, ptr, len, status);
      if (this.credit != UNLIMITED) this.credit -= len;
      return HostStatus.Ok;
    }
    return StreamSender.enqueueOn(changetype<usize>(this), ptr, len);
  }

  // `sendData`'s cold paths, out of line and given the sender as an address (see `sendData`).
  private static refusedDirectly(self: usize, ptr: usize, len: usize, status: i32): i32 {
    const sender = changetype<StreamSender>(self);
    if (status != HostStatus.WouldBlock) {
      if (streamGone(status)) sender.gone();
      return status;
    }
    // Blocked even if the queue cannot take it: a retry then tells the producer (onWritable).
    sender.setBlocked(true);
    return sender.enqueue(ptr, len);
  }

  private static enqueueOn(self: usize, ptr: usize, len: usize): i32 {
    return changetype<StreamSender>(self).enqueue(ptr, len);
  }

  /** Sends the bytes of `bytes` as one Data frame. */
  sendBytes(bytes: Uint8Array, endOfMessage: bool = true): i32 {
    return this.sendData(bytes.dataStart, <usize>bytes.byteLength, endOfMessage);
  }

  /** Sends `text`, encoded as UTF-8, as one Data frame (`NoMemory` if the encoded copy cannot be had). */
  sendText(text: string, endOfMessage: bool = true): i32 {
    if (this.sendClosed) return HostStatus.StreamClosed;
    const len = <usize>String.UTF8.byteLength(text);
    const utf8 = tryAllocUtf8(text, len);
    if (!utf8) return SendStatus.NoMemory;
    const status = this.sendData(utf8, len, endOfMessage);
    heap.free(utf8);
    return status;
  }

  /**
   * True when `bytes` payload bytes can be sent now without queueing (`writable >= bytes`). Reads
   * naturally with small `i32` constants, where `writable` (a `u64`) would need a cast.
   */
  canSend(bytes: i32): bool {
    return bytes >= 0 && this.writable >= <u64>bytes;
  }

  /**
   * `sendData`, then, when the frame was not accepted (`isSent` is false), fails the stream with
   * `errorCodeFor(status)` and a message naming the refusal. Returns true when the frame was sent or
   * queued. Nothing is dropped in silence: a refused frame ends the stream with a documented code.
   */
  sendDataOrFail(ptr: usize, len: usize): bool {
    return this.failUnlessSent(this.sendData(ptr, len));
  }

  /** `sendBytes` that fails the stream when the frame is not accepted (see `sendDataOrFail`). */
  sendBytesOrFail(bytes: Uint8Array): bool {
    return this.failUnlessSent(this.sendBytes(bytes));
  }

  /** `sendText` that fails the stream when the frame is not accepted (see `sendDataOrFail`). */
  sendTextOrFail(text: string): bool {
    return this.failUnlessSent(this.sendText(text));
  }

  private failUnlessSent(status: i32): bool {
    if (isSent(status)) return true;
    this.error(errorCodeFor(status), refusalMessage(status)); // StreamClosed on an ended stream: no-op
    return false;
  }

  /**
   * Closes the stream, after any queued Data (then it returns `Queued`). Afterwards every send returns
   * `StreamClosed`. A Close the host answers WouldBlock is retried like Data (`Queued`).
   */
  close(reason: CloseReason = CloseReason.Normal): i32 {
    if (this.sendClosed) return HostStatus.StreamClosed;
    this.sendClosed = true;
    this.endKind = END_CLOSE;
    this.endCode = reason;
    return this.head ? SendStatus.Queued : this.sendEnd();
  }

  /**
   * Fails the stream with `code` and a UTF-8 `message`, after any queued Data (then it returns
   * `Queued`). Afterwards every send returns `StreamClosed`. If memory for the message cannot be had,
   * the Error goes out without it.
   */
  error(code: StreamErrorCode, message: string = ""): i32 {
    if (this.sendClosed) return HostStatus.StreamClosed;
    this.sendClosed = true;
    this.endKind = END_ERROR;
    this.endCode = code;
    this.setEndMessage(message);
    return this.head ? SendStatus.Queued : this.sendEnd();
  }

  /** Adds `bytes` of credit and sends what it covers from the queue, then a waiting Close or Error. */
  protected grantCredit(bytes: u32): void {
    if (this.credit != UNLIMITED) this.credit += bytes;
    this.flush();
  }

  /**
   * Sends queued frames in order while the credit covers them, then a waiting Close or Error. Stops at
   * WouldBlock (the stream stays blocked until the next retry). A refusal that says the stream is gone
   * finishes it; any other refusal drops the frame and everything queued after it, then lets the handler
   * know (`sendFailed`), or fails the stream if the module had already ended it.
   */
  protected flush(): void {
    let node = this.head;
    while (node) {
      const len = <usize>load<u32>(node, NODE_LEN);
      if (this.credit < <u64>len) {
        this.setBlocked(false);
        return;
      }
      const status = fromHost(stream_send_data(this.idPtr, STREAM_ID_LEN, node + NODE_PAYLOAD, len));
      if (status != HostStatus.Ok) {
        if (status == HostStatus.WouldBlock) this.setBlocked(true);
        else this.refusedWhileDraining(status);
        return;
      }
      if (this.credit != UNLIMITED) this.credit -= len;
      const next = load<usize>(node);
      this.unqueue(node, len);
      node = next;
      this.head = node;
    }
    this.tail = 0;
    if (this.endKind == END_NONE) {
      this.setBlocked(false);
      return;
    }
    const status = this.sendEnd();
    if (!isSent(status)) this.sendFailed(status); // the stream has ended: for the handler's information
  }

  /** Forgets everything queued, the waiting Close or Error included. */
  protected dropQueue(): void {
    let node = this.head;
    while (node) {
      const next = load<usize>(node);
      this.unqueue(node, <usize>load<u32>(node, NODE_LEN));
      node = next;
    }
    this.head = 0;
    this.tail = 0;
    this.releaseEnd();
  }

  /** The stream has ended on the host's side, or will never send again: drop everything and finish. */
  protected gone(): void {
    this.dropQueue();
    this.sendClosed = true;
    this.setBlocked(false);
    this.finish();
  }

  /** The stream's last frame has gone out (or never will). A live stream also leaves the table (streams.ts). */
  protected finish(): void {}

  /** The host answered WouldBlock (`true`) or the stream's output moved again (`false`). */
  protected blockedChanged(blocked: bool): void {}

  /**
   * The host refused a queued frame with `status` (neither Ok nor WouldBlock) and it was dropped, with
   * what was queued after it. A live stream asks its handler (`onSendFailed`); a bare sender fails.
   */
  protected sendFailed(status: i32): void {
    this.error(errorCodeFor(status), QUEUED_FRAME_REFUSED);
  }

  private setBlocked(blocked: bool): void {
    if (this.blocked == blocked) return;
    this.blocked = blocked;
    this.blockedChanged(blocked);
  }

  private refusedWhileDraining(status: i32): void {
    if (streamGone(status)) {
      this.gone();
      this.sendFailed(status); // for the handler's information: nothing more can be sent
      return;
    }
    const ending = this.endKind != END_NONE;
    this.dropQueue();
    this.setBlocked(false);
    if (ending) {
      // The module had ended the stream already: it must not end as if nothing had been lost.
      this.endKind = END_ERROR;
      this.endCode = errorCodeFor(status);
      this.setEndMessage(QUEUED_FRAME_REFUSED);
      this.sendEnd();
      return;
    }
    this.sendFailed(status);
  }

  // Sends the waiting Close or Error now. WouldBlock keeps it waiting (`Queued`); anything else ends the
  // stream whatever the host answered, since there is nothing left to send.
  private sendEnd(): i32 {
    const status = fromHost(
      this.endKind == END_CLOSE
        ? stream_send_close(this.idPtr, STREAM_ID_LEN, this.endCode)
        : stream_send_error(this.idPtr, STREAM_ID_LEN, this.endCode, this.endMessage, this.endMessageLen),
    );
    if (status == HostStatus.WouldBlock) {
      this.setBlocked(true);
      return SendStatus.Queued;
    }
    this.releaseEnd();
    this.setBlocked(false);
    this.finish();
    return status;
  }

  // Keeps the Error's message as raw UTF-8 until it goes out; without memory for it, it goes out without.
  private setEndMessage(message: string): void {
    const len = <usize>String.UTF8.byteLength(message);
    const utf8 = len ? tryAllocUtf8(message, len) : 0;
    if (!utf8) return;
    this.endMessage = utf8;
    this.endMessageLen = len;
  }

  private releaseEnd(): void {
    if (this.endMessage) heap.free(this.endMessage);
    this.endMessage = 0;
    this.endMessageLen = 0;
    this.endKind = END_NONE;
  }

  private enqueue(ptr: usize, len: usize): i32 {
    const charge = <u64>len + QUEUED_FRAME_OVERHEAD;
    if (<u64>this.queuedCharge + charge > <u64>queueLimit) return SendStatus.QueueFull;
    if (<u64>queuedTotal + charge > <u64>queueBudget) return SendStatus.QueueFull;
    const node = tryAlloc(NODE_PAYLOAD + len);
    if (!node) return SendStatus.NoMemory;
    store<usize>(node, 0);
    store<u32>(node, <u32>len, NODE_LEN);
    memory.copy(node + NODE_PAYLOAD, ptr, len);
    if (this.tail) store<usize>(this.tail, node);
    else this.head = node;
    this.tail = node;
    this.queuedFrameCount++;
    this.queuedByteCount += len;
    this.queuedCharge += <usize>charge;
    queuedTotal += <usize>charge;
    return SendStatus.Queued;
  }

  private unqueue(node: usize, len: usize): void {
    const charge = len + QUEUED_FRAME_OVERHEAD;
    this.queuedFrameCount--;
    this.queuedByteCount -= len;
    this.queuedCharge -= charge;
    queuedTotal -= charge;
    heap.free(node);
  }
}
