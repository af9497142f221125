// A producer: a stream that sends many frames of its own, paced by the caller's credit.
//
// Usage: extend `ProducerHandler`, check the request in `start` (optional), and write `produce`, which
// offers one chunk with `this.offerData`/`offerText`/`offerBytes` and returns false when there is
// nothing more to send. The class does the rest: it produces while `stream.writable` covers the next
// chunk, waits for `onWritable` when it does not (or when the queue is full), goes on after the caller's
// Close, fails the stream with `errorCodeFor(status)` when a send is refused, and closes with Normal
// after the last chunk.
//
//   class Ticker extends ProducerHandler {
//     private next: u32 = 1;
//     override produce(stream: StreamSender): bool {
//       if (this.next > 10) return false;                           // done: the stream closes
//       if (this.offerText(stream, this.next.toString())) this.next++; // taken, or wait and retry
//       return true;
//     }
//   }
//
// Override `start`, not `onOpen` (onOpen calls start, then produces); override `onWritable` and
// `onClose` only to call `super` first.

import { CloseReason, SendStatus } from "../abi/enums";
import { StreamFrame } from "../frames/frame";
import { OpenDecision, ServerStreamHandler } from "./handler";
import { StreamSender } from "../sending/sender";
import { errorCodeFor, isSent, refusalMessage } from "../sending/status";

/**
 * A `ServerStreamHandler` that produces a stream of frames paced by credit. Extend it with `produce`
 * (one chunk per call, `false` when done) and, to check the Open's request, `start`.
 *
 * Pacing: a chunk is sent only while `stream.writable` covers it (an empty chunk needs `writable > 0`),
 * so a producer never fills its queue from credit it does not have; otherwise the offer returns false,
 * production pauses, and `onWritable` resumes it with the same chunk. A send answered `QueueFull` pauses
 * the same way. Any other refusal (`NoMemory`, a host status) fails the stream with
 * `errorCodeFor(status)` and `refusalMessage(status)`: nothing is dropped in silence. The caller's Close
 * does not stop a producer (the default handler would close at once); it closes itself with Normal
 * after the last chunk.
 */
export abstract class ProducerHandler extends ServerStreamHandler {
  // The last offer was not taken: stop producing until onWritable.
  private paused: bool = false;

  /**
   * Checks the Open (its method, context, request payload) and sets the producer up; production starts
   * when it returns `OpenDecision.accept()` (the default). Return `OpenDecision.reject(code)` to refuse.
   */
  start(stream: StreamSender, frame: StreamFrame): OpenDecision {
    return OpenDecision.accept();
  }

  /**
   * Offers the next chunk with `offerData`, `offerText` or `offerBytes` and returns true, or returns false
   * when there is nothing more to send (the stream then closes with Normal). When the offer returns
   * false, keep the chunk: `produce` is called again for it once the stream can take it. A `produce` that
   * returns true must offer a chunk or end the stream (`stream.error`), or it is called again at once.
   */
  abstract produce(stream: StreamSender): bool;

  /** Calls `start`, then, when it accepted, produces as far as the credit allows. */
  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    const decision = this.start(stream, frame);
    if (decision.accepted) this.resume(stream);
    return decision;
  }

  /** Produces again: the stream can take more. */
  override onWritable(stream: StreamSender): void {
    this.resume(stream);
  }

  /** The caller's Close ends its input, not this stream: production goes on until `produce` says done. */
  override onClose(stream: StreamSender, reason: CloseReason): void {}

  /**
   * Calls `produce` while the stream takes its chunks; closes with Normal when it returns false. Called
   * from `onOpen` and `onWritable`; call it yourself only to restart production from another callback.
   */
  resume(stream: StreamSender): void {
    this.paused = false;
    while (!stream.isClosed) {
      if (!this.produce(stream)) {
        if (!stream.isClosed) stream.close(CloseReason.Normal);
        return;
      }
      if (this.paused) return;
    }
  }

  /**
   * Sends the `len` bytes at `ptr` as one Data frame when the stream can take them now. Returns true
   * when the chunk was taken (sent, or queued behind a WouldBlock); false when it was not: the stream
   * cannot take it yet (production pauses until `onWritable`), or it was refused and the stream has
   * failed with `errorCodeFor(status)`.
   */
  offerData(stream: StreamSender, ptr: usize, len: usize): bool {
    return this.fits(stream, len) && this.taken(stream, stream.sendData(ptr, len));
  }

  /** `offerData` with the bytes of `bytes`. */
  offerBytes(stream: StreamSender, bytes: Uint8Array): bool {
    return this.offerData(stream, bytes.dataStart, <usize>bytes.byteLength);
  }

  /**
   * `offerData` with `text` encoded as UTF-8 (a lone surrogate becomes U+FFFD). Checks the credit before
   * encoding, so a paused offer costs no copy; `NoMemory` for the encoded copy fails the stream.
   */
  offerText(stream: StreamSender, text: string): bool {
    return (
      this.fits(stream, <usize>String.UTF8.byteLength(text)) && this.taken(stream, stream.sendText(text))
    );
  }

  // True when `writable` covers `len` bytes (an empty chunk needs it above 0); otherwise pauses.
  private fits(stream: StreamSender, len: usize): bool {
    const writable = stream.writable;
    if (writable != 0 && writable >= <u64>len) return true;
    this.paused = true;
    return false;
  }

  // What a send's `status` means for the offer: taken (true), or not: QueueFull pauses, anything else
  // fails the stream.
  private taken(stream: StreamSender, status: i32): bool {
    if (isSent(status)) return true;
    if (status == SendStatus.QueueFull)
      this.paused = true; // not taken: offered again from onWritable
    else stream.error(errorCodeFor(status), refusalMessage(status));
    return false;
  }
}
