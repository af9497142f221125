// The module exports the runtime calls. A module's entry file re-exports them in one line:
//   export * from "ixt-sdk-as/assembly/exports";

import { handedOutFrame } from "./call/call";
import { allocFrame, freeFrame } from "./memory/frame-buffers";
import { answerLost } from "./dispatch/lost";
import { recoverUndispatched } from "./dispatch/recovery";
import { sectionsState, sectionsUnsafe } from "./call/sections";

export { ixt_module_handle_server_stream } from "./dispatch/dispatch";

/**
 * A buffer of `size` bytes for the runtime to write one inbound frame into, or 0 (above the largest frame,
 * memory that cannot be had, or a lost instance). docs/ABI.md, "Module exports".
 */
export function ixt_alloc(size: usize): usize {
  if ((sectionsState() | handedOutFrame()) != 0) {
    if (!settleBeforeBuffer()) return 0;
  }
  return allocFrame(size);
}

/** Releases a buffer from `ixt_alloc`; anything else, or a second release, is ignored. */
export function ixt_dealloc(ptr: usize, size: usize): void {
  if ((sectionsState() | handedOutFrame()) != 0) {
    if (!settleBeforeBuffer()) return;
  }
  freeFrame(ptr);
}

// What `ixt_alloc` and `ixt_dealloc` do first after a stop, behind the one test on their usual path: a lost
// instance is answered (false), and a frame handed out earlier that never reached the dispatcher fails
// its stream. A call that trapped outside every section also leads here (its flag is in the state word):
// the buffer is served as usual, and the dispatcher recovers the call.
function settleBeforeBuffer(): bool {
  if (sectionsUnsafe()) {
    answerLost(); // a lost instance fails its streams at its next call, then serves nothing (lost.ts)
    return false;
  }
  if (handedOutFrame()) recoverUndispatched(); // the last frame never reached the dispatcher
  return true;
}

/**
 * 1 when the instance is lost: a call was stopped inside the allocator, the collector or the SDK's
 * bookkeeping (docs/ABI.md, "When a call is stopped"), so the runtime should replace it; 0 otherwise.
 * Changes nothing and sends nothing.
 */
export function ixt_instance_lost(): i32 {
  return sectionsUnsafe() ? 1 : 0;
}

/**
 * The revision of the ABI (docs/ABI.md, "ABI revision") this SDK implements: an immutable `i32` global
 * export, which a runtime or `ixt-as check` reads without running the module. Costs nothing at run time.
 */
export const ixt_abi_revision: i32 = 2;
