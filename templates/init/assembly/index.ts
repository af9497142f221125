// The module: a server-stream handler. The runtime opens a stream with an Open frame, sends Data
// frames, and ends it with Close, Cancel or Error; the SDK calls the handler's callbacks for each and
// creates one handler per stream, so per-stream state is plain fields.

import {
  CloseReason,
  HostStatus,
  OpenDecision,
  SendStatus,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  registerServerStreamHandler,
} from "ixt-sdk-as";

class Greeter extends ServerStreamHandler {
  private greeted: i32 = 0;

  // The Open: accept the stream, or refuse it with `OpenDecision.reject(code)`.
  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    return OpenDecision.accept();
  }

  // Each Data frame: answer "hello, <its text>".
  override onData(stream: StreamSender, frame: StreamFrame): void {
    this.greeted++;
    this.send(stream, "hello, " + frame.payloadText());
  }

  // The caller closed its side; the stream can still send. Say how many were greeted, then close.
  // (Without this override the SDK closes at once; a producer overrides it to finish first.)
  override onClose(stream: StreamSender, reason: CloseReason): void {
    if (this.send(stream, "greeted " + this.greeted.toString())) stream.close(CloseReason.Normal);
  }

  // `Ok`: sent; `Queued`: kept until the caller grants credit. Anything else fails the stream:
  // `QueueFull` or `NoMemory` when too much waits for the caller, otherwise the host refused the send.
  private send(stream: StreamSender, text: string): bool {
    const status = stream.sendText(text);
    if (status == HostStatus.Ok || status == SendStatus.Queued) return true;
    const full = status == SendStatus.QueueFull || status == SendStatus.NoMemory;
    stream.error(full ? StreamErrorCode.ResourceExhausted : StreamErrorCode.Internal, "send failed");
    return false;
  }
}

registerServerStreamHandler(() => new Greeter());

// The ABI exports the runtime calls: the dispatcher, ixt_alloc and ixt_dealloc.
export * from "ixt-sdk-as/exports";
