// The handler API: what a module author subclasses and registers.

import { CancelReason, CloseReason, StreamErrorCode } from "./enums";
import { StreamFrame } from "./frame";
import { StreamSender } from "./sender";

/** What `onOpen` answers: accept the stream, or reject it with a `StreamErrorCode`. */
@final
export class OpenDecision {
  // Accepting is the common answer: one shared instance, no allocation per Open.
  private static readonly ACCEPTED: OpenDecision = new OpenDecision(0);

  private constructor(
    /** 0 when accepted, otherwise the reject code the dispatcher returns. */
    readonly code: StreamErrorCode,
  ) {}

  /** Accept the stream. */
  static accept(): OpenDecision {
    return OpenDecision.ACCEPTED;
  }

  /**
   * Reject the stream with `code` (default `Rejected`); the runtime then cancels it. A code of 0
   * (`Unknown`) would read as "accepted" on the wire, so it is reported as `Rejected`.
   */
  static reject(code: StreamErrorCode = StreamErrorCode.Rejected): OpenDecision {
    return new OpenDecision(code == 0 ? StreamErrorCode.Rejected : code);
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
 * `Normal`; do nothing on Cancel, Error and Writable.
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

  /** The caller failed the stream. Nothing more can be sent on it. */
  onError(stream: StreamSender, code: StreamErrorCode, message: string): void {}

  /**
   * A Credit frame arrived and the stream's queue is empty: a producer can check
   * `stream.availableCredit` and send its next chunk. Not called once the module has closed the stream.
   */
  onWritable(stream: StreamSender): void {}
}

/** Creates the handler for one new stream. */
export type ServerStreamHandlerFactory = () => ServerStreamHandler;

let factory: ServerStreamHandlerFactory | null = null;

/**
 * Registers the factory the dispatcher calls once per accepted-or-rejected Open. Call it at the top
 * level of your module's entry file. Until it is called, every Open is answered `Unimplemented`.
 */
export function registerServerStreamHandler(handlerFactory: ServerStreamHandlerFactory): void {
  factory = handlerFactory;
}

/** The registered factory, or null. */
export function registeredFactory(): ServerStreamHandlerFactory | null {
  return factory;
}
