// Lines: method "lines". The caller's Data frames are chunks of one UTF-8 text, split anywhere (inside a
// character too). For each complete line (ended by LF) the stream sends one Data frame: the line without
// its LF (a CR before it is kept), as valid UTF-8: each ill-formed sequence becomes U+FFFD exactly as the
// WHATWG decoder decodes the whole text. At the caller's Close it sends the last line if it is not empty
// (an incomplete character at the end is one U+FFFD), then "lines=N" (N: the line frames sent), then
// Close(Normal).
//
// A line longer than 1 MiB fails the stream with PayloadTooLarge. Frames go out as the credit allows and
// the rest is queued; input cannot be paused, so when the queue is full (1 MiB per stream by default) or
// memory runs out, the stream fails with ResourceExhausted, and a send the host refuses fails it with
// `errorCodeFor(status)`: a line is never dropped in silence.

import {
  LineError,
  LineSplitter,
  REPLACEMENT_UTF8_LEN,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  CloseReason,
  memoryAvailable,
  registerMethod,
  validUtf8Len,
  writeValidUtf8,
} from "ixt-sdk-as";

/** The longest line, in bytes without its LF. */
const MAX_LINE_BYTES: i32 = 1 << 20;

class Lines extends ServerStreamHandler {
  private readonly splitter: LineSplitter = new LineSplitter(MAX_LINE_BYTES);
  private repaired: ArrayBuffer | null = null; // a line with ill-formed UTF-8, made valid
  private sent: u32 = 0;

  // #region lines
  override onData(stream: StreamSender, frame: StreamFrame): void {
    const lines = this.splitter;
    lines.push(frame.payloadPtr, frame.payloadLen);
    while (lines.next()) {
      if (!this.sendLine(stream, lines.linePtr, lines.lineLen)) return; // the stream has failed
    }
    if (lines.error == LineError.TooLong) {
      stream.error(StreamErrorCode.PayloadTooLarge, "a line is longer than 1 MiB");
    } else if (lines.error != LineError.None) {
      stream.error(StreamErrorCode.ResourceExhausted, "no memory for a partial line");
    }
  }
  // #endregion lines

  // #region finish
  override onClose(stream: StreamSender, reason: CloseReason): void {
    const lines = this.splitter;
    if (lines.finish() && !this.sendLine(stream, lines.linePtr, lines.lineLen)) return;
    if (stream.sendTextOrFail("lines=" + this.sent.toString())) stream.close(CloseReason.Normal);
  }
  // #endregion finish

  /** Sends one line as valid UTF-8 (in place when it already is); false when the stream has failed. */
  private sendLine(stream: StreamSender, ptr: usize, len: i32): bool {
    const valid = validUtf8Len(ptr, <usize>len);
    if (valid < <usize>len) {
      const room = REPLACEMENT_UTF8_LEN * <usize>len;
      let buffer = this.repaired;
      if (!buffer || <usize>buffer.byteLength < room) {
        if (!memoryAvailable(room)) {
          stream.error(StreamErrorCode.ResourceExhausted, "no memory to repair a line");
          return false;
        }
        this.repaired = buffer = new ArrayBuffer(<i32>room);
      }
      memory.copy(changetype<usize>(buffer), ptr, valid);
      const repairedLen =
        valid + writeValidUtf8(ptr + valid, <usize>len - valid, changetype<usize>(buffer) + valid);
      if (!stream.sendDataOrFail(changetype<usize>(buffer), repairedLen)) return false;
    } else if (!stream.sendDataOrFail(ptr, valid)) {
      return false;
    }
    this.sent++;
    return true;
  }
}

registerMethod("lines", () => new Lines());

export * from "ixt-sdk-as/exports";
