// What the stream table and the blocked list know of a stream: its id, copied for lookups, and its links
// on the blocked list. The dispatcher's streams (live-stream.ts) are the only entries.

import { StreamSender } from "../sending/sender";
import { SenderOwner } from "../sending/sender-owner";

/** A stream as the table and the blocked list hold it. Subclassed by `LiveStream` only. */
export abstract class StreamEntry extends SenderOwner {
  /** First 8 bytes of the stream id (little-endian). */
  readonly idLo: u64;
  /** Last 8 bytes of the stream id. */
  readonly idHi: u64;
  /** Neighbours on the blocked list, while blocked. */
  prevBlocked: StreamEntry | null = null;
  nextBlocked: StreamEntry | null = null;
  /** `callSerial()` of the call that blocked it: it is retried only at the end of later calls. */
  blockedInCall: u32 = 0;

  constructor(idPtr: usize) {
    super();
    this.idLo = load<u64>(idPtr);
    this.idHi = load<u64>(idPtr, 8);
  }

  /** The stream's sender (the one its handler's callbacks get). */
  abstract get sender(): StreamSender;
}
