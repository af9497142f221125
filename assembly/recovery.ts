// The module's next call after a trap (docs/ABI.md, "When the guest traps").

import {
  callFrame,
  clearTrappedCall,
  failureReported,
  markFailureReported,
  runningStreamHi,
  runningStreamLo,
} from "./call";
import { StreamErrorCode } from "./enums";
import { sendStaticError } from "./fatal";
import { freeFrame, isLiveBuffer } from "./frame-buffers";
import { LiveStream } from "./live-stream";
import { lookupStream } from "./stream-table";

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
