// Where a call may be stopped without harm, and where it may not (docs/ABI.md, "When a call is stopped").
//
// A runtime bounds every call (wasmtime's fuel or epochs) and may stop it at any function entry or loop
// back-edge: in the author's code, in the SDK, or inside AssemblyScript's allocator and collector. A stop in
// the author's code, or between the SDK's updates, is recovered like any trap at the next call
// (recovery.ts). A stop in the middle of an update that spans an interrupt point (TLSF's free lists, the
// collector's object lists, the stream table, a queue, the blocked list, a sender's state) leaves memory the
// SDK cannot vouch for. Such updates run inside a *section*, and every export checks, as it starts, that no
// section was left open by the call before: if one was, the instance is lost (lost.ts).
//
// One u32 holds it all, so that each export's check is one load and one branch:
// ┌──────┬───────────────────────────────┬───────────────────────────────┐
// │ lost │ runtime sections open (15 bits)│ SDK sections open (16 bits)   │
// └──────┴───────────────────────────────┴───────────────────────────────┘
//  bit 31  bits 16–30                      bits 0–15
// Runtime sections are the allocator's and the collector's (overrides/runtime.ts, gc.ts, heap.ts); SDK
// sections are the SDK's own bookkeeping. They are counted apart because an out-of-memory trap leaves the
// runtime consistent but may come from inside the SDK's bookkeeping (fatal.ts: outOfMemory).
//
// Nothing here allocates; the abort and out-of-memory paths read it.

// @ts-ignore: decorator
@lazy let state: u32 = 0;

// @ts-ignore: decorator
@inline const SDK_ONE: u32 = 1;
// @ts-ignore: decorator
@inline const RUNTIME_ONE: u32 = 1 << 16;
// @ts-ignore: decorator
@inline const SDK_MASK: u32 = 0xffff;
// @ts-ignore: decorator
@inline const LOST: u32 = 0x8000_0000;

/** Starts an update of the SDK's own structures that a stop must not interrupt. */
// @ts-ignore: decorator
@inline
export function enterSection(): void {
  state += SDK_ONE;
}

/** Ends the update started by the matching `enterSection`. */
// @ts-ignore: decorator
@inline
export function leaveSection(): void {
  state -= SDK_ONE;
}

/** Starts work inside the allocator or the collector. */
// @ts-ignore: decorator
@inline
export function enterRuntime(): void {
  state += RUNTIME_ONE;
}

/** Ends the work started by the matching `enterRuntime`. */
// @ts-ignore: decorator
@inline
export function leaveRuntime(): void {
  state -= RUNTIME_ONE;
}

/**
 * The allocator and the collector are consistent again although their sections did not end: an
 * allocation that cannot be had traps on purpose, before TLSF changes anything (fatal.ts: outOfMemory).
 */
// @ts-ignore: decorator
@inline
export function runtimeConsistent(): void {
  state &= LOST | SDK_MASK;
}

/**
 * True when the instance is lost, or a call was stopped inside a section and the next export has not yet
 * declared it: one load, for the start of every export.
 */
// @ts-ignore: decorator
@inline
export function sectionsUnsafe(): bool {
  return state != 0;
}

/**
 * The state word itself: non-zero exactly when `sectionsUnsafe()`, for an export that folds it with its
 * other checks into one test.
 */
// @ts-ignore: decorator
@inline
export function sectionsState(): usize {
  return <usize>state;
}

/** True while the SDK's own bookkeeping is in the middle of an update (a debug check before callbacks). */
// @ts-ignore: decorator
@inline
export function inSdkSection(): bool {
  return (state & SDK_MASK) != 0;
}

/** True once the instance has been declared lost (lost.ts). It stays lost. */
// @ts-ignore: decorator
@inline
export function instanceLost(): bool {
  return (state & LOST) != 0;
}

/** Marks the instance lost, for good. */
// @ts-ignore: decorator
@inline
export function markInstanceLost(): void {
  state = LOST;
}
