// The dispatcher call in progress, kept where the next call can find it if this one traps
// (docs/ABI.md, "When the guest traps").
//
// A trap unwinds the wasm stack without running any guest code, so the module learns of it only when the
// host calls it again and finds a call still marked active. Everything recovery needs is recorded at the
// start of each call: the frame buffer, and the stream whose code runs (a copy of the frame's id, since
// the buffer may be reused by then).

import { STREAM_ID_LEN } from "./layout";

// @ts-ignore: decorator
@lazy const idCopy = memory.data(<i32>STREAM_ID_LEN);
// @ts-ignore: decorator
@lazy let active = false;
// @ts-ignore: decorator
@lazy let activeFrame: usize = 0;
// @ts-ignore: decorator
@lazy let activeStreamId: usize = 0;
// @ts-ignore: decorator
@lazy let reported = false;
// @ts-ignore: decorator
@lazy let serial: u32 = 0;

/** Marks the start of a dispatcher call for the frame at `ptr`, whose stream id is `lo`/`hi`. */
// @ts-ignore: decorator
@inline
export function beginCall(ptr: usize, lo: u64, hi: u64): void {
  store<u64>(idCopy, lo);
  store<u64>(idCopy, hi, 8);
  activeStreamId = idCopy;
  activeFrame = ptr;
  active = true;
  serial++;
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
  active = false;
}

/** True between `beginCall` and `endCall`; still true at the next call if this one trapped. */
// @ts-ignore: decorator
@inline
export function callActive(): bool {
  return active;
}

/** The frame buffer of the call in progress (or of the call that trapped). */
export function callFrame(): usize {
  return activeFrame;
}

/**
 * Address of the 16-byte id of the stream whose code runs now: the frame's, or another stream's while
 * the SDK drains it at the end of a call. 0 outside a call.
 */
export function runningStreamId(): usize {
  return active ? activeStreamId : 0;
}

/** Says that the code now running belongs to the stream whose id is at `idPtr` (it must stay valid). */
export function runStreamCode(idPtr: usize): void {
  activeStreamId = idPtr;
}

/** The abort override sent Internal for the running stream: recovery need not send it again. */
export function markAbortReported(): void {
  reported = true;
}

/** True when the abort override reported the trap of the last call. */
export function abortReported(): bool {
  return reported;
}

/** Forgets the trapped call once recovery has dealt with it. */
export function clearTrappedCall(): void {
  active = false;
  reported = false;
  activeFrame = 0;
}
