// streams/ (layer 6 of 7, "streams", in assembly/layers.json): the stream table, the blocked list and
// LiveStream. Its files import only from this layer and the ones below.
//
// The dispatcher's table of streams, keyed by the 16-byte stream id: every stream from its accepted Open
// until its last frame has gone out (docs/ABI.md, "Stream lifecycle").
//
// Open addressing with linear probing over a power-of-two array of references, so the collector sees every
// stream in it. Deletion shifts later entries back instead of leaving tombstones: the table never degrades
// however many streams come and go, and lookup stays O(1). A one-entry cache in front of it serves the
// common case of consecutive frames on one stream.
//
// Every slot holds null or a stream at all times, and `slots` is replaced only once a bigger array is
// full, so the table can be read after a stop anywhere (lost.ts reads it to fail every stream); a stream
// may then appear twice within one run of slots, mid-shift.
//
// Lookups read the table and its entries as addresses: the dispatcher's Data path then holds no managed
// value it would have to put on the shadow stack (the table itself keeps every stream alive).

import { DEBUG_GUARDS } from "../call/guards";
import { enterSection, leaveSection } from "../call/sections";
import { StreamEntry } from "./stream-entry";

/** Default bound on streams in the table (`setMaxLiveStreams`). */
export const DEFAULT_MAX_LIVE_STREAMS: i32 = 1024;

const INITIAL_CAPACITY: i32 = 64; // a power of two
// @ts-ignore: decorator
@inline const ID_LO: usize = offsetof<StreamEntry>("idLo");
// @ts-ignore: decorator
@inline const ID_HI: usize = offsetof<StreamEntry>("idHi");

// Made at the first Open, not at start-up: a start function that allocates initializes the allocator and
// makes every instantiation slower (the empty table below stands in until then).
const EMPTY_TABLE: StaticArray<StreamEntry | null> = [null]; // static data: a one-slot table, always empty
let slots = EMPTY_TABLE;
let liveCount: i32 = 0;
let maxLive: i32 = DEFAULT_MAX_LIVE_STREAMS;
let lastFound: StreamEntry | null = null; // the one-entry cache: always a stream in the table, or null

/** Number of streams in the table. */
export function liveStreamCount(): i32 {
  return liveCount;
}

/**
 * Sets how many streams may be in the table at once (default 1024); an Open beyond it is answered
 * `ResourceExhausted`. Lowering it below the current count refuses new Opens until enough streams end.
 */
export function setMaxLiveStreams(max: i32): void {
  maxLive = max;
}

/** The bound set by `setMaxLiveStreams`. */
export function maxLiveStreams(): i32 {
  return maxLive;
}

/** Bytes a new Open may need for the table to grow (0 while it has room). */
export function tableGrowthBytes(): usize {
  if ((liveCount + 1) << 1 <= slots.length) return 0;
  // The new array: twice the slots (at least INITIAL_CAPACITY), a pointer each.
  return (<usize>max(slots.length << 1, INITIAL_CAPACITY)) << alignof<usize>();
}

// Mixes both halves of the id so sequential, random or structured ids all spread over the table.
// @ts-ignore: decorator
@inline
function slotOf(lo: u64, hi: u64, mask: u32): u32 {
  return (<u32>(((lo ^ rotl<u64>(hi, 29)) * 0x9e3779b97f4a7c15) >>> 32)) & mask;
}

/** The address of the stream in the table whose id is `lo`/`hi` (its two little-endian halves), or 0. */
// @ts-ignore: decorator
@inline
export function lookupStreamAddress(lo: u64, hi: u64): usize {
  const last = changetype<usize>(lastFound);
  if (last && load<u64>(last, ID_LO) == lo && load<u64>(last, ID_HI) == hi) return last;
  return probe(lo, hi);
}

/** The stream in the table whose id is `lo`/`hi`, or null. */
// @ts-ignore: decorator
@inline
export function lookupStream(lo: u64, hi: u64): StreamEntry | null {
  return changetype<StreamEntry | null>(lookupStreamAddress(lo, hi));
}

function probe(lo: u64, hi: u64): usize {
  const table = changetype<usize>(slots);
  const mask = <u32>slots.length - 1;
  let i = slotOf(lo, hi, mask);
  while (true) {
    const entry = load<usize>(table + ((<usize>i) << alignof<usize>()));
    if (!entry) return 0;
    if (load<u64>(entry, ID_LO) == lo && load<u64>(entry, ID_HI) == hi) {
      lastFound = changetype<StreamEntry>(entry);
      return entry;
    }
    i = (i + 1) & mask;
  }
}

/** Address of the table's slots (`slotCount()` of them, each a stream's address or 0), read after a stop. */
export function slotsAddress(): usize {
  return changetype<usize>(slots);
}

/** Number of slots in the table. */
export function slotCount(): i32 {
  return slots.length;
}

/** Adds `stream`, whose id must not be in the table. */
export function trackStream(stream: StreamEntry): void {
  if (DEBUG_GUARDS) assert(!lookupStreamAddress(stream.idLo, stream.idHi));
  enterSection(); // a stop between the slot and the count loses the instance (sections.ts)
  // Keep the load factor at or below 1/2 so probe runs stay short.
  if ((liveCount + 1) << 1 > slots.length) grow();
  place(slots, stream);
  liveCount++;
  leaveSection();
}

/** Removes `stream` if it is the live entry for its id; otherwise does nothing. */
export function untrackStream(stream: StreamEntry): void {
  const mask = <u32>slots.length - 1;
  let hole = slotOf(stream.idLo, stream.idHi, mask);
  while (true) {
    const entry = unchecked(slots[hole]);
    if (!entry) return; // not in the table (already removed)
    if (entry == stream) break;
    hole = (hole + 1) & mask;
  }
  enterSection(); // the shift below moves entries one at a time (sections.ts)
  if (lastFound == stream) lastFound = null;
  // Backward-shift deletion: move each later entry of the run into the hole unless its home slot
  // lies cyclically in (hole, j], where moving it would put it before its home.
  let j = hole;
  while (true) {
    j = (j + 1) & mask;
    const entry = unchecked(slots[j]);
    if (!entry) break;
    const home = slotOf(entry.idLo, entry.idHi, mask);
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      unchecked((slots[hole] = entry));
      hole = j;
    }
  }
  unchecked((slots[hole] = null));
  liveCount--;
  leaveSection();
}

function place(table: StaticArray<StreamEntry | null>, stream: StreamEntry): void {
  const mask = <u32>table.length - 1;
  let i = slotOf(stream.idLo, stream.idHi, mask);
  while (unchecked(table[i])) i = (i + 1) & mask;
  unchecked((table[i] = stream));
}

function grow(): void {
  const old = slots;
  const bigger = new StaticArray<StreamEntry | null>(max(old.length << 1, INITIAL_CAPACITY));
  for (let i = 0, n = old.length; i < n; i++) {
    const entry = unchecked(old[i]);
    if (entry) place(bigger, entry);
  }
  slots = bigger;
}
