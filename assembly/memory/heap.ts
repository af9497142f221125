// memory/ (layer 3 of 7, "memory", in assembly/layers.json): allocation that fails instead of trapping, the
// collector's policy, the runtime's frame buffers. Its files import only from this layer and the ones below.
//
// Allocation that fails instead of trapping (docs/ABI.md, "Memory").
//
// AssemblyScript's allocator (TLSF, rt/tlsf.ts) traps when it needs more memory and the host refuses
// `memory.grow`. The SDK's own allocations (frame buffers, queued frames, a new stream) go through
// `canAllocate` first: it answers whether TLSF can serve a block of that size from its free lists, and
// if not, grows memory itself and hands the new pages to TLSF as one free block, exactly as TLSF's own
// `growMemory` would (doubling when it can). When the host refuses, it answers false and nothing traps.
//
// This mirrors TLSF's size classes and root layout for AssemblyScript 0.28 on wasm32 (the package's peer
// range). It is checked once, when TLSF is initialized (`initRoot`); with another release, or a root that
// does not read as expected, the SDK stops predicting and lets TLSF grow memory itself (`allocatorGuarded`).
// tests/memory.test.ts and the wasmtime memory-cap suites fail if the mirror and TLSF drift apart.
//
// TLSF root (rt/tlsf.ts):
// ┌──────────┬───────────────────────┬──────────────────────────────────┬──────┐
// │ flMap u32│ slMap u32 × FL_BITS   │ heads usize × FL_BITS × SL_SIZE  │ tail │
// └──────────┴───────────────────────┴──────────────────────────────────┴──────┘
// 0          SL_START                HL_START                          HL_END

import { AL_BITS, AL_MASK, AL_SIZE, BLOCK_MAXSIZE, BLOCK_OVERHEAD } from "rt/common";
import { Block, ROOT, __alloc as tlsfAlloc, freeBlock } from "rt/tlsf";
import { DEBUG_GUARDS } from "../call/guards";
import { enterRuntime, leaveRuntime } from "../call/sections";

// @ts-ignore: decorator
@inline const SL_BITS: u32 = 4;
// @ts-ignore: decorator
@inline const SB_BITS: u32 = SL_BITS + AL_BITS;
// @ts-ignore: decorator
@inline const SB_SIZE: usize = 1 << SB_BITS;
// @ts-ignore: decorator
@inline const FL_BITS: u32 = 31 - SB_BITS;
// @ts-ignore: decorator
@inline const SL_START: usize = sizeof<usize>();
// @ts-ignore: decorator
@inline const SL_END: usize = SL_START + ((<usize>FL_BITS) << alignof<u32>());
// @ts-ignore: decorator
@inline const HL_START: usize = (SL_END + AL_MASK) & ~AL_MASK;
// @ts-ignore: decorator
@inline const HL_END: usize = HL_START + <usize>FL_BITS * (1 << SL_BITS) * sizeof<usize>();
// @ts-ignore: decorator
@inline const BLOCK_MINSIZE: usize =
  ((3 * sizeof<usize>() + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
// @ts-ignore: decorator
@inline const LEFTFREE: usize = 1 << 1;
// @ts-ignore: decorator
@inline const PAGE_BITS: u32 = 16;

// TLSF's computeSize: the payload size of the block that serves `size` bytes.
// @ts-ignore: decorator
@inline
function blockSize(size: usize): usize {
  return size <= BLOCK_MINSIZE
    ? BLOCK_MINSIZE
    : ((size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
}

// TLSF's roundSize: searches round large requests up to the next size class.
// @ts-ignore: decorator
@inline
function roundSize(size: usize): usize {
  return size < BLOCK_MAXSIZE >> 1 ? size + (1 << (31 - SL_BITS - clz<usize>(size))) - 1 : size;
}

// True when TLSF's searchBlock finds a free block for a payload of `size` (same classes, same maps).
function hasFreeBlock(root: usize, size: usize): bool {
  let fl: usize, sl: u32;
  if (size < SB_SIZE) {
    fl = 0;
    sl = <u32>(size >> AL_BITS);
  } else {
    const request = roundSize(size);
    fl = 31 - clz<usize>(request);
    sl = <u32>((request >> (fl - SL_BITS)) ^ (1 << SL_BITS));
    fl -= SB_BITS - 1;
  }
  if (load<u32>(root + (fl << alignof<u32>()), SL_START) & (~0 << sl)) return true;
  return (load<u32>(root) & (~0 << (<u32>fl + 1))) != 0;
}

// TLSF's growMemory, except that a refused `memory.grow` answers false instead of trapping. The new
// pages become one free block, merged with the free block before the old tail as addMemory would.
function growFor(root: usize, size: usize): bool {
  enterRuntime(); // TLSF's root and tail change below (sections.ts)
  const grown = growTlsf(root, size);
  leaveRuntime();
  return grown;
}

function growTlsf(root: usize, size: usize): bool {
  if (size >= SB_SIZE) size = roundSize(size);
  const pagesBefore = memory.size();
  const tail = load<usize>(root, HL_END);
  size += BLOCK_OVERHEAD << usize(((<usize>pagesBefore) << PAGE_BITS) - BLOCK_OVERHEAD != tail);
  const pagesNeeded = <i32>((size + 0xffff) >>> PAGE_BITS);
  if (memory.grow(max(pagesBefore, pagesNeeded)) < 0 && memory.grow(pagesNeeded) < 0) return false;
  let start = (((<usize>pagesBefore) << PAGE_BITS) + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK;
  start -= BLOCK_OVERHEAD;
  const end = ((<usize>memory.size()) << PAGE_BITS) & ~AL_MASK;
  let tailInfo: usize = 0;
  if (start - AL_SIZE == tail) {
    start -= AL_SIZE; // reuse the old zero-length tail block's header
    tailInfo = changetype<Block>(tail).mmInfo;
  }
  const leftSize = end - start - 2 * BLOCK_OVERHEAD;
  const left = changetype<Block>(start);
  left.mmInfo = leftSize | (tailInfo & LEFTFREE); // used for now: freeBlock marks it free and links it
  const newTail = changetype<Block>(start + BLOCK_OVERHEAD + leftSize);
  newTail.mmInfo = 0; // the zero-length used block that ends the heap; insertBlock sets LEFTFREE
  store<usize>(root, changetype<usize>(newTail), HL_END);
  freeBlock(ROOT, left);
  return true;
}

// Whether the mirror above can be trusted, decided once when TLSF is initialized: 0 not yet known, 1 yes,
// 2 no. Only AssemblyScript 0.28 (the versions in package.json's peer range, tested) is trusted, and only
// if TLSF's root, right after its initialization, reads as this file expects.
// @ts-ignore: decorator
@lazy let mirror: u32 = 0;

// @ts-ignore: decorator
@inline const TESTED_VERSION: bool = ASC_VERSION_MAJOR == 0 && ASC_VERSION_MINOR == 28;

// Initializes TLSF if it is not yet, and checks that its root reads as the mirror expects: the tail block
// (zero-sized, used) ends the initial memory, and the one free block between the root and the tail is
// exactly what `hasFreeBlock` finds (its own size class, and nothing above it). Returns the root.
function initRoot(): usize {
  let root = changetype<usize>(ROOT);
  if (!root) {
    heap.free(rawAlloc(0)); // initializes TLSF within the module's initial memory
    root = changetype<usize>(ROOT);
  }
  if (mirror == 0) {
    // IXT_DISTRUST_ALLOCATOR (a test build's `--use`) takes the unguarded path on purpose.
    // @ts-ignore: defined by the build
    const distrusted = isDefined(IXT_DISTRUST_ALLOCATOR);
    mirror = TESTED_VERSION && !distrusted && rootAsExpected(root) ? 1 : 2;
  }
  return root;
}

function rootAsExpected(root: usize): bool {
  const memEnd = ((<usize>memory.size()) << PAGE_BITS) & ~AL_MASK;
  const tail = load<usize>(root, HL_END);
  if (tail != memEnd - BLOCK_OVERHEAD || changetype<Block>(tail).mmInfo & ~LEFTFREE) return false;
  // The largest free block: TLSF keeps it in the highest class set in the first-level map.
  const flMap = load<u32>(root);
  if (!flMap) return true; // nothing free yet (memory exactly full): nothing to compare
  const fl = 31 - clz<u32>(flMap);
  const slMap = load<u32>(root + ((<usize>fl) << alignof<u32>()), SL_START);
  if (!slMap) return false;
  const sl = 31 - clz<u32>(slMap);
  const head = load<usize>(root + ((((<usize>fl) << SL_BITS) + <usize>sl) << alignof<usize>()), HL_START);
  if (!head || head >= tail) return false;
  const size = changetype<Block>(head).mmInfo & ~3;
  // The mirror must find that block for the smallest size of its class, and nothing for twice its size.
  const classStart = size < SB_SIZE ? size : size & ~(((<usize>1) << (31 - clz<usize>(size) - SL_BITS)) - 1);
  return hasFreeBlock(root, classStart) && !hasFreeBlock(root, size << 1);
}

// One block kept for reuse (the frame buffers keep their largest, so that a large frame does not leave a
// hole that small objects settle in). It is a cache: any allocation that would otherwise fail frees it.
// @ts-ignore: decorator
@lazy let spare: usize = 0;

/** The block kept for reuse by `keepSpare` (its payload address), or 0. */
// @ts-ignore: decorator
@inline
export function spareBlock(): usize {
  return spare;
}

/**
 * Keeps the raw block `block` (from `rawAlloc`) for reuse instead of freeing it. None may be kept already
 * (`releaseSpare` first): this makes no call, so the usual `ixt_dealloc` makes none either.
 */
// @ts-ignore: decorator
@inline
export function keepSpare(block: usize): void {
  if (DEBUG_GUARDS) assert(spare == 0);
  spare = block;
}

/** Hands the kept block to its new owner: it is no longer kept. Returns it (0 when none). */
export function takeSpare(): usize {
  const block = spare;
  spare = 0;
  return block;
}

/** Frees the block kept for reuse, if any. Returns true when there was one. */
export function releaseSpare(): bool {
  const block = spare;
  if (!block) return false;
  spare = 0;
  heap.free(block);
  return true;
}

/**
 * True when the SDK can tell ahead of time whether an allocation fits under the host's memory cap, so
 * that nothing on its path traps and an author's allocation that cannot be had fails its stream with a
 * message (docs/ABI.md, "Memory"). False with an AssemblyScript release other than 0.28.x, or when TLSF's
 * layout does not read as expected: the SDK then lets TLSF grow memory itself, as a module without the SDK
 * would, and an allocation the host refuses traps.
 */
export function allocatorGuarded(): bool {
  initRoot();
  return mirror == 1;
}

/**
 * True when `size` bytes can be allocated now without the host refusing to grow memory: TLSF has a free
 * block for it, or memory was grown (and given to TLSF) so that it has one. Never traps.
 */
export function canAllocate(size: usize): bool {
  if (size > BLOCK_MAXSIZE) return false;
  if (isDefined(ASC_RTRACE)) return true; // rtrace builds (tests) track blocks; let TLSF grow itself
  const root = initRoot();
  if (mirror != 1) return true; // unguarded (see allocatorGuarded): TLSF grows memory or traps
  const payload = blockSize(size);
  if (hasFreeBlock(root, payload) || growFor(root, payload)) return true;
  // The frame buffer kept for reuse is a cache: give it back before saying no.
  return releaseSpare() && (hasFreeBlock(root, payload) || growFor(root, payload));
}

/**
 * Allocates `size` raw bytes straight from TLSF, uncounted by the collector's trigger (gc.ts): for buffers
 * the SDK frees itself. Check `canAllocate` first. Free with `rawFree`.
 */
export function rawAlloc(size: usize): usize {
  enterRuntime(); // a stop inside TLSF loses the instance (sections.ts)
  const block = tlsfAlloc(size);
  leaveRuntime();
  return block;
}

/** Frees a raw block from `rawAlloc`, `tryAlloc` or `tryAllocUtf8`. */
// @ts-ignore: decorator
@inline
export function rawFree(block: usize): void {
  heap.free(block);
}

/** Allocates `size` raw bytes, or returns 0 when memory cannot be had. Free with `rawFree`. */
export function tryAlloc(size: usize): usize {
  return canAllocate(size) ? rawAlloc(size) : 0;
}

/**
 * Encodes `text` as UTF-8 into a new raw block of `byteLength` bytes (its `String.UTF8.byteLength`), or
 * returns 0 when memory cannot be had. A lone surrogate becomes U+FFFD (3 bytes, as `TextEncoder` writes
 * it; `byteLength` counts 3 for it too), so the bytes are always valid UTF-8. Allocates nothing managed;
 * free the block with `rawFree`.
 */
export function tryAllocUtf8(text: string, byteLength: usize): usize {
  const utf8 = tryAlloc(byteLength);
  if (utf8) {
    String.UTF8.encodeUnsafe(
      changetype<usize>(text),
      text.length,
      utf8,
      false,
      String.UTF8.ErrorMode.REPLACE,
    );
  }
  return utf8;
}
