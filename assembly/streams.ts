// The dispatcher's table of streams, keyed by the 16-byte stream id: every stream from its accepted
// Open until its last frame has gone out (docs/ABI.md, "Stream lifecycle").
//
// Open addressing with linear probing over a power-of-two array of references, so the GC sees every
// stream in it. Deletion shifts later entries back instead of leaving tombstones: the table never
// degrades however many streams come and go, and lookup stays O(1). A one-entry cache in front of it
// serves the common case of consecutive frames on one stream.
//
// Streams the host answered WouldBlock are also on the blocked list, which the dispatcher retries at
// the end of every call (docs/ABI.md, "Host refusals").

import { callSerial } from "./call";
import { ServerStreamHandler } from "./handler";
import { StreamSender } from "./sender";

/** A stream in the table: the sender its handler sees, plus that handler. */
@final
export class LiveStream extends StreamSender {
  /** The handler instance serving this stream (one per stream, from the registered factory). */
  readonly handler: ServerStreamHandler;
  /** True until the caller closes the stream: Data is delivered only while it is. */
  inputOpen: bool = true;
  /** Neighbours on the blocked list, while blocked. */
  prevBlocked: LiveStream | null = null;
  nextBlocked: LiveStream | null = null;
  /** `callSerial()` of the call that blocked it: it is retried only at the end of later calls. */
  blockedInCall: u32 = 0;

  constructor(idPtr: usize, handler: ServerStreamHandler, initialCredit: u32, deadlineMs: u32) {
    super(idPtr, initialCredit, deadlineMs);
    this.handler = handler;
  }

  /** True while Data and the caller's Close are delivered to the handler. */
  @inline get takesInput(): bool {
    return this.inputOpen && !this.sendClosed;
  }

  /** The module's last frame went out, or never will: the stream leaves the table. */
  protected override finish(): void {
    untrackStream(this);
  }

  protected override blockedChanged(blocked: bool): void {
    if (blocked) {
      this.blockedInCall = callSerial();
      linkBlocked(this);
    } else {
      unlinkBlocked(this);
    }
  }

  protected override sendFailed(status: i32): void {
    this.handler.onSendFailed(this, status);
  }

  /** A Credit frame arrived: send what it covers from the queue. */
  receiveCredit(bytes: u32): void {
    this.grantCredit(bytes);
  }

  /** Tries the frames the host refused with WouldBlock again. */
  retry(): void {
    this.flush();
  }

  /** The caller cancelled or errored the stream, its Open was rejected, or its call trapped: finish it. */
  terminate(): void {
    this.gone();
  }
}

/** Default bound on streams in the table (`setMaxLiveStreams`). */
export const DEFAULT_MAX_LIVE_STREAMS: i32 = 1024;

const INITIAL_CAPACITY: i32 = 64; // a power of two
// @ts-ignore: decorator
@inline const ID_LO: usize = offsetof<LiveStream>("idLo");
// @ts-ignore: decorator
@inline const ID_HI: usize = offsetof<LiveStream>("idHi");
// @ts-ignore: decorator
@inline const INPUT_OPEN: usize = offsetof<LiveStream>("inputOpen");
// @ts-ignore: decorator
@inline const SEND_CLOSED: usize = offsetof<LiveStream>("sendClosed");
// Made at the first Open, not at start-up: a start function that allocates initializes the allocator and
// makes every instantiation slower (the empty table below stands in until then).
const EMPTY_TABLE: StaticArray<LiveStream | null> = [null]; // static data: a one-slot table, always empty
let slots = EMPTY_TABLE;
let liveCount: i32 = 0;
let maxLive: i32 = DEFAULT_MAX_LIVE_STREAMS;
let lastFound: LiveStream | null = null; // the one-entry cache: always a stream in the table, or null

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
  return (liveCount + 1) << 1 > slots.length ? (<usize>slots.length) << (1 + alignof<usize>()) : 0;
}

// Mixes both halves of the id so sequential, random or structured ids all spread over the table.
// @ts-ignore: decorator
@inline
function slotOf(lo: u64, hi: u64, mask: u32): u32 {
  return (<u32>(((lo ^ rotl<u64>(hi, 29)) * 0x9e3779b97f4a7c15) >>> 32)) & mask;
}

/**
 * The address of the stream in the table whose id is `lo`/`hi` (the id's two little-endian halves), or 0.
 * An address, not a reference: the dispatcher's Data path holds no managed value it would have to put on
 * the shadow stack (the table keeps the stream alive).
 */
// @ts-ignore: decorator
@inline
export function lookupStreamAddress(lo: u64, hi: u64): usize {
  const last = changetype<usize>(lastFound);
  if (last && load<u64>(last, ID_LO) == lo && load<u64>(last, ID_HI) == hi) return last;
  return probe(lo, hi);
}

/** True when the stream at `address` takes input (`LiveStream.takesInput`), read without a managed local. */
// @ts-ignore: decorator
@inline
export function streamTakesInput(address: usize): bool {
  return load<u8>(address, INPUT_OPEN) != 0 && load<u8>(address, SEND_CLOSED) == 0;
}

/** The stream in the table whose id is `lo`/`hi`, or null. */
// @ts-ignore: decorator
@inline
export function lookupStream(lo: u64, hi: u64): LiveStream | null {
  return changetype<LiveStream | null>(lookupStreamAddress(lo, hi));
}

// Reads the table and its entries as addresses: nothing here is a managed local.
function probe(lo: u64, hi: u64): usize {
  const table = changetype<usize>(slots);
  const mask = <u32>(changetype<StaticArray<usize>>(table).length - 1);
  let i = slotOf(lo, hi, mask);
  while (true) {
    const entry = load<usize>(table + ((<usize>i) << alignof<usize>()));
    if (!entry) return 0;
    if (load<u64>(entry, ID_LO) == lo && load<u64>(entry, ID_HI) == hi) {
      lastFound = changetype<LiveStream>(entry);
      return entry;
    }
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
}

function place(table: StaticArray<LiveStream | null>, stream: LiveStream): void {
  const mask = <u32>table.length - 1;
  let i = slotOf(stream.idLo, stream.idHi, mask);
  while (unchecked(table[i])) i = (i + 1) & mask;
  unchecked((table[i] = stream));
}

function grow(): void {
  const old = slots;
  const bigger = new StaticArray<LiveStream | null>(max(old.length << 1, INITIAL_CAPACITY));
  for (let i = 0, n = old.length; i < n; i++) {
    const entry = unchecked(old[i]);
    if (entry) place(bigger, entry);
  }
  slots = bigger;
}

// ---- the blocked list: streams waiting to retry a frame the host answered WouldBlock ----

let blockedHead: LiveStream | null = null;
let blockedTail: LiveStream | null = null;
let blockedCount: i32 = 0;

/** Streams the host answered WouldBlock and that wait for a retry. */
export function blockedStreamCount(): i32 {
  return blockedCount;
}

function linkBlocked(stream: LiveStream): void {
  stream.prevBlocked = blockedTail;
  stream.nextBlocked = null;
  const tail = blockedTail;
  if (tail) tail.nextBlocked = stream;
  else blockedHead = stream;
  blockedTail = stream;
  blockedCount++;
}

function unlinkBlocked(stream: LiveStream): void {
  const prev = stream.prevBlocked;
  const next = stream.nextBlocked;
  if (prev) prev.nextBlocked = next;
  else blockedHead = next;
  if (next) next.prevBlocked = prev;
  else blockedTail = prev;
  stream.prevBlocked = null;
  stream.nextBlocked = null;
  blockedCount--;
}

/** The blocked stream that has waited longest, or null. */
export function firstBlocked(): LiveStream | null {
  return blockedHead;
}

/** Moves a stream that is still blocked after a retry to the back of the list. */
export function requeueBlocked(stream: LiveStream): void {
  if (!stream.isBlocked || blockedTail == stream) return;
  unlinkBlocked(stream);
  linkBlocked(stream); // keeps blockedInCall: it was blocked before, not by this retry
}
