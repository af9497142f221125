// JSON canon: each Data frame carries one JSON text; the stream answers each with its compact form.
//
// Method "json.canon". A Data frame is one JSON text (RFC 8259, UTF-8, at most 1 MiB); the answer is one
// Data frame with its compact form: no insignificant whitespace, members in input order (duplicates
// kept), numbers exactly as written, strings re-escaped minimally (`\"`, `\\`, `\b \f \n \r \t`, other
// controls as lowercase `\u00xx`, everything else as UTF-8, `/` included). A frame that is not such a
// text fails its stream with InvalidArgument and "invalid JSON at byte <offset>: <reason>" (invalid
// UTF-8, a lone-surrogate escape and nesting deeper than 512 included); other streams go on, nothing
// traps. Answers go out as credit allows (queued until then; a caller more than two full answers ahead
// of its credit gets ResourceExhausted). The caller's Close closes the stream with Normal, after any
// queued answers.
//
// The compact form is never longer than the text (whitespace goes, no escape is written longer than it
// was read), so one module-wide buffer of at most 1 MiB holds any answer: the reader and the buffer are
// reused for every frame of every stream, and a frame allocates nothing.

import {
  ByteBuffer,
  JsonReader,
  JsonWriter,
  QUEUED_FRAME_OVERHEAD,
  ServerStreamHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  registerMethod,
  setStreamQueueLimit,
} from "ixt-sdk-as";

/** The largest text a frame may carry (1 MiB). */
const MAX_TEXT_BYTES: usize = 1 << 20;

const reader = new JsonReader();
const writer = new JsonWriter(new ByteBuffer(64 << 10, MAX_TEXT_BYTES));

class JsonCanon extends ServerStreamHandler {
  // #region canon
  override onData(stream: StreamSender, frame: StreamFrame): void {
    if (frame.payloadLen > MAX_TEXT_BYTES) {
      stream.error(StreamErrorCode.InvalidArgument, "JSON text larger than 1 MiB");
      return;
    }
    reader.reset(frame.payloadPtr, frame.payloadLen);
    writer.reset();
    writer.copyValue(reader);
    if (!reader.finish()) {
      stream.error(
        StreamErrorCode.InvalidArgument,
        "invalid JSON at byte " + reader.errorOffset.toString() + ": " + reader.errorMessage(),
      );
      return;
    }
    writer.out.sendOrFail(stream); // ResourceExhausted if the buffer could not grow, the refusal's code if refused
  }
  // #endregion canon
}

// Two full answers may wait for credit on one stream.
setStreamQueueLimit(2 * (MAX_TEXT_BYTES + QUEUED_FRAME_OVERHEAD));
registerMethod("json.canon", () => new JsonCanon());

export * from "ixt-sdk-as/exports";
