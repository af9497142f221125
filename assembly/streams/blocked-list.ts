// The streams the host answered WouldBlock, oldest first: the dispatcher retries them at the end of every
// call (docs/ABI.md, "Host refusals").

import { callSerial } from "../call/call";
import { enterSection, leaveSection } from "../call/sections";
import { StreamEntry } from "./stream-entry";

// @ts-ignore: decorator
@lazy let blockedHead: StreamEntry | null = null;
// @ts-ignore: decorator
@lazy let blockedTail: StreamEntry | null = null;
// @ts-ignore: decorator
@lazy let blockedCount: i32 = 0;

/** Streams the host answered WouldBlock and that wait for a retry. */
export function blockedStreamCount(): i32 {
  return blockedCount;
}

/** The blocked stream that has waited longest, or null. */
export function firstBlocked(): StreamEntry | null {
  return blockedHead;
}

/** Adds `stream`, just blocked in this call, to the back of the list. */
export function linkBlocked(stream: StreamEntry): void {
  enterSection(); // the list's links change in several steps (sections.ts)
  stream.blockedInCall = callSerial();
  append(stream);
  leaveSection();
}

/** Takes `stream` off the list. */
export function unlinkBlocked(stream: StreamEntry): void {
  enterSection();
  const prev = stream.prevBlocked;
  const next = stream.nextBlocked;
  if (prev) prev.nextBlocked = next;
  else blockedHead = next;
  if (next) next.prevBlocked = prev;
  else blockedTail = prev;
  stream.prevBlocked = null;
  stream.nextBlocked = null;
  blockedCount--;
  leaveSection();
}

/** Moves a stream that is still blocked after a retry to the back of the list. */
export function requeueBlocked(stream: StreamEntry): void {
  if (blockedTail == stream) return;
  enterSection();
  unlinkBlocked(stream);
  append(stream); // keeps blockedInCall: it was blocked before, not by this retry
  leaveSection();
}

function append(stream: StreamEntry): void {
  stream.prevBlocked = blockedTail;
  stream.nextBlocked = null;
  const tail = blockedTail;
  if (tail) tail.nextBlocked = stream;
  else blockedHead = stream;
  blockedTail = stream;
  blockedCount++;
}
