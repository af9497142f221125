// In-language unit tests of the runtime's frame buffers (assembly/memory/frame-buffers.ts) through the exports
// `ixt_alloc` and `ixt_dealloc` (assembly/exports.ts). Each export has a usual path that makes no call (the
// kept buffer reused, a released buffer kept) and a general one; these cases tell the two apart, so a
// condition lost from the usual path's test fails one of them. A test returns 0, or the number of the check
// that failed.
import "../../assembly/overrides/abort"; // the preset's abort, trace and seed
import "../../assembly/overrides/runtime"; // the preset's __new, __link, … (sections.ts)
import "../../assembly/memory/gc"; // the preset's __alloc
import { ixt_alloc, ixt_dealloc } from "../../assembly/exports";
import { DEFAULT_MAX_FRAME_SIZE, isLiveBuffer, setMaxFrameSize } from "../../assembly/memory/frame-buffers";
import { releaseSpare, spareBlock } from "../../assembly/memory/heap";
import { frameTaken, handedOutFrame } from "../../assembly/call/call";

// The buffer's header in front of what ixt_alloc returns (frame-buffers.ts).
const HEADER: usize = 16;

// No buffer kept or handed out, and the default largest frame.
function reset(): void {
  releaseSpare();
  frameTaken();
  setMaxFrameSize(DEFAULT_MAX_FRAME_SIZE);
}

// A buffer as the runtime gets one for a frame the dispatcher then takes.
function allocTaken(size: usize): usize {
  const ptr = ixt_alloc(size);
  frameTaken();
  return ptr;
}

// From a reset state, a buffer of `size` bytes handed out, taken and released: it is the one kept.
function keptBuffer(size: usize): usize {
  reset();
  const ptr = allocTaken(size);
  ixt_dealloc(ptr, size);
  return ptr;
}

export function test_kept_buffer_serves_the_next_frame(): i32 {
  const first = keptBuffer(100);
  if (!first) return 1;
  if (spareBlock() != first - HEADER) return 2; // kept
  const second = ixt_alloc(50);
  if (second != first) return 3; // the kept buffer, again
  if (spareBlock() != 0) return 4; // handed out: no longer kept
  if (handedOutFrame() != second) return 5; // recorded until the dispatcher takes it
  if (load<u8>(second) != 0xff) return 6; // no frame kind until the runtime writes one
  if (!isLiveBuffer(second)) return 7;
  frameTaken();
  return 0;
}

export function test_short_buffer_is_not_recorded(): i32 {
  const first = keptBuffer(100);
  const short = ixt_alloc(16); // shorter than a frame header (17 bytes)
  if (short != first) return 1;
  if (handedOutFrame() != 0) return 2;
  ixt_dealloc(short, 16);
  releaseSpare();
  const fresh = ixt_alloc(16); // nothing kept: the general path records nothing either
  if (!fresh || handedOutFrame() != 0) return 3;
  ixt_dealloc(fresh, 16);
  const exact = ixt_alloc(17);
  if (handedOutFrame() != exact) return 4;
  frameTaken();
  return 0;
}

export function test_larger_frame_gets_a_new_buffer_and_is_kept(): i32 {
  const small = keptBuffer(100);
  const large = allocTaken(200); // the kept buffer cannot hold it
  if (!large || large == small) return 1;
  if (spareBlock() != small - HEADER) return 2; // still kept
  ixt_dealloc(large, 200);
  if (spareBlock() != large - HEADER) return 3; // the larger one is kept, the other freed
  if (isLiveBuffer(small)) return 4;
  return 0;
}

export function test_replaced_kept_buffer_is_freed(): i32 {
  // Each frame a KiB larger than the last: each released buffer replaces the one kept, which goes back to
  // the allocator. Kept blocks that were not freed would add up to about 5 MiB; freed, they coalesce and
  // serve the later frames.
  keptBuffer(1024);
  const pages = memory.size();
  for (let i: usize = 2; i <= 100; i++) {
    const ptr = allocTaken(i << 10);
    if (!ptr) return 1;
    ixt_dealloc(ptr, i << 10);
    if (spareBlock() != ptr - HEADER) return 2;
  }
  if (memory.size() - pages > 16) return 3; // grew by more than 1 MiB
  reset();
  return 0;
}

export function test_smaller_buffer_is_freed_while_a_larger_is_kept(): i32 {
  reset();
  const small = allocTaken(50);
  const large = allocTaken(400);
  ixt_dealloc(large, 400);
  if (spareBlock() != large - HEADER) return 1;
  ixt_dealloc(small, 50);
  if (spareBlock() != large - HEADER) return 2; // the larger stays kept
  if (isLiveBuffer(small)) return 3; // freed
  ixt_dealloc(small, 50); // a second release is ignored
  if (spareBlock() != large - HEADER) return 4;
  return 0;
}

export function test_lowered_largest_frame_applies_to_the_kept_buffer(): i32 {
  const first = keptBuffer(1000);
  setMaxFrameSize(500);
  if (ixt_alloc(800) != 0) return 1; // above the largest frame, although the kept buffer could hold it
  if (spareBlock() != first - HEADER) return 2; // still kept
  const served = allocTaken(400);
  if (served != first) return 3;
  ixt_dealloc(served, 400);
  if (spareBlock() != 0) return 4; // larger than the largest frame: freed, not kept
  if (isLiveBuffer(served)) return 5;
  reset();
  return 0;
}

export function test_stray_pointers_are_ignored(): i32 {
  reset();
  const ptr = allocTaken(100);
  const strays: StaticArray<usize> = [0, 1, 16, ptr + 16, ptr - HEADER, ptr + 1, 0xfffffff0];
  for (let i = 0; i < strays.length; i++) {
    ixt_dealloc(strays[i], 100);
    if (spareBlock() != 0) return 1 + i; // nothing kept
  }
  if (!isLiveBuffer(ptr)) return 10; // the real buffer is untouched
  ixt_dealloc(ptr, 100);
  if (spareBlock() != ptr - HEADER) return 11;
  ixt_dealloc(ptr, 100); // a second release is ignored
  if (spareBlock() != ptr - HEADER) return 12;
  return 0;
}
