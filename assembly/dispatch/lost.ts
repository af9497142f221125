// A lost instance (docs/ABI.md, "When a call is stopped"): a call was stopped inside a section
// (sections.ts), so the allocator, the collector or the SDK's own structures may be half-updated. The first
// export called after that fails every stream in the table with Internal and LOST_MESSAGE, reading the
// table as addresses and sending from static memory: nothing allocates, no callback runs. From then on every
// export answers at once (`ixt_alloc` 0, the dispatcher LOST_CODE), and nothing else is ever sent.
//
// The sweep keeps a cursor, so that a sweep stopped in its turn goes on where it was at the next call and
// fails no stream twice.

import { callActive, restoreStackPointer } from "../call/call";
import { StreamErrorCode } from "../abi/enums";
import { sendStaticError } from "../call/fatal";
import { STREAM_ID_LEN } from "../abi/layout";
import { instanceLost, markInstanceLost } from "../call/sections";
import { StreamEntry } from "../streams/stream-entry";
import { slotCount, slotsAddress } from "../streams/stream-table";

/** The message every stream of a lost instance is failed with (Internal). docs/abi.json holds the same text. */
export const LOST_MESSAGE =
  "the module's state was lost: a call was stopped inside its allocator or its stream bookkeeping; the instance must be replaced";

/** What the dispatcher answers every frame with once the instance is lost: Unavailable. */
export const LOST_CODE: u32 = StreamErrorCode.Unavailable;

// @ts-ignore: decorator
@lazy let sweepCursor: i32 = 0;
// @ts-ignore: decorator
@lazy const idBuffer = memory.data(<i32>STREAM_ID_LEN);
// @ts-ignore: decorator
@inline const ID_LO: usize = offsetof<StreamEntry>("idLo");
// @ts-ignore: decorator
@inline const ID_HI: usize = offsetof<StreamEntry>("idHi");

/**
 * Called by every export when `sectionsUnsafe()`: declares the instance lost if it is not yet, and fails
 * the streams the sweep has not reached yet. The export then answers as a lost instance does.
 */
export function answerLost(): void {
  if (!instanceLost()) {
    // The shadow stack pointer is where the stopped call left it, if it was the dispatcher's.
    if (callActive()) restoreStackPointer();
    markInstanceLost();
    sweepCursor = 0;
  }
  const table = slotsAddress();
  const count = slotCount();
  while (sweepCursor < count) {
    const slot = sweepCursor;
    const entry = load<usize>(table + ((<usize>slot) << alignof<usize>()));
    if (entry && !earlierInRun(table, count, slot, entry)) {
      store<u64>(idBuffer, load<u64>(entry, ID_LO));
      store<u64>(idBuffer, load<u64>(entry, ID_HI), 8);
      sendStaticError(idBuffer, StreamErrorCode.Internal, LOST_MESSAGE);
    }
    sweepCursor = slot + 1; // straight after the send: no stop can fall between them
  }
}

// True when `entry` also stands in the run of occupied slots before `slot` (cyclically): a stop in the
// middle of a deletion's shift can leave a stream in two slots, and it is failed once.
function earlierInRun(table: usize, count: i32, slot: i32, entry: usize): bool {
  const mask = count - 1;
  for (let i = (slot - 1) & mask, n = 1; n < count; i = (i - 1) & mask, n++) {
    const other = load<usize>(table + ((<usize>i) << alignof<usize>()));
    if (!other) return false;
    if (other == entry) return true;
  }
  return false;
}
