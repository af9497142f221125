// Ticker: a producer that respects credit. The Open's request payload is a count N in decimal text;
// the stream emits N Data frames carrying "1", "2", … "N", each exactly once and in order, each sent
// whole only while `stream.writable` covers it, then closes with Normal. When it cannot send more (no
// credit, or the host answered WouldBlock) it stops and continues in onWritable. A tick the queue cannot
// take (QueueFull) is sent again later; any other refusal fails the stream with `errorCodeFor(status)`.
// A producer overrides onClose: the caller closing its side does not stop it (the default would close
// at once). An Open whose payload is not a decimal count is rejected (InvalidArgument).

import {
  CloseReason,
  OpenDecision,
  SendStatus,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  errorCodeFor,
  isSent,
  registerServerStreamHandler,
} from "../assembly";

/** The largest count accepted, so a request cannot keep a stream busy forever. */
const MAX_COUNT: u32 = 1_000_000;

/**
 * Parses the `len` bytes at `ptr` as 1 to 7 ASCII digits, in place (a request of any size costs nothing:
 * it is never decoded or copied); returns -1 for anything else.
 */
function parseCount(ptr: usize, len: usize): i64 {
  if (len == 0 || len > 7) return -1;
  let value: i64 = 0;
  for (let i: usize = 0; i < len; i++) {
    const digit = <i32>load<u8>(ptr + i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

class Ticker extends ServerStreamHandler {
  private next: u32 = 1;
  private count: u32 = 0;

  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    const count = parseCount(frame.payloadPtr, frame.payloadLen);
    if (count < 0 || count > <i64>MAX_COUNT) return OpenDecision.reject(StreamErrorCode.InvalidArgument);
    this.count = <u32>count;
    this.pump(stream);
    return OpenDecision.accept();
  }

  override onWritable(stream: StreamSender): void {
    this.pump(stream);
  }

  // The caller's Close ends its input, not this stream: keep producing until the last tick.
  override onClose(stream: StreamSender, reason: CloseReason): void {}

  // Sends ticks while `writable` covers the next one, and closes after the last.
  private pump(stream: StreamSender): void {
    while (this.next <= this.count) {
      const tick = this.next.toString();
      if (stream.writable < <u64>String.UTF8.byteLength(tick)) return; // wait for onWritable
      const status = stream.sendText(tick);
      if (status == SendStatus.QueueFull) return; // not taken: sent again from onWritable
      if (!isSent(status)) {
        stream.error(errorCodeFor(status), "tick refused");
        return;
      }
      this.next++;
    }
    if (!stream.isClosed) stream.close(CloseReason.Normal);
  }
}

registerServerStreamHandler(() => new Ticker());

export * from "../assembly/exports";
