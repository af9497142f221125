// Echo: accepts every server stream and sends each Data payload back unchanged, without copying it
// while the stream's credit covers it. On the caller's Close it closes with Normal (the handler
// default); on Cancel or Error it stops.
//
// Nothing accepted is dropped: a payload that can neither go out nor be queued (QueueFull, NoMemory) or
// that the host refuses fails the stream with `errorCodeFor(status)` (ResourceExhausted, PayloadTooLarge
// or Internal); a queued payload the host refuses later fails it through the default `onSendFailed`.

import {
  ServerStreamHandler,
  StreamFrame,
  StreamSender,
  errorCodeFor,
  isSent,
  registerServerStreamHandler,
} from "ixt-sdk-as";

class Echo extends ServerStreamHandler {
  override onData(stream: StreamSender, frame: StreamFrame): void {
    // The payload pointer goes straight to the host: no copy. Without credit it is queued (copied).
    const status = stream.sendData(frame.payloadPtr, frame.payloadLen);
    if (!isSent(status)) stream.error(errorCodeFor(status), "echo refused");
  }
}

registerServerStreamHandler(() => new Echo());

export * from "ixt-sdk-as/exports";
