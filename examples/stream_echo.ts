// Echo: accepts every server stream and sends each Data payload back unchanged, without copying it
// while the stream's credit covers it. On the caller's Close it closes with Normal (the handler
// default); on Cancel or Error it stops.

import {
  SendStatus,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  registerServerStreamHandler,
} from "../assembly";

class Echo extends ServerStreamHandler {
  onData(stream: StreamSender, frame: StreamFrame): void {
    // The payload pointer goes straight to the host: no copy. Without credit it is queued (copied);
    // if even the queue is full, fail the stream rather than drop data.
    if (stream.sendData(frame.payloadPtr, frame.payloadLen) == SendStatus.QueueFull) {
      stream.error(StreamErrorCode.ResourceExhausted, "echo queue full");
    }
  }
}

registerServerStreamHandler(() => new Echo());

export * from "../assembly/exports";
