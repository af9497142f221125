// Garbage collection under the minimal runtime (docs/ABI.md, "Memory").
//
// The preset builds with `--runtime minimal`: TLSF plus a mark-and-sweep collector that never runs by
// itself and keeps no shadow stack (the incremental runtime's shadow stack cost every call and leaked on
// every trap). It can only collect where no managed reference is on the wasm stack, because it does not
// see the stack. The SDK collects at exactly such points:
// - at the end of each dispatcher call, once the module has allocated max(GC_MIN_BYTES, 1 KiB × streams
//   in the table) since the last collection (every handler call has returned by then);
// - at the start of an Open and inside `ixt_alloc`, when memory is short, before answering "no memory".
// The preset routes the runtime's allocations through `__ixt_alloc` (`--use __alloc=__ixt_alloc`) to
// count them. The SDK's own raw buffers (frames, queued frames) call TLSF directly (heap.ts: `rawAlloc`):
// they are freed at once and owe the collector nothing. A module built without the preset still builds
// (with its own runtime's collection), it just is not counted.

import { __alloc as tlsfAlloc } from "rt/tlsf";
import { canAllocate } from "./heap";
import { liveStreamCount } from "./streams";

/** Managed bytes allocated between two collections at least (1 MiB). */
export const GC_MIN_BYTES: usize = 1 << 20;

/** Managed bytes allocated since the last collection. */
let allocatedSinceCollect: usize = 0;
let threshold: usize = GC_MIN_BYTES;

/** The preset's `__alloc`: counts the allocation, then allocates with TLSF. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_alloc(size: usize): usize {
  allocatedSinceCollect += size;
  return tlsfAlloc(size);
}

/** True once enough has been allocated since the last collection for the next one to be due. */
// @ts-ignore: decorator
@inline
export function collectionDue(): bool {
  return allocatedSinceCollect >= threshold;
}

/**
 * Collects now. Only where no managed reference lives on the wasm stack: between dispatcher calls, or at
 * the start of one before anything managed was touched. The next threshold grows with the streams in the
 * table, so a module with many streams (whose objects each collection walks) collects less often.
 */
export function collect(): void {
  __collect();
  allocatedSinceCollect = 0;
  threshold = max(GC_MIN_BYTES, (<usize>liveStreamCount()) << 10);
}

/**
 * `canAllocate(size)`, collecting once first if that is what it takes. Only where `collect` is safe.
 */
export function canAllocateCollecting(size: usize): bool {
  if (canAllocate(size)) return true;
  collect();
  return canAllocate(size);
}
