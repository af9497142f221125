// The module: a server-stream handler. The runtime opens a stream with an Open frame, sends Data
// frames, and ends it with Close, Cancel or Error; the SDK calls the handler's callbacks for each and
// creates one handler per stream, so per-stream state is plain fields.

import {
  CloseReason,
  OpenDecision,
  ServerStreamHandler,
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
    stream.sendTextOrFail("hello, " + frame.payloadText());
  }

  // The caller closed its side; the stream can still send. Say how many were greeted, then close.
  // (Without this override the SDK closes at once; a producer overrides it to finish first.)
  override onClose(stream: StreamSender, reason: CloseReason): void {
    if (stream.sendTextOrFail("greeted " + this.greeted.toString())) stream.close(CloseReason.Normal);
  }
}

// `sendTextOrFail` returns true when the text was sent or queued (kept until the caller grants credit).
// Otherwise it has failed the stream with `errorCodeFor(status)`: ResourceExhausted when too much waits
// for the caller (QueueFull, NoMemory), PayloadTooLarge when the host refused the frame as too large,
// Internal for any other refusal. `stream.sendText` returns the status instead, for a handler that decides.

registerServerStreamHandler(() => new Greeter());

// The ABI exports the runtime calls: the dispatcher, ixt_alloc and ixt_dealloc.
export * from "ixt-sdk-as/exports";
