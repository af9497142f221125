// JSON: a producer that reads a JSON request and streams JSON, with the SDK's JsonReader and JsonWriter.
//
// Method "json" (registerMethod: any other method is answered Unimplemented). The Open's payload is the
// request {"count": N, "prefix": "p"}; the stream answers with N Data frames, the i-th (from 1) the compact
// JSON text {"seq":i,"text":"p<i>"} (the prefix followed by i in decimal, escaped as JSON.stringify does),
// each sent whole once `stream.writable` covers it (ProducerHandler), then Close(Normal). It goes on after
// the caller closes its side.
//
// Refused with InvalidArgument at Open (the reader never aborts, so the module serves other streams as
// before): more than 64 KiB; anything that is not one JSON text (RFC 8259: UTF-8 checked, nothing after
// it but whitespace, no lone-surrogate escape); not an object; a member other than "count" and "prefix",
// either missing or repeated; a count that is not plain digits from 0 to 1000000 (1.5, -1, -0, 1e3, 1.0,
// "5"); a prefix that is not a string. Member names are compared with escapes resolved ("co\u0075nt" is
// "count"). A prefix whose string cannot be allocated is answered ResourceExhausted, and so is a frame
// that cannot be built.

import {
  ByteBuffer,
  JsonError,
  JsonReader,
  JsonWriter,
  OpenDecision,
  ProducerHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  registerMethod,
} from "ixt-sdk-as";

/** A larger request is refused before it is looked at. */
const MAX_REQUEST_BYTES: usize = 64 * 1024;
/** The largest count accepted, so a request cannot keep a stream busy forever. */
const MAX_COUNT: u32 = 1_000_000;

// One reader and one frame buffer for the module: a frame is sent (or copied into the queue) before the
// callback returns, so streams need none of their own.
const reader = new JsonReader();
const writer = new JsonWriter(new ByteBuffer(256));

class JsonTicker extends ProducerHandler {
  private next: u32 = 1;
  private count: u32 = 0;
  private prefix: string = "";

  // #region request
  override start(stream: StreamSender, frame: StreamFrame): OpenDecision {
    if (frame.payloadLen > MAX_REQUEST_BYTES) return OpenDecision.reject(StreamErrorCode.InvalidArgument);
    const r = reader;
    r.reset(frame.payloadPtr, frame.payloadLen);
    let haveCount = false;
    let havePrefix = false;
    if (r.beginObject()) {
      while (r.nextMember()) {
        if (r.keyIs("count")) {
          if (haveCount) r.fail(JsonError.DuplicateMember);
          this.count = r.readU32();
          haveCount = true;
        } else if (r.keyIs("prefix")) {
          if (havePrefix) r.fail(JsonError.DuplicateMember);
          this.prefix = r.readString();
          havePrefix = true;
        } else r.fail(JsonError.UnknownMember);
      }
    }
    if (r.finish() && !haveCount) r.fail(JsonError.MissingMember, "count");
    if (r.ok && !havePrefix) r.fail(JsonError.MissingMember, "prefix");
    if (this.count > MAX_COUNT) r.fail(JsonError.OutOfRange);
    if (r.ok) return OpenDecision.accept();
    // The reason stays in the module (a debug build logs it): the runtime sees the code.
    return OpenDecision.reject(
      r.error == JsonError.NoMemory ? StreamErrorCode.ResourceExhausted : StreamErrorCode.InvalidArgument,
      r.errorReport(),
    );
  }
  // #endregion request

  // #region frame
  override produce(stream: StreamSender): bool {
    const seq = this.next;
    if (seq > this.count) return false; // done: the stream closes with Normal
    const w = writer;
    w.reset();
    w.beginObject();
    w.key("seq");
    w.unsigned(seq);
    w.key("text");
    w.beginString();
    w.chars(this.prefix);
    w.out.writeU32(seq);
    w.endString();
    w.endObject();
    if (w.out.failed) stream.error(StreamErrorCode.ResourceExhausted, "frame too large for memory");
    else if (this.offerData(stream, w.out.dataStart, w.out.length)) this.next++;
    return true;
  }
  // #endregion frame
}

registerMethod("json", () => new JsonTicker()); // any other method is answered Unimplemented

export * from "ixt-sdk-as/exports";
