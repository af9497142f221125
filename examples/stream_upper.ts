// Upper: replies to each Data frame with its UTF-8 text upper-cased (Unicode case mapping, so "ß"
// becomes "SS"). Malformed UTF-8 is decoded leniently, never a trap.

import {
  SendStatus,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  registerServerStreamHandler,
} from "../assembly";

class Upper extends ServerStreamHandler {
  onData(stream: StreamSender, frame: StreamFrame): void {
    if (stream.sendText(frame.payloadText().toUpperCase()) == SendStatus.QueueFull) {
      stream.error(StreamErrorCode.ResourceExhausted, "upper queue full");
    }
  }
}

registerServerStreamHandler(() => new Upper());

export * from "../assembly/exports";
