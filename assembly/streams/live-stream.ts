// A stream the dispatcher serves: its sender, the handler instance made for it, and whether the caller's
// side is still open. It is the sender's owner: what happens to the sender (it finished, it blocked, the
// host refused a queued frame) moves the stream in the table and the blocked list, or reaches the handler.

import { linkBlocked, unlinkBlocked } from "./blocked-list";
import { StreamFrame } from "../frames/frame";
import { ServerStreamHandler } from "../handlers/handler";
import { StreamSender } from "../sending/sender";
import { StreamEntry } from "./stream-entry";
import { untrackStream } from "./stream-table";

/** A stream in the table. Only the dispatcher makes them. */
// @ts-ignore: decorator
@final
export class LiveStream extends StreamEntry {
  /** The handler instance serving this stream (one per stream, from the registered factory). */
  readonly handler: ServerStreamHandler;
  private readonly output!: StreamSender; // set in the constructor: it needs `this` as its owner
  private inputOpen: bool = true;

  constructor(idPtr: usize, handler: ServerStreamHandler, initialCredit: u32, deadlineMs: u32) {
    super(idPtr);
    this.handler = handler;
    this.output = new StreamSender(this, idPtr, initialCredit, deadlineMs);
  }

  /** The sender the handler's callbacks get. */
  get sender(): StreamSender {
    return this.output;
  }

  /** True while Data and the caller's Close are delivered to the handler. */
  get takesInput(): bool {
    return this.inputOpen && !this.output.isClosed;
  }

  /** The caller closed its side: no more Data is delivered. */
  endInput(): void {
    this.inputOpen = false;
  }

  override senderFinished(): void {
    untrackStream(this);
  }

  override senderBlocked(blocked: bool): void {
    if (blocked) linkBlocked(this);
    else unlinkBlocked(this);
  }

  override senderRefused(status: i32): void {
    this.handler.onSendFailed(this.output, status);
  }

  // ---- the Data path: the stream as an address (see dispatch.ts), no managed local ----

  /** True when the stream at `address` takes input (`takesInput`). */
  // @ts-ignore: decorator
  @inline static takesInputAt(address: usize): bool {
    return (
      load<u8>(address, offsetof<LiveStream>("inputOpen")) != 0 &&
      !StreamSender.isClosedAt(load<usize>(address, offsetof<LiveStream>("output")))
    );
  }

  /** Hands the Data frame `frame` to the handler of the stream at `address`. */
  // @ts-ignore: decorator
  @inline static deliverDataAt(address: usize, frame: StreamFrame): void {
    const handler = load<usize>(address, offsetof<LiveStream>("handler"));
    const output = load<usize>(address, offsetof<LiveStream>("output"));
    changetype<ServerStreamHandler>(handler).onData(changetype<StreamSender>(output), frame);
  }
}
