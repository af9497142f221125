// The module exports the runtime calls. A module's entry file re-exports them in one line:
//   export * from "ixt-sdk-as/assembly/exports";

import { handedOutFrame } from "./call/call";
import {
  allocFrame,
  allocKeptFrame,
  freeFrame,
  freedFrameKeptAlone,
  keepFreedFrame,
  keptBufferServes,
} from "./memory/frame-buffers";
import { answerLost } from "./dispatch/lost";
import { recoverUndispatched } from "./dispatch/recovery";
import { sectionsState, sectionsUnsafe } from "./call/sections";

export { ixt_module_handle_server_stream } from "./dispatch/dispatch";

/**
 * A buffer of `size` bytes for the runtime to write one inbound frame into, or 0 (above the largest frame,
 * memory that cannot be had, or a lost instance). docs/ABI.md, "Module exports".
 */
export function ixt_alloc(size: usize): usize {
  // The usual frame: nothing to settle, and the kept buffer holds it. This path makes no call, so the export
  // needs no callee-saved register (Cranelift saves them for the whole function): each other path is one
  // call with nothing after it.
  if ((sectionsState() | handedOutFrame()) != 0) return bufferCallOtherwise(true, size);
  if (!keptBufferServes(size)) return bufferCallOtherwise(true, size);
  return allocKeptFrame(size);
}

/** Releases a buffer from `ixt_alloc`; anything else, or a second release, is ignored. */
export function ixt_dealloc(ptr: usize, size: usize): void {
  // The usual release keeps the buffer for the next frame, with no call (as in ixt_alloc).
  if ((sectionsState() | handedOutFrame()) == 0 && freedFrameKeptAlone(ptr)) {
    keepFreedFrame(ptr);
  } else {
    bufferCallOtherwise(false, ptr);
  }
}

// `ixt_alloc(arg)` or `ixt_dealloc(arg)` off their usual path. One function for both, so that Binaryen,
// seeing three callers, keeps it out of line. First what a stop left: a lost instance is answered (0), and a
// frame handed out earlier that never reached the dispatcher fails its stream. A call that trapped outside
// every section also leads here (its flag is in the state word): the buffer is served as usual, and the
// dispatcher recovers the call.
function bufferCallOtherwise(alloc: bool, arg: usize): usize {
  if (sectionsUnsafe()) {
    answerLost(); // a lost instance fails its streams at its next call, then serves nothing (lost.ts)
    return 0;
  }
  if (handedOutFrame()) recoverUndispatched(); // the last frame never reached the dispatcher
  if (alloc) return allocFrame(arg);
  freeFrame(arg);
  return 0;
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
