// Ticker: a producer paced by credit. The Open's payload is a count N in decimal (plain digits, at most
// 1,000,000; anything else is rejected with InvalidArgument); the stream sends "1", "2", … "N", each whole
// once the caller's credit covers it, then closes with Normal, also after the caller has closed its side.

import {
  OpenDecision,
  ProducerHandler,
  StreamErrorCode,
  StreamFrame,
  StreamSender,
  parseDecimal,
  registerServerStreamHandler,
} from "ixt-sdk-as";

/** The largest count accepted, so a request cannot keep a stream busy forever. */
const MAX_COUNT: u32 = 1_000_000;

class Ticker extends ProducerHandler {
  private next: u32 = 1;
  private count: u32 = 0;

  override start(stream: StreamSender, frame: StreamFrame): OpenDecision {
    const count = parseDecimal(frame.payloadPtr, frame.payloadLen, MAX_COUNT); // in place: never copied
    if (!count.ok) return OpenDecision.reject(StreamErrorCode.InvalidArgument);
    this.count = <u32>count.value;
    return OpenDecision.accept();
  }

  override produce(stream: StreamSender): bool {
    if (this.next > this.count) return false; // the last tick is out: close
    if (this.offerText(stream, this.next.toString())) this.next++; // not taken: offered again later
    return true;
  }
}

registerServerStreamHandler(() => new Ticker());

export * from "ixt-sdk-as/exports";
