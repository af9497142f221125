// The dispatcher's table of streams, keyed by the 16-byte stream id: every stream from its accepted
// Open until its last frame has gone out (docs/ABI.md, "Stream lifecycle").
//
// Open addressing with linear probing over a power-of-two array of references, so the GC sees every
// stream in it. Deletion shifts later entries back instead of leaving tombstones: the table never
// degrades however many streams come and go, and lookup stays O(1).

import { ServerStreamHandler } from "./handler";
import { StreamSender } from "./sender";

/** A stream in the table: the sender its handler sees, plus that handler. */
@final
export class LiveStream extends StreamSender {
  /** The handler instance serving this stream (one per stream, from the registered factory). */
  readonly handler: ServerStreamHandler;
  /** True until the caller closes the stream: Data is delivered only while it is. */
  inputOpen: bool = true;

  constructor(idPtr: usize, handler: ServerStreamHandler, initialCredit: u32, deadlineMs: u32) {
    super(idPtr, initialCredit, deadlineMs);
    this.handler = handler;
  }

  /** True while Data and the caller's Close are delivered to the handler. */
  @inline get takesInput(): bool {
    return this.inputOpen && !this.sendClosed;
  }

  /** The module's last frame went out, or never will: the stream leaves the table. */
  protected finish(): void {
    untrackStream(this);
  }

  /** A Credit frame arrived: send what it covers from the queue. */
  receiveCredit(bytes: u32): void {
    this.grantCredit(bytes);
  }

  /** The caller cancelled or errored the stream, or its Open was rejected: drop the queue and finish. */
  terminate(): void {
    this.dropQueue();
    this.sendClosed = true;
    this.finish();
  }
}

/** Default bound on streams in the table (`setMaxLiveStreams`). */
export const DEFAULT_MAX_LIVE_STREAMS: i32 = 1024;

const INITIAL_CAPACITY: i32 = 64; // a power of two
let slots = new StaticArray<LiveStream | null>(INITIAL_CAPACITY);
let liveCount: i32 = 0;
let maxLive: i32 = DEFAULT_MAX_LIVE_STREAMS;

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

// Mixes both halves of the id so sequential, random or structured ids all spread over the table.
@inline
function hashId(lo: u64, hi: u64): u32 {
  const h = (lo ^ rotl<u64>(hi, 29)) * 0x9e3779b97f4a7c15;
  return <u32>(h >>> 32);
}


@inline
function slotOf(lo: u64, hi: u64, mask: u32): u32 {
  return hashId(lo, hi) & mask;
}

/** The stream in the table whose id is at `idPtr`, or null. */
export function findStream(idPtr: usize): LiveStream | null {
  const lo = load<u64>(idPtr);
  const hi = load<u64>(idPtr, 8);
  const mask = <u32>slots.length - 1;
  let i = slotOf(lo, hi, mask);
  while (true) {
    const entry = unchecked(slots[i]);
    if (!entry) return null;
    if (entry.idLo == lo && entry.idHi == hi) return entry;
    i = (i + 1) & mask;
  }
}

/** Adds `stream`, whose id must not be in the table. */
export function trackStream(stream: LiveStream): void {
  // Keep the load factor at or below 1/2 so probe runs stay short.
  if ((liveCount + 1) << 1 > slots.length) grow();
  place(slots, stream);
  liveCount++;
}

/** Removes `stream` if it is the live entry for its id; otherwise does nothing. */
export function untrackStream(stream: LiveStream): void {
  const mask = <u32>slots.length - 1;
  let hole = slotOf(stream.idLo, stream.idHi, mask);
  while (true) {
    const entry = unchecked(slots[hole]);
    if (!entry) return; // not in the table (already removed)
    if (entry == stream) break;
    hole = (hole + 1) & mask;
  }
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
}

function place(table: StaticArray<LiveStream | null>, stream: LiveStream): void {
  const mask = <u32>table.length - 1;
  let i = slotOf(stream.idLo, stream.idHi, mask);
  while (unchecked(table[i])) i = (i + 1) & mask;
  unchecked((table[i] = stream));
}

function grow(): void {
  const old = slots;
  const bigger = new StaticArray<LiveStream | null>(old.length << 1);
  for (let i = 0, n = old.length; i < n; i++) {
    const entry = unchecked(old[i]);
    if (entry) place(bigger, entry);
  }
  slots = bigger;
}
