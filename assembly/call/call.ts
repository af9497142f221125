// call/ (layer 2 of 7, "call", in assembly/layers.json): the call in progress: the sections a runtime's stop
// must not fall in, the record recovery reads, errors sent without allocating. Its files import only from
// this layer and the ones below.
//
// The dispatcher call in progress, kept where the next call can find it if this one traps
// (docs/ABI.md, "When the guest traps").
//
// A trap unwinds the wasm stack without running any guest code, so the module learns of it only when the
// host calls it again and finds a call still marked active. Everything recovery needs is recorded at the
// start of each call: the frame buffer, the stream whose code runs (its id's two halves, since the buffer
// may be reused by then), and the shadow stack pointer (a trap leaves the runtime's shadow stack where the
// innermost frame had moved it).
//
// Nothing here allocates: the abort path and the allocator's out-of-memory path read this record. The flag
// of a call in progress is a bit of the sections' state word (sections.ts), so that the dispatcher's one
// test reads both with one load.

import { callMarkedActive, clearCallActive, markCallActive, markCallEnded } from "./sections";

// @ts-ignore: decorator
@lazy let activeFrame: usize = 0;
// @ts-ignore: decorator
@lazy let runningLo: u64 = 0;
// @ts-ignore: decorator
@lazy let runningHi: u64 = 0;
// @ts-ignore: decorator
@lazy let reported = false;
// @ts-ignore: decorator
@lazy let serial: u32 = 0;
// @ts-ignore: decorator
@lazy let savedStackPointer: usize = 0;

// The buffer `ixt_alloc` last handed out, until the dispatcher takes its frame. A runtime can stop the
// dispatcher at its very first instruction, before any of its code has run: the buffer is then still
// handed out at the next call, and recovery.ts fails the frame's stream (recoverUndispatched).
// @ts-ignore: decorator
@lazy let handedOut: usize = 0;

// The incremental runtime keeps a shadow stack (`__stack_pointer`); the minimal and stub runtimes do not.
// @ts-ignore: decorator
@inline const HAS_SHADOW_STACK: bool = ASC_RUNTIME == 2;

/** Marks the start of a dispatcher call for the frame at `ptr`, whose stream id is `lo`/`hi`. */
// @ts-ignore: decorator
@inline
export function beginCall(ptr: usize, lo: u64, hi: u64): void {
  runningLo = lo;
  runningHi = hi;
  activeFrame = ptr;
  markCallActive();
  handedOut = 0; // the frame is taken: from here a stop is recovered through the call record
  serial++;
}

/**
 * Records the shadow stack pointer as the runtime calls the module: from the exported dispatcher, which has
 * no shadow-stack frame of its own, at its very start.
 */
// @ts-ignore: decorator
@inline
export function saveStackPointer(): void {
  if (HAS_SHADOW_STACK) savedStackPointer = __stack_pointer;
}

/**
 * Puts the shadow stack pointer back where the runtime's last call found it, before anything checks it: a
 * trap leaves it where the innermost frame had moved it (below the stack's end, after a shadow-stack
 * overflow). Only from the exported dispatcher, at its very start (see `saveStackPointer`): the frames the
 * trap abandoned are then free, so traps never leak stack.
 */
// @ts-ignore: decorator
@inline
export function restoreStackPointer(): void {
  if (HAS_SHADOW_STACK) __stack_pointer = savedStackPointer;
}

/** A number that changes with every dispatcher call: tells a stream blocked in this call from older ones. */
// @ts-ignore: decorator
@inline
export function callSerial(): u32 {
  return serial;
}

/** Marks the end of the dispatcher call: it returned. */
// @ts-ignore: decorator
@inline
export function endCall(): void {
  markCallEnded();
}

/** True between `beginCall` and `endCall`; still true at the next call if this one trapped. */
// @ts-ignore: decorator
@inline
export function callActive(): bool {
  return callMarkedActive();
}

/** The frame buffer of the call in progress (or of the call that trapped). */
export function callFrame(): usize {
  return activeFrame;
}

/** First half of the id of the stream whose code runs now (see `runningStreamKnown`). */
export function runningStreamLo(): u64 {
  return runningLo;
}

/** Second half of the id of the stream whose code runs now. */
export function runningStreamHi(): u64 {
  return runningHi;
}

/**
 * True inside a dispatcher call: the code running belongs to the stream `runningStreamLo`/`Hi` (the
 * frame's, or another stream's while the SDK retries it at the end of a call).
 */
export function runningStreamKnown(): bool {
  return callMarkedActive();
}

/** Says that the code now running belongs to the stream whose id is `lo`/`hi`. */
export function runStreamCode(lo: u64, hi: u64): void {
  runningLo = lo;
  runningHi = hi;
}

/** The running stream was sent its Error (abort, out of memory): recovery need not send it again. */
export function markFailureReported(): void {
  reported = true;
}

/** True when the running stream was already sent its Error in this call. */
export function failureReported(): bool {
  return reported;
}

/** `ixt_alloc` handed out `ptr`, of at least a frame header's length, for the runtime's next frame. */
// @ts-ignore: decorator
@inline
export function frameHandedOut(ptr: usize): void {
  handedOut = ptr;
}

/** The buffer handed out and not yet taken by the dispatcher, or 0. */
// @ts-ignore: decorator
@inline
export function handedOutFrame(): usize {
  return handedOut;
}

/** The dispatcher took the frame handed out (or recovery dealt with it). */
// @ts-ignore: decorator
@inline
export function frameTaken(): void {
  handedOut = 0;
}

/** Forgets the trapped call once recovery has dealt with it. */
export function clearTrappedCall(): void {
  clearCallActive();
  reported = false;
  activeFrame = 0;
}
