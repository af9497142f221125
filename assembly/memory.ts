// The buffers the runtime writes inbound frames into (docs/ABI.md, "Module exports" and "Memory").
//
// Each buffer carries a small header in front of the bytes the runtime sees, so `ixt_dealloc` can tell
// a live buffer from a double free or a stray pointer and ignore the latter:
// ┌─────────────┬──────────────────┬───────────────────────────────┐
// │ state (u32) │ (12 bytes unused)│ frame bytes …                 │
// └─────────────┴──────────────────┴───────────────────────────────┘
// ^ TLSF block payload              ^ what ixt_alloc returns (16-byte aligned)

import { AL_MASK, BLOCK, BLOCK_MAXSIZE, BLOCK_OVERHEAD } from "rt/common";
import { callActive } from "./call";
import { canAllocateCollecting } from "./gc";
import { canAllocate, rawAlloc } from "./heap";

// @ts-ignore: decorator
@inline const HEADER: usize = 16;
// @ts-ignore: decorator
@inline const LIVE: u32 = 0x11fe_b0f5; // handed to the runtime; odd, so never a block pointer
// @ts-ignore: decorator
@inline const KEPT: u32 = 0x5ba_e0f7; // freed by the runtime and kept for the next frame
// @ts-ignore: decorator
@inline const FREE_BIT: usize = 1; // TLSF's FREE tag in a block's mmInfo

/** Largest size `ixt_alloc` can ever serve: 1 GiB − 32, within AssemblyScript's largest block. */
export const ALLOC_MAX: usize = BLOCK_MAXSIZE - HEADER - (BLOCK_MAXSIZE & AL_MASK);

/** Default for `setMaxFrameSize`: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE: usize = 16 << 20;

let maxFrame: usize = DEFAULT_MAX_FRAME_SIZE;

/**
 * Sets the largest inbound frame, in bytes (default 16 MiB, at most `ALLOC_MAX`): `ixt_alloc` answers 0
 * above it, and the runtime fails that stream.
 */
export function setMaxFrameSize(bytes: usize): void {
  maxFrame = min(bytes, ALLOC_MAX);
}

/** The largest inbound frame `ixt_alloc` serves (`setMaxFrameSize`). */
export function maxFrameSize(): usize {
  return maxFrame;
}

// The runtime allocates, dispatches and frees one frame at a time, so one freed buffer, kept, serves the
// next frame without a trip through the allocator. The largest one seen (up to the largest frame) is kept:
// giving a large buffer back would let small objects settle in its place, and the next large frame would
// need fresh memory. It is given back when memory is short (`releaseSpare`). 0: none kept; else the header.
let spare: usize = 0;

/** Frees the frame buffer kept for reuse, if any. Returns true when there was one. */
export function releaseSpare(): bool {
  const kept = spare;
  if (!kept) return false;
  spare = 0;
  freeBuffer(kept);
  return true;
}

// Gives a frame buffer (its header's address) back to the allocator, marked as no longer ours.
function freeBuffer(block: usize): void {
  store<u32>(block, 0);
  heap.free(block);
}

// A buffer's usable capacity, from the allocator's block header: never the size the runtime passes back.
// @ts-ignore: decorator
@inline
function capacityOf(block: usize): usize {
  return (changetype<BLOCK>(block - BLOCK_OVERHEAD).mmInfo & ~3) - HEADER;
}

/** Allocates `size` bytes for the runtime; returns 0 above the largest frame or when memory cannot be had. */
export function ixt_alloc(size: usize): usize {
  if (size > maxFrame) return 0;
  let block = spare;
  if (block != 0 && size <= capacityOf(block)) {
    spare = 0;
  } else {
    // Collecting is safe only between dispatcher calls (after a trap, a call still reads as active until
    // the next one recovers it). canAllocate gives the kept buffer back itself before saying no.
    const room = callActive() ? canAllocate(size + HEADER) : canAllocateCollecting(size + HEADER);
    if (!room) return 0;
    block = rawAlloc(size + HEADER);
  }
  store<u32>(block, LIVE);
  return block + HEADER;
}

/** Releases a buffer from `ixt_alloc` (its `size` is not needed). Anything else, or a second free, is ignored. */
export function ixt_dealloc(ptr: usize, size: usize): void {
  if (!isLiveBuffer(ptr)) return;
  const block = ptr - HEADER;
  // Keep the larger of this buffer and the one kept (up to the largest frame); free the other.
  const capacity = capacityOf(block);
  if (capacity <= maxFrame + 4096 && (spare == 0 || capacity > capacityOf(spare))) {
    releaseSpare();
    store<u32>(block, KEPT);
    spare = block;
  } else {
    freeBuffer(block);
  }
}

/** True when `ptr` is a buffer from `ixt_alloc` that the runtime has not released. */
export function isLiveBuffer(ptr: usize): bool {
  if (ptr & AL_MASK || ptr < __heap_base + HEADER + BLOCK_OVERHEAD) return false;
  if (<u64>ptr > (<u64>memory.size()) << 16) return false;
  const block = ptr - HEADER;
  return load<u32>(block) == LIVE && !(changetype<BLOCK>(block - BLOCK_OVERHEAD).mmInfo & FREE_BIT);
}
