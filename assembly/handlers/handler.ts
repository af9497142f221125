// handlers/ (layer 6 of 7, "streams", in assembly/layers.json): the handler API, method routes and
// ProducerHandler. Its files import only from this layer and the ones below.
//
// The handler API: what a module author subclasses and registers.

import { CancelReason, CloseReason, StreamErrorCode } from "../abi/enums";
import { StreamFrame } from "../frames/frame";
import { QUEUED_FRAME_REFUSED, StreamSender } from "../sending/sender";
import { errorCodeFor } from "../sending/status";

// Accepting is the common answer: one shared instance, made at the first accept rather than at start-up
// (a start function that allocates initializes the allocator and makes every instantiation slower).
let accepted: OpenDecision | null = null;

/** What `onOpen` answers: accept the stream, or reject it with a `StreamErrorCode`. */
// @ts-ignore: decorator
@final
export class OpenDecision {
  private constructor(
    /** 0 when accepted, otherwise the reject code the dispatcher returns. */
    readonly code: StreamErrorCode,
    /**
     * Why the Open was rejected, for the author's eyes: the ABI's answer to an Open is its code alone, so
     * the reason is not sent to the runtime; a debug build logs it (`ixt-as run` and the host shim show it).
     */
    readonly reason: string = "",
  ) {}

  /** Accept the stream. */
  static accept(): OpenDecision {
    let decision = accepted;
    if (!decision) accepted = decision = new OpenDecision(0);
    return decision;
  }

  /**
   * Reject the stream with `code` (default `Rejected`); the runtime then cancels it. A code of 0
   * (`Unknown`) would read as "accepted" on the wire, so it is reported as `Rejected`; any other `u32` is
   * answered unchanged, one `StreamErrorCode` does not name included. `reason` stays in the module: the
   * ABI answers an Open with its code only; a debug build logs it with the code.
   */
  static reject(code: StreamErrorCode = StreamErrorCode.Rejected, reason: string = ""): OpenDecision {
    return new OpenDecision(code == 0 ? StreamErrorCode.Rejected : code, reason);
  }

  /** True for `accept()`. */
  get accepted(): bool {
    return this.code == 0;
  }
}

/**
 * Serves server streams. Subclass it, override the callbacks you need, and register a factory with
 * `registerServerStreamHandler`: the dispatcher creates one instance per stream, so per-stream state
 * is just fields of your class.
 *
 * Every callback gets the stream's `StreamSender`. A frame passed to a callback is valid only during
 * that callback. The defaults: accept every Open; answer Data with an `Unimplemented` error (a handler
 * that takes no input says so rather than dropping it); answer the caller's Close by closing with
 * `Normal`; do nothing on Cancel, Error and Writable; fail the stream when the host refuses a queued
 * frame. Mark each callback you write `override`, so a misspelt name is a compile error.
 */
export abstract class ServerStreamHandler {
  /** A new stream. Return `OpenDecision.accept()` or `OpenDecision.reject(code)`. */
  onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    return OpenDecision.accept();
  }

  /** A Data frame: `frame.payloadPtr` / `frame.payloadLen`, or `frame.payloadBytes()` for a copy. */
  onData(stream: StreamSender, frame: StreamFrame): void {
    stream.error(StreamErrorCode.Unimplemented, "this stream takes no Data");
  }

  /** The caller closed its side. The stream can still send; the default closes it with `Normal`. */
  onClose(stream: StreamSender, reason: CloseReason): void {
    stream.close(CloseReason.Normal);
  }

  /** The stream was cancelled. Nothing more can be sent on it. */
  onCancel(stream: StreamSender, reason: CancelReason): void {}

  /**
   * The caller failed the stream. Nothing more can be sent on it. `message` is decoded from at most the
   * first `ERROR_MESSAGE_DECODE_MAX` (1024) bytes of the frame's message, so a huge message costs nothing.
   */
  onError(stream: StreamSender, code: StreamErrorCode, message: string): void {}

  /**
   * The stream can take more: after a Credit frame, or a retry after WouldBlock, left `stream.writable`
   * above 0. A producer sends its next chunks while `writable` covers them. Not called once the module
   * has closed the stream.
   */
  onWritable(stream: StreamSender): void {}

  /**
   * The host refused a queued frame with `status` (a `HostStatus` other than Ok and WouldBlock), after
   * the send had returned `Queued`. That frame and everything queued after it were dropped. If the status
   * says the stream is gone (UnknownStream, StreamClosed) it has already ended and nothing more can be
   * sent. The default fails the stream (`errorCodeFor(status)`: PayloadTooLarge or Internal) rather than
   * going on with a gap in its output.
   */
  onSendFailed(stream: StreamSender, status: i32): void {
    stream.error(errorCodeFor(status), QUEUED_FRAME_REFUSED);
  }
}
