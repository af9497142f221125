// sending/ (layer 5 of 7, "sending", in assembly/layers.json): what a status means, the deadline clock, a
// stream's queue, StreamSender and what it tells its owner, ByteBuffer. Its files import only from this
// layer and the ones below.
//
// The safe sending surface for one stream, over the raw imports: credit, the queue (frame-queue.ts), the
// stream's end, and what a host's refusal does (docs/ABI.md, "Credit and backpressure", "Host refusals").
// What its owner must act on (finished, blocked or not, a queued frame refused) it tells its `SenderOwner`
// (sender-owner.ts); it knows nothing of the stream table, the blocked list or the handler.

import { nowMs } from "./clock";
import { CloseReason, HostStatus, SendStatus, StreamErrorCode } from "../abi/enums";
import { copyBytes } from "../frames/frame";
import { FrameQueue } from "./frame-queue";
import { rawFree, tryAllocUtf8 } from "../memory/heap";
import { stream_send_close, stream_send_data, stream_send_error } from "../abi/imports";
import { STREAM_ID_LEN, UNLIMITED_CREDIT } from "../abi/layout";
import { DEBUG_GUARDS } from "../call/guards";
import { log } from "../frames/log";
import { enterSection, leaveSection } from "../call/sections";
import { SenderOwner } from "./sender-owner";
import { errorCodeFor, fromHost, isSent, refusalMessage, streamGone } from "./status";

/** `availableCredit`/`writable` of a stream opened with unlimited credit, and `remainingMs()` without a deadline. */
export const UNLIMITED: u64 = u64.MAX_VALUE;

/** The message a stream is failed with when the host refuses one of its queued frames. */
export const QUEUED_FRAME_REFUSED = "a queued frame was refused by the host";

// What ends the stream once the queue has drained.
// @ts-ignore: decorator
@inline const END_NONE: u8 = 0;
// @ts-ignore: decorator
@inline const END_CLOSE: u8 = 1;
// @ts-ignore: decorator
@inline const END_ERROR: u8 = 2;

/**
 * Sends frames on one stream. Every method returns a `HostStatus` or a `SendStatus`; `isSent(status)`
 * tells whether the frame was accepted.
 *
 * The dispatcher makes one per stream and hands it to every callback; handler code never constructs one.
 * The stream id is copied into it when the stream opens, so a sender stays valid after the frame that
 * opened it is gone, and a handler may send on any stream it holds, not only the one being dispatched.
 * Data goes to the host at once while nothing is queued and the stream's credit covers it; otherwise it
 * is copied into a bounded queue and sent in order later (`Queued`), or refused when a queue limit would
 * be passed (`QueueFull`) or memory cannot be had (`NoMemory`). A frame the host answers WouldBlock is
 * queued and retried. Once the module has closed or errored the stream, or the stream has ended, every
 * send returns `StreamClosed` without calling the host (a debug build logs a warning naming the call).
 *
 * Counters are `u64` (`writable`, `availableCredit`, `remainingMs()`) so that `UNLIMITED` fits: compare
 * them with `u64` values, or use `canSend(bytes)` with an `i32`.
 */
// @ts-ignore: decorator
@final
export class StreamSender {
  // The id's 16 bytes, in wire order. The host reads them straight from this object (`idPtr`).
  /** First 8 bytes of the stream id, as a little-endian u64. */
  readonly idLo: u64;
  /** Last 8 bytes of the stream id, as a little-endian u64. */
  readonly idHi: u64;
  private sendClosed: bool = false; // nothing more may be sent: see the class comment
  private blocked: bool = false; // the host answered WouldBlock; the head frame waits for a retry
  private credit: u64; // bytes the caller can take now; UNLIMITED when the Open said so
  private readonly queue: FrameQueue = new FrameQueue();
  private endKind: u8 = END_NONE;
  private endCode: u32 = 0; // the close reason or error code
  private endMessage: usize = 0; // raw UTF-8 block, 0 for none
  private endMessageLen: usize = 0;
  private readonly deadline: u32;
  private readonly openedAtMs: u64;
  private readonly owner: SenderOwner;

  /**
   * Not for handler code: the dispatcher makes the sender of each stream it opens. `idPtr`: the 16-byte
   * id (copied); `initialCredit`: the Open's (`0xFFFFFFFF` = unlimited); `deadlineMs`: 0 = none.
   * @internal
   */
  constructor(owner: SenderOwner, idPtr: usize, initialCredit: u32, deadlineMs: u32) {
    this.owner = owner;
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

  /** Payload bytes the caller can take now (a `u64`); `UNLIMITED` (u64.MAX_VALUE) for an unlimited stream. */
  get availableCredit(): u64 {
    return this.credit;
  }

  /**
   * Payload bytes a producer can send now without queueing (a `u64`): the credit not already claimed by
   * queued frames; `UNLIMITED` for an unlimited stream; 0 while the host is answering WouldBlock or once
   * the stream is closed. `onWritable` runs when it becomes positive again. With an `i32`, use `canSend`.
   */
  get writable(): u64 {
    if (this.sendClosed || this.blocked) return 0;
    const credit = this.credit;
    if (credit == UNLIMITED) return UNLIMITED;
    const queued = <u64>this.queue.bytes;
    return credit > queued ? credit - queued : 0;
  }

  /**
   * True when a Data frame of `bytes` payload bytes would go to the host now rather than into the queue:
   * the stream is open, not blocked, nothing is queued and the credit covers it (for `bytes` > 0 that is
   * `writable >= bytes`). Reads naturally with small `i32` constants, where `writable` (a `u64`) would
   * need a cast. False for a negative `bytes`.
   */
  canSend(bytes: i32): bool {
    if (bytes < 0 || this.sendClosed || this.blocked || this.queue.head) return false;
    return this.credit >= <u64>bytes;
  }

  /** Payload bytes waiting in the queue. */
  get queuedBytes(): usize {
    return this.queue.bytes;
  }

  /** Frames waiting in the queue. */
  get queuedFrames(): i32 {
    return this.queue.frames;
  }

  /** The Open's deadline in ms from the Open; 0 for none. */
  get deadlineMs(): u32 {
    return this.deadline;
  }

  /**
   * Milliseconds left before the deadline (a `u64`: 0 once it has passed; `UNLIMITED` without a deadline),
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
    // The hot path reads its fields as addresses and passes `this` on as one (the caller already holds it
    // on the shadow stack), so it needs no shadow-stack frame of its own.
    const self = changetype<usize>(this);
    if (load<bool>(self, SEND_CLOSED)) return StreamSender.closedSend(self, "sendData");
    const credit = load<u64>(self, CREDIT);
    // Safe to stop anywhere without a section: nothing between the host's Ok and the credit's store is a
    // call or a loop, so no runtime can stop the call there (docs/ABI.md, "When a call is stopped").
    if (FrameQueue.isEmptyAt(load<usize>(self, QUEUE)) && credit >= <u64>len) {
      const status = fromHost(stream_send_data(self + ID_OFFSET, STREAM_ID_LEN, ptr, len));
      if (status != HostStatus.Ok) return StreamSender.refusedDirectly(self, ptr, len, status);
      if (credit != UNLIMITED) store<u64>(self, credit - len, CREDIT);
      return HostStatus.Ok;
    }
    return StreamSender.enqueueOn(self, ptr, len);
  }

  /** Sends the bytes of `bytes` as one Data frame (see `sendData`). */
  sendBytes(bytes: Uint8Array, endOfMessage: bool = true): i32 {
    return this.sendData(bytes.dataStart, <usize>bytes.byteLength, endOfMessage);
  }

  /**
   * Sends `text`, encoded as UTF-8, as one Data frame (see `sendData`). A lone surrogate is sent as U+FFFD,
   * as `TextEncoder` does, so the payload is always valid UTF-8. `NoMemory` if the encoded copy cannot be
   * had.
   */
  sendText(text: string, endOfMessage: bool = true): i32 {
    if (this.sendClosed) return StreamSender.closedSend(changetype<usize>(this), "sendText");
    const len = <usize>String.UTF8.byteLength(text);
    const utf8 = tryAllocUtf8(text, len);
    if (!utf8) return SendStatus.NoMemory;
    const status = this.sendData(utf8, len, endOfMessage);
    rawFree(utf8);
    return status;
  }

  /**
   * `sendData`, then, when the frame was not accepted (`isSent` is false), fails the stream with
   * `errorCodeFor(status)` and a message naming the refusal (`refusalMessage`). Returns true when the
   * frame was sent or queued. Nothing is dropped in silence: a refused frame ends the stream with a
   * documented code. On a stream that has already ended it returns false and sends nothing.
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

  /**
   * Closes the stream, after any queued Data (then it returns `Queued`). Afterwards every send returns
   * `StreamClosed`. A Close the host answers WouldBlock is retried like Data (`Queued`).
   */
  close(reason: CloseReason = CloseReason.Normal): i32 {
    if (this.sendClosed) return StreamSender.closedSend(changetype<usize>(this), "close");
    enterSection(); // closed and not sent must never be seen by a later call (sections.ts)
    this.sendClosed = true;
    this.endKind = END_CLOSE;
    this.endCode = reason;
    const status = this.queue.head ? SendStatus.Queued : this.sendEnd();
    leaveSection();
    return status;
  }

  /**
   * Fails the stream with `code` and `message` (sent as UTF-8; a lone surrogate as U+FFFD), after any
   * queued Data (then it returns `Queued`). Afterwards every send returns `StreamClosed`. If memory for
   * the message cannot be had, the Error goes out without it.
   */
  error(code: StreamErrorCode, message: string = ""): i32 {
    if (this.sendClosed) return StreamSender.closedSend(changetype<usize>(this), "error");
    enterSection(); // as in `close`
    this.sendClosed = true;
    this.endKind = END_ERROR;
    this.endCode = code;
    this.setEndMessage(message);
    const status = this.queue.head ? SendStatus.Queued : this.sendEnd();
    leaveSection();
    return status;
  }

  /**
   * Not for handler code (the dispatcher calls it for each Credit frame): adds `bytes` of credit and sends
   * what it covers from the queue, then a waiting Close or Error.
   * @internal
   */
  receiveCredit(bytes: u32): void {
    if (this.credit != UNLIMITED) this.credit += bytes;
    this.flush();
  }

  /**
   * Not for handler code (the dispatcher's retries): tries the frames the host answered WouldBlock again.
   * @internal
   */
  retry(): void {
    this.flush();
  }

  /**
   * Not for handler code (the dispatcher calls it when the caller cancels or errors the stream, its Open is
   * rejected, or its call trapped): drops everything queued and finishes the stream.
   * @internal
   */
  terminate(): void {
    this.gone();
  }

  // Sends queued frames in order while the credit covers them, then a waiting Close or Error. Stops at
  // WouldBlock (the stream stays blocked until the next retry). A refusal that says the stream is gone
  // finishes it; any other refusal drops the frame and everything queued after it, then tells the owner,
  // or fails the stream if the module had already ended it. Each frame goes out inside a section: a frame
  // the host took is off the queue before a later call can see it.
  private flush(): void {
    const queue = this.queue;
    while (queue.head) {
      const len = queue.headLength();
      if (this.credit < <u64>len) {
        this.setBlocked(false);
        return;
      }
      enterSection();
      const status = fromHost(stream_send_data(this.idPtr, STREAM_ID_LEN, queue.headPayload(), len));
      if (status != HostStatus.Ok) {
        leaveSection(); // refused: the frame is still at the head, as before
        if (status == HostStatus.WouldBlock) this.setBlocked(true);
        else this.refusedWhileDraining(status);
        return;
      }
      if (this.credit != UNLIMITED) this.credit -= len;
      queue.pop();
      leaveSection();
    }
    if (this.endKind == END_NONE) {
      this.setBlocked(false);
      return;
    }
    const status = this.sendEnd();
    if (!isSent(status)) this.owner.senderRefused(status); // the stream has ended: for the owner's information
  }

  // The stream has ended on the host's side, or will never send again: drop everything and finish.
  private gone(): void {
    enterSection(); // the queue, the blocked list and the table let go of it together (sections.ts)
    this.queue.clear();
    this.releaseEnd();
    this.sendClosed = true;
    this.setBlocked(false);
    this.owner.senderFinished();
    leaveSection();
  }

  private setBlocked(blocked: bool): void {
    if (this.blocked == blocked) return;
    enterSection(); // the flag and the blocked list agree at every stop
    this.blocked = blocked;
    this.owner.senderBlocked(blocked);
    leaveSection();
  }

  private failUnlessSent(status: i32): bool {
    if (isSent(status)) return true;
    this.error(errorCodeFor(status), refusalMessage(status)); // StreamClosed on an ended stream: no-op
    return false;
  }

  private refusedWhileDraining(status: i32): void {
    if (streamGone(status)) {
      this.gone();
      this.owner.senderRefused(status); // for the owner's information: nothing more can be sent
      return;
    }
    const ending = this.endKind != END_NONE;
    enterSection();
    this.queue.clear();
    this.releaseEnd();
    this.setBlocked(false);
    if (ending) {
      // The module had ended the stream already: it must not end as if nothing had been lost.
      this.endKind = END_ERROR;
      this.endCode = errorCodeFor(status);
      this.setEndMessage(QUEUED_FRAME_REFUSED);
      this.sendEnd();
      leaveSection();
      return;
    }
    leaveSection();
    this.owner.senderRefused(status); // the handler's code: outside any section
  }

  // Sends the waiting Close or Error now. WouldBlock keeps it waiting (`Queued`); anything else ends the
  // stream whatever the host answered, since there is nothing left to send.
  private sendEnd(): i32 {
    enterSection(); // a Close or Error the host took must not stay waiting (sections.ts)
    const status = fromHost(
      this.endKind == END_CLOSE
        ? stream_send_close(this.idPtr, STREAM_ID_LEN, this.endCode)
        : stream_send_error(this.idPtr, STREAM_ID_LEN, this.endCode, this.endMessage, this.endMessageLen),
    );
    if (status == HostStatus.WouldBlock) {
      this.setBlocked(true);
      leaveSection();
      return SendStatus.Queued;
    }
    this.releaseEnd();
    this.setBlocked(false);
    this.owner.senderFinished();
    leaveSection();
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
    if (this.endMessage) rawFree(this.endMessage);
    this.endMessage = 0;
    this.endMessageLen = 0;
    this.endKind = END_NONE;
  }

  /**
   * `isClosed` of the sender at `address`, read without a managed local (the dispatcher's Data path).
   * @internal
   */
  // @ts-ignore: decorator
  @inline static isClosedAt(address: usize): bool {
    return load<bool>(address, SEND_CLOSED);
  }

  // ---- `sendData`'s cold paths, out of line and given the sender as an address (see `sendData`) ----

  private static refusedDirectly(self: usize, ptr: usize, len: usize, status: i32): i32 {
    const sender = changetype<StreamSender>(self);
    if (status != HostStatus.WouldBlock) {
      if (streamGone(status)) sender.gone();
      return status;
    }
    // Blocked even if the queue cannot take it: a retry then tells the producer (onWritable).
    sender.setBlocked(true);
    return sender.queue.push(ptr, len);
  }

  private static enqueueOn(self: usize, ptr: usize, len: usize): i32 {
    return changetype<StreamSender>(self).queue.push(ptr, len);
  }

  // A send on a stream that has ended: StreamClosed, and in a debug build a warning naming the call.
  private static closedSend(self: usize, call: string): i32 {
    if (DEBUG_GUARDS) {
      log.warn(call + " on a stream that has ended returned StreamClosed (3); nothing was sent");
    }
    return HostStatus.StreamClosed;
  }
}

// Where the id's 16 bytes start inside a sender (the host reads them from there), and the fields the hot
// path reads as addresses.
// @ts-ignore: decorator
@inline const ID_OFFSET: usize = offsetof<StreamSender>("idLo");
// @ts-ignore: decorator
@inline const SEND_CLOSED: usize = offsetof<StreamSender>("sendClosed");
// @ts-ignore: decorator
@inline const CREDIT: usize = offsetof<StreamSender>("credit");
// @ts-ignore: decorator
@inline const QUEUE: usize = offsetof<StreamSender>("queue");
