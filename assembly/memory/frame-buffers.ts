// The buffers the runtime writes inbound frames into (docs/ABI.md, "Module exports" and "Memory").
//
// Each buffer is a raw block with a small header in front of the bytes the runtime sees, so `ixt_dealloc`
// can tell a live buffer from a double free or a stray pointer and ignore the latter, and knows the
// buffer's capacity without trusting the size the runtime passes back:
// ┌─────────────┬────────────────┬──────────────────┬───────────────────────────────┐
// │ state (u32) │ capacity (u32) │ (8 bytes unused) │ frame bytes …                 │
// └─────────────┴────────────────┴──────────────────┴───────────────────────────────┘
// ^ raw block (heap.ts: rawAlloc)                   ^ what ixt_alloc returns (16-byte aligned)

import { AL_MASK, BLOCK_MAXSIZE, BLOCK_OVERHEAD } from "rt/common";
import { callActive, frameHandedOut } from "../call/call";
import { FRAME_HEADER_LEN } from "../abi/layout";
import { canAllocateCollecting } from "./gc";
import { canAllocate, keepSpare, rawAlloc, releaseSpare, spareBlock, takeSpare } from "./heap";

// @ts-ignore: decorator
@inline const HEADER: usize = 16;
// @ts-ignore: decorator
@inline const CAPACITY: usize = 4;
// @ts-ignore: decorator
@inline const LIVE: u32 = 0x11fe_b0f5; // handed to the runtime; odd, so never a free-list pointer
// @ts-ignore: decorator
@inline const KEPT: u32 = 0x5ba_e0f7; // freed by the runtime and kept for the next frame
// @ts-ignore: decorator
@inline const NOT_WRITTEN: u8 = 0xff; // a handed-out buffer's kind byte until the runtime writes a frame

/** Largest size `ixt_alloc` can ever serve: 1 GiB − 32, within AssemblyScript's largest block. */
export const ALLOC_MAX: usize = BLOCK_MAXSIZE - HEADER - (BLOCK_MAXSIZE & AL_MASK);

/** Default for `setMaxFrameSize`: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE: usize = 16 << 20;

// @ts-ignore: decorator
@lazy let maxFrame: usize = DEFAULT_MAX_FRAME_SIZE;

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
// next frame without a trip through the allocator. The largest one seen (up to the largest frame) is kept
// (heap.ts: keepSpare): giving a large buffer back would let small objects settle in its place, and the
// next large frame would need fresh memory. Any allocation that would otherwise fail frees it.

/**
 * True when the kept buffer can serve a frame of `size` bytes (`allocKeptFrame`): the usual frame, whose
 * allocation then makes no call.
 */
// @ts-ignore: decorator
@inline
export function keptBufferServes(size: usize): bool {
  const block = spareBlock();
  return block != 0 && size <= <usize>load<u32>(block, CAPACITY) && size <= maxFrame;
}

/** `allocFrame` when `keptBufferServes(size)`: the kept buffer, handed out. */
// @ts-ignore: decorator
@inline
export function allocKeptFrame(size: usize): usize {
  return handOut(takeSpare(), size);
}

/**
 * Allocates `size` bytes for the runtime (the export `ixt_alloc`) and records the buffer until the
 * dispatcher takes it; returns 0 above the largest frame or when memory cannot be had.
 */
export function allocFrame(size: usize): usize {
  if (keptBufferServes(size)) return allocKeptFrame(size);
  if (size > maxFrame) return 0;
  // Collecting is safe only between dispatcher calls (after a trap, a call still reads as active until
  // the next one recovers it). canAllocate frees the kept buffer itself before saying no.
  const room = callActive() ? canAllocate(size + HEADER) : canAllocateCollecting(size + HEADER);
  if (!room) return 0;
  const block = rawAlloc(size + HEADER);
  store<u32>(block, <u32>size, CAPACITY);
  return handOut(block, size);
}

// Marks `block` live and records it until the dispatcher takes it; returns what the runtime gets.
// @ts-ignore: decorator
@inline
function handOut(block: usize, size: usize): usize {
  store<u32>(block, LIVE);
  const ptr = block + HEADER;
  // Only a buffer that can hold a frame header is recorded: a shorter frame names no stream, and the
  // dispatcher answers it without touching one. The kind byte 0xFF is no frame kind, so a buffer the
  // runtime never wrote is never taken for a frame (recovery.ts: recoverUndispatched).
  if (size >= FRAME_HEADER_LEN) {
    store<u8>(ptr, NOT_WRITTEN);
    frameHandedOut(ptr);
  }
  return ptr;
}

/**
 * True when `freeFrame(ptr)` keeps the buffer at `ptr` with nothing to free (`keepFreedFrame`): the usual
 * release, a live buffer no larger than the largest frame while no other is kept.
 */
// @ts-ignore: decorator
@inline
export function freedFrameKeptAlone(ptr: usize): bool {
  return spareBlock() == 0 && isLiveBuffer(ptr) && <usize>load<u32>(ptr - HEADER, CAPACITY) <= maxFrame;
}

/** `freeFrame(ptr)` when `freedFrameKeptAlone(ptr)`: the buffer is kept for the next frame. */
// @ts-ignore: decorator
@inline
export function keepFreedFrame(ptr: usize): void {
  const block = ptr - HEADER;
  store<u32>(block, KEPT);
  keepSpare(block);
}

/**
 * Releases a buffer from `ixt_alloc` (the export `ixt_dealloc`; its `size` is not needed). Anything else, or
 * a second free, is ignored.
 */
// @ts-ignore: decorator
@inline
export function freeFrame(ptr: usize): void {
  if (!isLiveBuffer(ptr)) return;
  const block = ptr - HEADER;
  // Keep the larger of this buffer and the one kept (up to the largest frame); free the other.
  const capacity = <usize>load<u32>(block, CAPACITY);
  const kept = spareBlock();
  if (capacity <= maxFrame && (kept == 0 || capacity > <usize>load<u32>(kept, CAPACITY))) {
    releaseSpare();
    keepFreedFrame(ptr);
  } else {
    store<u32>(block, 0);
    heap.free(block);
  }
}

/** True when `ptr` is a buffer from `ixt_alloc` that the runtime has not released. */
export function isLiveBuffer(ptr: usize): bool {
  const lowest = __heap_base + HEADER + BLOCK_OVERHEAD;
  // lowest <= ptr <= the memory's size in one unsigned compare: at 4 GiB the size wraps to 0, and the span
  // with it, to its true value.
  const span = ((<usize>memory.size()) << 16) - lowest;
  if (ptr & AL_MASK || ptr - lowest > span) return false;
  return load<u32>(ptr - HEADER) == LIVE;
}
