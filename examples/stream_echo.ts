// Echo: accepts every server stream and sends each Data payload back unchanged, without copying it.
// On the caller's Close it closes with Normal (the handler default); on Cancel or Error it stops.

import { ServerStreamHandler, StreamFrame, StreamSender, registerServerStreamHandler } from "../assembly";

class Echo extends ServerStreamHandler {
  onData(stream: StreamSender, frame: StreamFrame): void {
    // The payload pointer goes straight to the host: no copy.
    stream.sendData(frame.payloadPtr, frame.payloadLen);
  }
}

registerServerStreamHandler(() => new Echo());

export * from "../assembly/exports";
