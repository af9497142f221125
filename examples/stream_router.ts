// Router: routes on the Open's method and authorizes on its invocation context. The method "echo" is
// served by an echo (zero-copy while credit covers it): `registerMethod` compares the method's bytes
// with "echo" exactly, without decoding, so `echo\x80` or an overlong encoding is not "echo". Any other
// method is answered Unimplemented by the SDK. The context is an opaque caller token: an Open without
// one is rejected with PermissionDenied. The context is read in place, without copying. A payload that
// cannot be echoed fails the stream with `errorCodeFor(status)`, as in stream_echo.

import {
  OpenDecision,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  errorCodeFor,
  isSent,
  registerMethod,
} from "ixt-sdk-as";

class AuthorizedEcho extends ServerStreamHandler {
  // #region authorize
  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    if (frame.contextLen == 0) return OpenDecision.reject(StreamErrorCode.PermissionDenied);
    return OpenDecision.accept();
  }
  // #endregion authorize

  override onData(stream: StreamSender, frame: StreamFrame): void {
    const status = stream.sendData(frame.payloadPtr, frame.payloadLen);
    if (!isSent(status)) stream.error(errorCodeFor(status), "echo refused");
  }
}

registerMethod("echo", () => new AuthorizedEcho());

export * from "ixt-sdk-as/exports";
