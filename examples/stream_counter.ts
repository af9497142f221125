// Counter: per-stream state without a global map. The dispatcher creates one handler per stream from
// the registered factory, so the running totals are plain fields. On the caller's Close, the stream
// reports "<bytes> bytes in <frames> frames" and closes with Normal.

import {
  CloseReason,
  ServerStreamHandler,
  StreamFrame,
  StreamSender,
  registerServerStreamHandler,
} from "../assembly";

class Counter extends ServerStreamHandler {
  private bytes: u64 = 0;
  private frames: u32 = 0;

  onData(stream: StreamSender, frame: StreamFrame): void {
    this.bytes += frame.payloadLen;
    this.frames++;
  }

  onClose(stream: StreamSender, reason: CloseReason): void {
    stream.sendText(this.bytes.toString() + " bytes in " + this.frames.toString() + " frames");
    stream.close(CloseReason.Normal);
  }
}

registerServerStreamHandler(() => new Counter());

export * from "../assembly/exports";
