// In-language unit tests of the frame queue and its limits (assembly/sending/frame-queue.ts), without the
// dispatcher: tests/unit.test.ts calls every exported `test_*` function, and 0 means it passed (otherwise the
// number of the check that failed).
import "../../assembly/overrides/abort"; // the preset's abort, trace and seed
import "../../assembly/overrides/runtime"; // the preset's __new, __link, … (sections.ts)
import "../../assembly/memory/gc"; // the preset's __alloc
import { SendStatus } from "../../assembly/abi/enums";
import {
  FrameQueue,
  QUEUED_FRAME_OVERHEAD,
  queuedBytesTotal,
  setQueueBudget,
  setStreamQueueLimit,
} from "../../assembly/sending/frame-queue";

const payload = memory.data(64);

// Read through functions, so that tsc does not narrow a field after one check and flag the next.
function frames(q: FrameQueue): i32 {
  return q.frames;
}
function bytes(q: FrameQueue): usize {
  return q.bytes;
}

export function test_push_pop_in_order(): i32 {
  const q = new FrameQueue();
  for (let i: u8 = 0; i < 3; i++) {
    store<u8>(payload, i);
    if (q.push(payload, 1 + <usize>i) != SendStatus.Queued) return 1;
  }
  if (frames(q) != 3 || bytes(q) != 6) return 2;
  if (queuedBytesTotal() != 6 + 3 * QUEUED_FRAME_OVERHEAD) return 3;
  for (let i: u8 = 0; i < 3; i++) {
    if (q.headLength() != 1 + <usize>i || load<u8>(q.headPayload()) != i) return 4;
    q.pop();
  }
  if (q.head != 0 || frames(q) != 0 || bytes(q) != 0 || queuedBytesTotal() != 0) return 5;
  return 0;
}

export function test_limit_is_inclusive(): i32 {
  const q = new FrameQueue();
  setStreamQueueLimit(2 * QUEUED_FRAME_OVERHEAD + 10); // exactly two frames of 5 bytes
  if (q.push(payload, 5) != SendStatus.Queued) return 1;
  if (q.push(payload, 5) != SendStatus.Queued) return 2;
  if (q.push(payload, 0) != SendStatus.QueueFull) return 3; // nothing queued by a refusal
  if (frames(q) != 2 || bytes(q) != 10) return 4;
  q.clear();
  setStreamQueueLimit(1 << 20);
  return frames(q) == 0 && queuedBytesTotal() == 0 ? 0 : 5;
}

export function test_budget_is_shared_and_given_back(): i32 {
  const a = new FrameQueue();
  const b = new FrameQueue();
  setQueueBudget(3 * (QUEUED_FRAME_OVERHEAD + 1)); // exactly three 1-byte frames, over both queues
  if (a.push(payload, 1) != SendStatus.Queued || a.push(payload, 1) != SendStatus.Queued) return 1;
  if (b.push(payload, 1) != SendStatus.Queued) return 2;
  if (b.push(payload, 1) != SendStatus.QueueFull) return 3;
  a.pop(); // gives its charge back
  if (b.push(payload, 1) != SendStatus.Queued) return 4;
  a.clear();
  b.clear();
  setQueueBudget(16 << 20);
  return queuedBytesTotal() == 0 ? 0 : 5;
}

export function test_a_drained_queue_gives_its_charge_back(): i32 {
  const q = new FrameQueue();
  setStreamQueueLimit(2 * (QUEUED_FRAME_OVERHEAD + 1)); // two 1-byte frames at a time
  for (let round = 0; round < 10; round++) {
    if (q.push(payload, 1) != SendStatus.Queued || q.push(payload, 1) != SendStatus.Queued) return 1 + round;
    if (q.push(payload, 1) != SendStatus.QueueFull) return 20 + round;
    q.pop();
    q.pop();
  }
  setStreamQueueLimit(1 << 20);
  return queuedBytesTotal() == 0 ? 0 : 40;
}
