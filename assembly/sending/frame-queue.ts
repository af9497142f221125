// A stream's queue of Data frames that cannot go out yet, and the limits every queue is held to
// (docs/ABI.md, "Credit and backpressure").
//
// Each queued frame is one raw block from the heap, freed as soon as it goes out or is dropped, so queued
// output never waits for a collection:
// ┌──────────────┬──────────────┬─────────────────────────┐
// │ next (usize) │ length (u32) │ payload …               │
// └──────────────┴──────────────┴─────────────────────────┘

import { DEBUG } from "rt/common";
import { SendStatus } from "../abi/enums";
import { rawFree, tryAlloc } from "../memory/heap";
import { enterSection, leaveSection } from "../call/sections";

// @ts-ignore: decorator
@inline const NODE_LEN: usize = 4;
// @ts-ignore: decorator
@inline const NODE_PAYLOAD: usize = 8;

/** Default for `setStreamQueueLimit`: 1 MiB queued per stream. */
export const DEFAULT_STREAM_QUEUE_LIMIT: usize = 1 << 20;

/** Default for `setQueueBudget`: 16 MiB queued by the whole module. */
export const DEFAULT_QUEUE_BUDGET: usize = 16 << 20;

/**
 * What each queued frame is charged beyond its payload, against both queue limits: its node header
 * (8 bytes), the allocator's block header (4) and alignment (up to 15), rounded up. Empty frames count.
 */
export const QUEUED_FRAME_OVERHEAD: usize = 32;

// @ts-ignore: decorator
@lazy let queueLimit: usize = DEFAULT_STREAM_QUEUE_LIMIT;
// @ts-ignore: decorator
@lazy let queueBudget: usize = DEFAULT_QUEUE_BUDGET;
// @ts-ignore: decorator
@lazy let queuedTotal: usize = 0;

/** Sets how many bytes each stream may queue (payloads plus `QUEUED_FRAME_OVERHEAD` each; default 1 MiB). */
export function setStreamQueueLimit(bytes: usize): void {
  queueLimit = bytes;
}

/** Sets how many bytes all streams together may queue (payloads plus `QUEUED_FRAME_OVERHEAD` each; default 16 MiB). */
export function setQueueBudget(bytes: usize): void {
  queueBudget = bytes;
}

/** Bytes charged to the module's queue budget now, over all streams. */
export function queuedBytesTotal(): usize {
  return queuedTotal;
}

/** One stream's queued Data frames, oldest first. */
// @ts-ignore: decorator
@final
export class FrameQueue {
  /** The oldest frame's node, 0 when the queue is empty. */
  head: usize = 0;
  private tail: usize = 0;
  /** Frames queued. */
  frames: i32 = 0;
  /** Payload bytes queued. */
  bytes: usize = 0;
  private charge: usize = 0; // payload bytes + QUEUED_FRAME_OVERHEAD per frame

  /**
   * Copies the `len` bytes at `ptr` to the end of the queue. Returns `Queued`, or `QueueFull` when the
   * stream's queue limit or the module's budget would be passed, or `NoMemory`: then nothing was queued.
   */
  push(ptr: usize, len: usize): i32 {
    const charge = <u64>len + QUEUED_FRAME_OVERHEAD;
    if (<u64>this.charge + charge > <u64>queueLimit) return SendStatus.QueueFull;
    if (<u64>queuedTotal + charge > <u64>queueBudget) return SendStatus.QueueFull;
    enterSection(); // the node, the links and the charges change together (sections.ts)
    const node = tryAlloc(NODE_PAYLOAD + len);
    if (!node) {
      leaveSection();
      return SendStatus.NoMemory;
    }
    store<usize>(node, 0);
    store<u32>(node, <u32>len, NODE_LEN);
    memory.copy(node + NODE_PAYLOAD, ptr, len);
    const tail = this.tail;
    if (tail) store<usize>(tail, node);
    else this.head = node;
    this.tail = node;
    this.frames++;
    this.bytes += len;
    this.charge += <usize>charge;
    queuedTotal += <usize>charge;
    leaveSection();
    return SendStatus.Queued;
  }

  /** True when the queue at `address` is empty, read without a managed local (the send hot path). */
  // @ts-ignore: decorator
  @inline static isEmptyAt(address: usize): bool {
    return load<usize>(address, offsetof<FrameQueue>("head")) == 0;
  }

  /** Payload address of the oldest frame (the queue must not be empty). */
  // @ts-ignore: decorator
  @inline headPayload(): usize {
    return this.head + NODE_PAYLOAD;
  }

  /** Payload length of the oldest frame (the queue must not be empty). */
  // @ts-ignore: decorator
  @inline headLength(): usize {
    return <usize>load<u32>(this.head, NODE_LEN);
  }

  /** Removes the oldest frame and frees it (the queue must not be empty). */
  pop(): void {
    const node = this.head;
    if (DEBUG) assert(node != 0);
    enterSection();
    const next = load<usize>(node);
    this.release(node);
    this.head = next;
    if (!next) this.tail = 0;
    leaveSection();
  }

  /** Frees every queued frame. */
  clear(): void {
    enterSection();
    let node = this.head;
    while (node) {
      const next = load<usize>(node);
      this.release(node);
      node = next;
    }
    this.head = 0;
    this.tail = 0;
    leaveSection();
  }

  private release(node: usize): void {
    const charge = <usize>load<u32>(node, NODE_LEN) + QUEUED_FRAME_OVERHEAD;
    this.frames--;
    this.bytes -= charge - QUEUED_FRAME_OVERHEAD;
    this.charge -= charge;
    queuedTotal -= charge;
    rawFree(node);
  }
}
