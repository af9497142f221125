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
// One u32 holds it all, with the flag of a dispatcher call in progress (call.ts), so that each export's check
// is one load and one branch:
// ┌──────┬────────┬──────────────────────────────┬─────────────────────────────┐
// │ lost │ active │ runtime sections (14 bits)   │ SDK sections open (16 bits) │
// └──────┴────────┴──────────────────────────────┴─────────────────────────────┘
//  bit 31  bit 30   bits 16–29                     bits 0–15
// Runtime sections are the allocator's and the collector's (overrides/runtime.ts, gc.ts, heap.ts); SDK
// sections are the SDK's own bookkeeping. They are counted apart because an out-of-memory trap leaves the
// runtime consistent but may come from inside the SDK's bookkeeping (fatal.ts: outOfMemory). The active
// bit alone is not unsafe: a trap outside every section is recovered (recovery.ts).

// Nothing here allocates; the abort and out-of-memory paths read it.

import { DEBUG_GUARDS } from "./guards";

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
// @ts-ignore: decorator
@inline const CALL_ACTIVE: u32 = 0x4000_0000;

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
  state &= LOST | CALL_ACTIVE | SDK_MASK;
}

/**
 * True when the instance is lost, or a call was stopped inside a section and the next export has not yet
 * declared it: one load, for the start of every export.
 */
// @ts-ignore: decorator
@inline
export function sectionsUnsafe(): bool {
  return (state & ~CALL_ACTIVE) != 0;
}

/**
 * The state word itself, for an export that folds it with its other checks into one test: non-zero when
 * `sectionsUnsafe()` or a dispatcher call is marked active (`callMarkedActive()`).
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

/** Marks the instance lost, for good (a lost instance runs no call, so none is active). */
// @ts-ignore: decorator
@inline
export function markInstanceLost(): void {
  state = LOST;
}

/**
 * Marks a dispatcher call in progress (call.ts: beginCall). The export's one test has found the word 0, or
 * recovery has cleared the trapped call's flag, so a constant store sets it.
 */
// @ts-ignore: decorator
@inline
export function markCallActive(): void {
  if (DEBUG_GUARDS) assert(state == 0);
  state = CALL_ACTIVE;
}

/**
 * Marks the dispatcher call ended (call.ts: endCall). Every section it opened is closed by then, and only an
 * export's first step marks an instance lost, so the word is the flag alone and a constant store clears it.
 */
// @ts-ignore: decorator
@inline
export function markCallEnded(): void {
  if (DEBUG_GUARDS) assert(state == CALL_ACTIVE);
  state = 0;
}

/** Forgets a trapped call's flag, once recovery has dealt with the call (sections stay as they are). */
// @ts-ignore: decorator
@inline
export function clearCallActive(): void {
  state &= ~CALL_ACTIVE;
}

/** True between `markCallActive` and `markCallEnded`; still true at the next call if this one trapped. */
// @ts-ignore: decorator
@inline
export function callMarkedActive(): bool {
  return (state & CALL_ACTIVE) != 0;
}
