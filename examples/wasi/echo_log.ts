// Echo with logging, built with the WASI profile (asconfig.wasi.json): console.log writes to the runtime's
// stdout through wasi_snapshot_preview1, Date.now() reads its clock. The frames are the echo's.

import {
  CloseReason,
  ServerStreamHandler,
  StreamFrame,
  StreamSender,
  registerServerStreamHandler,
} from "ixt-sdk-as";

class EchoLog extends ServerStreamHandler {
  private frames: u32 = 0;

  override onData(stream: StreamSender, frame: StreamFrame): void {
    this.frames++;
    console.log("echo_log: data " + frame.payloadLen.toString() + " bytes");
    stream.sendData(frame.payloadPtr, frame.payloadLen);
  }

  override onClose(stream: StreamSender, reason: CloseReason): void {
    const clock = Date.now() > 0 ? "clock ok" : "no clock";
    console.log("echo_log: close after " + this.frames.toString() + " frames, " + clock);
    stream.close(CloseReason.Normal);
  }
}

registerServerStreamHandler(() => new EchoLog());

export * from "ixt-sdk-as/exports";
