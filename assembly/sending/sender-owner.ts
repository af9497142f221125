// What a `StreamSender` tells the stream that owns it (sender.ts): the sender knows nothing of the stream
// table, the blocked list or the handler, and its owner (live-stream.ts) acts on what it hears.

/**
 * What a sender tells the stream that owns it. The SDK's stream table implements it (live-stream.ts); it is
 * not for handler code.
 */
export abstract class SenderOwner {
  /** The stream's last frame went out, or never will: nothing more can be sent. */
  abstract senderFinished(): void;
  /** The host answered WouldBlock (`true`), or the stream's output moved again (`false`). */
  abstract senderBlocked(blocked: bool): void;
  /**
   * The host refused a queued frame with `status` (neither Ok nor WouldBlock); it and what was queued
   * after it were dropped. When `status` says the stream is gone, it has already finished.
   */
  abstract senderRefused(status: i32): void;
}
