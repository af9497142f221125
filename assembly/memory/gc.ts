// The collector's policy (docs/ABI.md, "Memory").
//
// The preset builds with AssemblyScript's `incremental` runtime: TLSF plus an incremental mark-and-sweep
// collector that keeps a shadow stack of every managed reference a function holds across a call, so it can
// run during any allocation. Garbage a handler makes inside one callback (strings built in a loop, a Map per
// frame) is collected while the callback runs, not only after it returns.
//
// Every managed allocation reaches TLSF through `__ixt_alloc` (the preset's `--use __alloc=__ixt_alloc`).
// It asks the SDK's fallible allocator first (heap.ts: canAllocate), so that an allocation the host's memory
// cap refuses never reaches TLSF's `unreachable()`. When memory cannot be had it collects in full (with the
// shadow stack, every live reference is known, so this is safe at any allocation), and if memory still
// cannot be had, the stream whose code is running is failed with ResourceExhausted and a message giving the
// size, and the call traps (fatal.ts: outOfMemory). The next call recovers the instance.
//
// The SDK's own raw buffers (frames, queued frames) call TLSF directly (heap.ts: `rawAlloc`): they are freed
// at once and owe the collector nothing.

import { BLOCK_MAXSIZE } from "rt/common";
import { __alloc as tlsfAlloc } from "rt/tlsf";
import { callActive } from "../call/call";
import { outOfMemory } from "../call/fatal";
import { canAllocate } from "./heap";
import { enterRuntime, leaveRuntime } from "../call/sections";

// Only the incremental runtime (2) can collect in the middle of a call: the minimal one does not see the stack.
// @ts-ignore: decorator
@inline const COLLECTS_ANYWHERE: bool = ASC_RUNTIME == 2;

/** The preset's `__alloc`: every managed allocation. Collects when memory is short; never traps silently. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_alloc(size: usize): usize {
  enterRuntime(); // a stop inside TLSF loses the instance (sections.ts)
  if (!canAllocate(size)) {
    if (COLLECTS_ANYWHERE) __collect();
    if (!COLLECTS_ANYWHERE || !canAllocate(size)) outOfMemory(size);
  }
  const block = tlsfAlloc(size);
  leaveRuntime();
  return block;
}

/**
 * `canAllocate(size)`, collecting in full first if that is what it takes. Only where collecting is safe:
 * anywhere under the incremental runtime except in the middle of the collector's own work; under the
 * minimal runtime only between dispatcher calls.
 */
export function canAllocateCollecting(size: usize): bool {
  if (canAllocate(size)) return true;
  if (!COLLECTS_ANYWHERE && callActive()) return false;
  __collect();
  return canAllocate(size);
}

/**
 * True when a handler can allocate `bytes` now (in one or more objects of that total) without the host
 * refusing to grow memory; memory is grown, and garbage collected, if needed. `bytes` of any size is
 * accepted (a request that cannot be had answers false). A handler whose allocations grow with its input
 * checks this first and fails the stream with `ResourceExhausted` and a message of its own; without the
 * check, an allocation that cannot be had fails the stream with ResourceExhausted anyway, but then traps.
 */
export function memoryAvailable(bytes: usize): bool {
  // Room for the objects' headers and TLSF's size-class rounding (up to 1/16 of a large request), in
  // 64 bits so that a huge `bytes` cannot wrap to a small request.
  const needed = <u64>bytes + ((<u64>bytes) >> 4) + 256;
  return needed <= <u64>BLOCK_MAXSIZE && canAllocateCollecting(<usize>needed);
}
