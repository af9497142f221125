// Router: routes on the Open's method and authorizes on its invocation context. Method "echo" is
// served by an echo (zero-copy while credit covers it); any other method is rejected with
// Unimplemented. The context is an opaque caller token: an Open without one is rejected with
// PermissionDenied. The context is read in place, without copying.

import {
  OpenDecision,
  SendStatus,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  registerServerStreamHandler,
} from "../assembly";

const ECHO = "echo";

class Router extends ServerStreamHandler {
  onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    if (frame.method() != ECHO) return OpenDecision.reject(StreamErrorCode.Unimplemented);
    if (frame.contextLen == 0) return OpenDecision.reject(StreamErrorCode.PermissionDenied);
    return OpenDecision.accept();
  }

  onData(stream: StreamSender, frame: StreamFrame): void {
    if (stream.sendData(frame.payloadPtr, frame.payloadLen) == SendStatus.QueueFull) {
      stream.error(StreamErrorCode.ResourceExhausted, "echo queue full");
    }
  }
}

registerServerStreamHandler(() => new Router());

export * from "../assembly/exports";
