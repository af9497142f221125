// The module's next call after a trap (docs/ABI.md, "When the guest traps").

import {
  callFrame,
  clearTrappedCall,
  failureReported,
  frameTaken,
  handedOutFrame,
  markFailureReported,
  runningStreamHi,
  runningStreamLo,
} from "../call/call";
import { FrameKind, StreamErrorCode } from "../abi/enums";
import { sendStaticError } from "../call/fatal";
import { freeFrame, isLiveBuffer } from "../memory/frame-buffers";
import { LiveStream } from "../streams/live-stream";
import { STREAM_ID_OFFSET } from "../abi/layout";
import { lookupStream } from "../streams/stream-table";

/**
 * The message a stream whose call trapped is failed with (Internal) at the module's next call, when the
 * SDK could not report it before the trap (a stack overflow, another engine trap, or a call the runtime
 * stopped). docs/abi.json holds the same text.
 */
export const TRAPPED_MESSAGE = "the module trapped while serving this stream";

/**
 * The previous call trapped and the host is calling again with the frame at `currentFrame`. The stream whose
 * code was running is finished (with Internal, unless the SDK already sent its Error), the frame buffer of the
 * trapped call is reclaimed unless the host has reused it for this one, and every other stream carries on as
 * it was. The dispatcher restores the shadow stack pointer itself, before calling this.
 */
export function recoverFromTrap(currentFrame: usize): void {
  const entry = lookupStream(runningStreamLo(), runningStreamHi());
  if (entry) {
    const sender = changetype<LiveStream>(entry).sender;
    if (!failureReported()) {
      markFailureReported(); // first: if this call is stopped too, the next one does not send it again
      sendStaticError(sender.idPtr, StreamErrorCode.Internal, TRAPPED_MESSAGE);
    }
    sender.terminate();
  }
  const trapped = callFrame();
  if (trapped != currentFrame && isLiveBuffer(trapped)) freeFrame(trapped);
  clearTrappedCall();
}

/**
 * The buffer `ixt_alloc` handed out was never taken by the dispatcher: the runtime stopped the dispatcher
 * at its first instruction, so no code of the call ran. The frame's stream is the one whose call trapped:
 * for Data, Close and Credit it gets Internal as after any trap, for the caller's Cancel or Error it just
 * finishes (as if the frame had been handled and its callback had trapped), and an Open never opened. The
 * other streams are untouched. Called by every export that finds a buffer still handed out.
 */
export function recoverUndispatched(): void {
  const ptr = handedOutFrame();
  frameTaken(); // first: a recovery stopped in its turn is not repeated
  if (!isLiveBuffer(ptr)) return; // ixt_alloc records only buffers that can hold a frame header
  const kind = <u32>load<u8>(ptr);
  if (kind == FrameKind.Open || kind > <u32>FrameKind.Credit) return; // never written, or nothing to undo
  const entry = lookupStream(load<u64>(ptr, STREAM_ID_OFFSET), load<u64>(ptr, STREAM_ID_OFFSET + 8));
  if (!entry) return;
  const sender = changetype<LiveStream>(entry).sender;
  if (kind != FrameKind.Cancel && kind != FrameKind.Error) {
    sendStaticError(sender.idPtr, StreamErrorCode.Internal, TRAPPED_MESSAGE);
  }
  sender.terminate();
}
