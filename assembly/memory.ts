// The buffers the runtime writes inbound frames into (docs/ABI.md, "Module exports").

/** Largest size `ixt_alloc` serves: 1 GiB − 16, within AssemblyScript's largest allocator block. */
export const ALLOC_MAX: usize = (1 << 30) - 16;

/** Allocates `size` bytes for the runtime; returns 0 when it cannot. Exported to the runtime. */
export function ixt_alloc(size: usize): usize {
  if (size > ALLOC_MAX) return 0;
  return heap.alloc(size);
}

/** Releases a buffer from `ixt_alloc`. Exported to the runtime. */
export function ixt_dealloc(ptr: usize, size: usize): void {
  if (ptr) heap.free(ptr);
}
