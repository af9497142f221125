// Upper: replies to each Data frame with one Data frame, its UTF-8 text upper-cased (Unicode case
// mapping, as JavaScript's toUpperCase: "ß" becomes "SS"). The output is always valid UTF-8:
//
// - Valid text is kept whole. Each invalid sequence becomes U+FFFD and the text after it goes on
//   (`decodeUtf8`, as WHATWG's decoder): `a\xffbcd` becomes `A\uFFFDBCD`.
// - A character split across two Data frames is carried: when a frame ends inside a character that more
//   bytes could still complete (`completeUtf8Len`), those 1 to 3 bytes are kept in the handler and put in
//   front of the next frame's payload. Its reply has the text up to the split (possibly empty), the next
//   reply the rest, so the replies joined are the upper-cased text of the payloads joined.
// - At the caller's Close, a partial character still carried goes out as U+FFFD in one more Data frame,
//   then the stream closes with Normal (onClose is overridden; the default would drop it).
//
// Memory: a frame's work is proportional to its size (its payload, a decoded copy, the upper-cased copy
// and its UTF-8, which may be queued): up to WORK_PER_BYTE bytes per payload byte. Each frame asks
// `memoryAvailable` for that first; if the memory cannot be had, the stream fails with ResourceExhausted
// instead of trapping the module. A reply that can neither go out nor be queued (QueueFull, NoMemory), or
// that the host refuses, fails the stream with `errorCodeFor(status)` (ResourceExhausted, PayloadTooLarge
// or Internal), as in stream_echo; a queued reply the host refuses later fails it through `onSendFailed`.

import {
  CloseReason,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  completeUtf8Len,
  decodeUtf8,
  errorCodeFor,
  isSent,
  memoryAvailable,
  registerServerStreamHandler,
} from "ixt-sdk-as";

/**
 * Working memory per payload byte, generously: the carried copy (1), the decoded string (2 per UTF-16
 * unit), toUpperCase's buffer (6 per unit before it is shrunk) and the UTF-8 reply (up to 3: an invalid
 * byte becomes the 3 bytes of U+FFFD), twice if it is queued.
 */
const WORK_PER_BYTE: u64 = 16;
/** Working memory per frame besides that. */
const WORK_FIXED: u64 = 256;

/** U+FFFD in UTF-8, sent from static memory. */
const REPLACEMENT_UTF8: usize = memory.data<u8>([0xef, 0xbf, 0xbd]);

class Upper extends ServerStreamHandler {
  /** The first bytes of a character the last frame ended inside (1 to 3 bytes, first byte lowest). */
  private carry: u32 = 0;
  /** How many bytes `carry` holds: 0 when the last frame ended on a character boundary. */
  private carryLen: usize = 0;

  override onData(stream: StreamSender, frame: StreamFrame): void {
    const carried = this.carryLen;
    const total = carried + frame.payloadLen;
    // #region memory
    const need = <u64>total * WORK_PER_BYTE + WORK_FIXED;
    if (need > <u64>usize.MAX_VALUE || !memoryAvailable(<usize>need)) {
      this.carryLen = 0;
      stream.error(StreamErrorCode.ResourceExhausted, "upper: not enough memory for this frame");
      return;
    }
    // #endregion memory
    // The bytes to convert: the carried ones, then the payload (read in place when nothing is carried).
    let src = frame.payloadPtr;
    if (carried) {
      src = heap.alloc(total);
      for (let i: usize = 0; i < carried; ++i) store<u8>(src + i, <u8>(this.carry >>> ((<u32>i) << 3)));
      memory.copy(src + carried, frame.payloadPtr, frame.payloadLen);
    }
    // #region carry
    // A character cut off at the end waits for the next frame.
    const complete = completeUtf8Len(src, total);
    let carry: u32 = 0;
    for (let i = total; i > complete; --i) carry = (carry << 8) | load<u8>(src + i - 1);
    this.carry = carry;
    this.carryLen = total - complete;
    // #endregion carry
    const text = decodeUtf8(src, complete);
    if (carried) heap.free(src);
    const status = stream.sendText(text.toUpperCase());
    if (!isSent(status)) stream.error(errorCodeFor(status), "upper refused");
  }

  override onClose(stream: StreamSender, reason: CloseReason): void {
    if (this.carryLen) {
      // The text ended inside a character: what was carried is one invalid sequence.
      this.carryLen = 0;
      const status = stream.sendData(REPLACEMENT_UTF8, 3);
      if (!isSent(status)) {
        stream.error(errorCodeFor(status), "upper refused");
        return;
      }
    }
    stream.close(CloseReason.Normal);
  }
}

registerServerStreamHandler(() => new Upper());

export * from "ixt-sdk-as/exports";
