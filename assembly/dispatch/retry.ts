// Retrying the streams the host answered WouldBlock, at the end of a dispatcher call (docs/ABI.md,
// "Host refusals": Retries).

import { callSerial, runStreamCode } from "../call/call";
import { blockedStreamCount, firstBlocked, requeueBlocked } from "../streams/blocked-list";
import { LiveStream } from "../streams/live-stream";

/** Most blocked streams retried at the end of one dispatcher call (the rest wait for the next call). */
export const RETRIES_PER_CALL: i32 = 16;

/**
 * Retries the streams the host answered WouldBlock before this call, oldest first, at most
 * `RETRIES_PER_CALL` of them. A stream that can take more afterwards hears of it through `onWritable`.
 */
export function retryBlocked(): void {
  const now = callSerial();
  let entry = firstBlocked();
  for (let n = min(blockedStreamCount(), RETRIES_PER_CALL); entry && n > 0; n--) {
    const next = entry.nextBlocked; // read first: the retry may move or unlink this stream
    if (entry.blockedInCall != now) {
      const stream = changetype<LiveStream>(entry); // every entry is a LiveStream
      runStreamCode(stream.idLo, stream.idHi); // a failure in its callbacks is reported on this stream
      const sender = stream.sender;
      sender.retry();
      if (sender.isBlocked) requeueBlocked(stream);
      else if (sender.writable > 0) stream.handler.onWritable(sender);
    }
    entry = next;
  }
}
