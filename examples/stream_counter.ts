// Counter: per-stream state without a global map. The dispatcher creates one handler per stream from
// the registered factory, so the running totals are plain fields. On the caller's Close, the stream
// reports "<bytes> bytes in <frames> frames" and closes with Normal (or fails the stream with the
// documented code if the report is refused).

import {
  CloseReason,
  ServerStreamHandler,
  StreamFrame,
  StreamSender,
  errorCodeFor,
  isSent,
  registerServerStreamHandler,
} from "ixt-sdk-as";

class Counter extends ServerStreamHandler {
  private bytes: u64 = 0;
  private frames: u32 = 0;

  override onData(stream: StreamSender, frame: StreamFrame): void {
    this.bytes += frame.payloadLen;
    this.frames++;
  }

  override onClose(stream: StreamSender, reason: CloseReason): void {
    const status = stream.sendText(this.bytes.toString() + " bytes in " + this.frames.toString() + " frames");
    if (isSent(status)) stream.close(CloseReason.Normal);
    else stream.error(errorCodeFor(status), "the report was refused");
  }
}

registerServerStreamHandler(() => new Counter());

export * from "ixt-sdk-as/exports";
