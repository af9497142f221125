// Ticker: a producer that respects credit. The Open's request payload is a count N in decimal text (plain
// digits, at most 1,000,000); the stream emits N Data frames carrying "1", "2", … "N", each exactly once
// and in order, each sent whole only while `stream.writable` covers it, then closes with Normal, also
// after the caller has closed its side. `ProducerHandler` does the pacing: it waits for onWritable when
// the credit or the queue cannot take the next tick, and fails the stream with `errorCodeFor(status)`
// when a send is refused. An Open whose payload is not a decimal count is rejected (InvalidArgument).

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
