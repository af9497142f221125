// In-language unit tests of the SDK's fallible allocator (assembly/memory/heap.ts): whenever `canAllocate(size)`
// says yes, TLSF then serves that size without growing memory itself (the mirror found, or made, a free
// block of the right class); a size that cannot be had is refused, never trapped on.
import "../../assembly/overrides/abort"; // the preset's abort, trace and seed
import "../../assembly/overrides/runtime"; // the preset's __new, __link, … (sections.ts)
import "../../assembly/memory/gc"; // the preset's __alloc
import { allocatorGuarded, canAllocate, rawAlloc, rawFree } from "../../assembly/memory/heap";

// Sizes across TLSF's classes: small, class boundaries and either side, large.
const SIZES: StaticArray<usize> = [
  0,
  1,
  12,
  16,
  255,
  256,
  257,
  1000,
  4095,
  4096,
  4097,
  65535,
  65536,
  65537,
  300000,
  1 << 20,
  (1 << 20) + 1,
  3 << 20,
  8 << 20,
];

export function test_guarded(): i32 {
  return allocatorGuarded() ? 0 : 1;
}

export function test_yes_means_no_growth(): i32 {
  const kept = new StaticArray<usize>(SIZES.length);
  for (let i = 0; i < SIZES.length; i++) {
    const size = SIZES[i];
    if (!canAllocate(size)) return 100 + i;
    const pages = memory.size();
    const block = rawAlloc(size);
    if (memory.size() != pages) return 200 + i; // TLSF grew memory: the mirror answered for a missing block
    kept[i] = block;
  }
  // Free every other block, so later requests meet holes of every class, and ask again.
  for (let i = 0; i < SIZES.length; i += 2) rawFree(kept[i]);
  for (let i = SIZES.length - 1; i >= 0; i--) {
    const size = SIZES[i] + 24;
    if (!canAllocate(size)) return 300 + i;
    const pages = memory.size();
    rawFree(rawAlloc(size));
    if (memory.size() != pages) return 400 + i;
  }
  return 0;
}

export function test_too_large_is_refused(): i32 {
  if (canAllocate(usize.MAX_VALUE)) return 1;
  if (canAllocate(1 << 30)) return 2; // above TLSF's largest block
  return 0;
}
