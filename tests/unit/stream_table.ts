// In-language unit tests of the stream table (assembly/streams/stream-table.ts): lookups after many insertions and
// deletions in any order (backward-shift deletion keeps every run reachable), and the growth it reports.
import "../../assembly/overrides/abort"; // the preset's abort, trace and seed
import "../../assembly/overrides/runtime"; // the preset's __new, __link, … (sections.ts)
import "../../assembly/memory/gc"; // the preset's __alloc
import { StreamSender } from "../../assembly/sending/sender";
import { SenderOwner } from "../../assembly/sending/sender-owner";
import { StreamEntry } from "../../assembly/streams/stream-entry";
import {
  liveStreamCount,
  lookupStream,
  tableGrowthBytes,
  trackStream,
  untrackStream,
} from "../../assembly/streams/stream-table";

const idBuffer = memory.data(16);

class Entry extends StreamEntry {
  constructor(lo: u64, hi: u64) {
    store<u64>(idBuffer, lo);
    store<u64>(idBuffer, hi, 8);
    super(idBuffer);
  }
  get sender(): StreamSender {
    return changetype<StreamSender>(0);
  }
  senderFinished(): void {}
  senderBlocked(blocked: bool): void {}
  senderRefused(status: i32): void {}
}

// Ids that collide in the hash's low bits as well as random-looking ones.
function idLo(n: i32): u64 {
  return n & 1 ? (<u64>n) << 32 : <u64>n * 0x9e3779b97f4a7c15;
}

export function test_growth_bytes(): i32 {
  // Before the first Open the table is a one-slot placeholder: the first growth makes 64 slots.
  if (liveStreamCount() != 0) return 1;
  if (tableGrowthBytes() != 64 * sizeof<usize>()) return 2;
  const keep = new Array<Entry>();
  for (let n = 0; n < 32; n++) {
    const e = new Entry(idLo(n), 7);
    trackStream(e);
    keep.push(e);
  }
  // 32 streams in 64 slots: the next Open would pass the load factor and double the table.
  if (tableGrowthBytes() != 128 * sizeof<usize>()) return 3;
  for (let n = 0; n < 32; n++) untrackStream(keep[n]);
  return liveStreamCount() == 0 && tableGrowthBytes() == 0 ? 0 : 4;
}

export function test_lookup_after_deletions_in_any_order(): i32 {
  const N = 1000;
  const entries = new Array<Entry>();
  for (let n = 0; n < N; n++) {
    const e = new Entry(idLo(n), <u64>(n % 7));
    trackStream(e);
    entries.push(e);
  }
  if (liveStreamCount() != N) return 1;
  // Remove every third, walking backwards, then check every id: present or absent as it should be.
  for (let n = N - 1; n >= 0; n--) if (n % 3 == 0) untrackStream(entries[n]);
  for (let n = 0; n < N; n++) {
    const found = lookupStream(idLo(n), <u64>(n % 7));
    if (n % 3 == 0 ? found != null : found != entries[n]) return 2;
  }
  // Removing an entry twice changes nothing.
  untrackStream(entries[0]);
  if (liveStreamCount() != N - (N + 2) / 3) return 3;
  for (let n = 0; n < N; n++) if (n % 3 != 0) untrackStream(entries[n]);
  if (liveStreamCount() != 0) return 4;
  for (let n = 0; n < N; n++) if (lookupStream(idLo(n), <u64>(n % 7))) return 5;
  return 0;
}
