// The buffers the runtime writes inbound frames into (docs/ABI.md, "Module exports").

import { BLOCK, BLOCK_OVERHEAD } from "rt/common";

/** Largest size `ixt_alloc` serves: 1 GiB − 16, within AssemblyScript's largest allocator block. */
export const ALLOC_MAX: usize = (1 << 30) - 16;

/** Largest buffer kept for reuse after `ixt_dealloc` (2 MiB: a 1 MiB payload's frame fits). */
const SPARE_MAX: usize = 2 << 20;

// The runtime allocates, dispatches and frees one frame at a time, so one freed buffer, kept, serves the
// next frame without a trip through the allocator. 0: none kept.
let spare: usize = 0;

// A buffer's real capacity, from the allocator's block header: never the size the runtime passes back.
// @ts-ignore: decorator
@inline
function capacityOf(ptr: usize): usize {
  return changetype<BLOCK>(ptr - BLOCK_OVERHEAD).mmInfo & ~3;
}

/** Allocates `size` bytes for the runtime; returns 0 when it cannot. Exported to the runtime. */
export function ixt_alloc(size: usize): usize {
  const kept = spare;
  if (kept != 0 && size <= capacityOf(kept)) {
    spare = 0;
    return kept;
  }
  if (size > ALLOC_MAX) return 0;
  return heap.alloc(size);
}

/** Releases a buffer from `ixt_alloc` (its `size` is not needed). Exported to the runtime. */
export function ixt_dealloc(ptr: usize, size: usize): void {
  if (!ptr) return;
  // Keep the larger of this buffer and the one kept (up to SPARE_MAX); free the other.
  const capacity = capacityOf(ptr);
  if (capacity <= SPARE_MAX && (spare == 0 || capacity > capacityOf(spare))) {
    if (spare != 0) heap.free(spare);
    spare = ptr;
  } else {
    heap.free(ptr);
  }
}
