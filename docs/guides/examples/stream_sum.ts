// Sum: bytes and numbers read in place. Each Data frame is a list of decimal numbers separated by spaces
// ("12 7  30"); the stream answers each frame with one Data frame "sum=49 count=3", built in a reusable
// ByteBuffer without a string. Nothing is copied or decoded: `findByte` finds each space, `load<u8>` reads
// a byte at a pointer, and `parseDecimal` reads each number where it is. A field that is not a number
// fails the stream with InvalidArgument and "not a number at byte N" (N: the offset in the frame); a sum
// past u64 fails it with "the sum overflows". At the caller's Close it closes with Normal (the default).

import {
  ByteBuffer,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  findByte,
  parseDecimal,
  registerServerStreamHandler,
} from "ixt-sdk-as";

const SPACE: u8 = 0x20;

/** One buffer for every reply: a frame goes out (or is copied into the queue) before the callback returns. */
const reply = new ByteBuffer();

class Sum extends ServerStreamHandler {
  override onData(stream: StreamSender, frame: StreamFrame): void {
    // #region fields
    const start = frame.payloadPtr;
    const end = start + frame.payloadLen;
    let at = start;
    let sum: u64 = 0;
    let count: u32 = 0;
    while (at < end) {
      if (load<u8>(at) == SPACE) {
        at++; // one byte at a pointer: skip the spaces between fields
        continue;
      }
      const space = findByte(at, end - at, SPACE); // the offset of the next space, or -1
      const len = space < 0 ? end - at : <usize>space;
      const n = parseDecimal(at, len); // digits only: "+1", "1.5" and "0x1" are not numbers
      if (!n.ok) {
        const offset = at - start + <usize>n.offset;
        stream.error(StreamErrorCode.InvalidArgument, "not a number at byte " + offset.toString());
        return;
      }
      if (sum + n.value < sum) {
        stream.error(StreamErrorCode.InvalidArgument, "the sum overflows");
        return;
      }
      sum += n.value;
      count++;
      at += len;
    }
    // #endregion fields
    // #region reply
    reply.clear(); // keeps its capacity: no allocation once it has grown
    reply.writeString("sum=");
    reply.writeU64(sum);
    reply.writeString(" count=");
    reply.writeU32(count);
    reply.sendOrFail(stream); // a refused send, or a buffer that could not grow, fails the stream
    // #endregion reply
  }
}

registerServerStreamHandler(() => new Sum());

export * from "ixt-sdk-as/exports";
