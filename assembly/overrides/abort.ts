// overrides/ (layer 2 of 7, "call", in assembly/layers.json): the runtime's hooks the preset's `use` aliases
// select: abort, trace and seed, and the collector's and the allocator's entry points wrapped in sections.
// Its files import only from this layer and the ones below.
//
// Replacements for AssemblyScript's `abort`, `trace` and `seed`, which would otherwise import from
// `env`: the ixt runtime provides nothing outside `ixt`. The preset selects them with
// `"use": ["abort=__ixt_abort", "trace=__ixt_trace", "seed=__ixt_seed"]`.

import { failRunningStream } from "../call/fatal";

// @ts-ignore: decorator
@inline const SHADOW_STACK: bool = ASC_RUNTIME == 2;

/** The message a stream whose code recursed too deep for the shadow stack is failed with (Internal). */
export const SHADOW_STACK_OVERFLOW = "stack overflow: the recursion is too deep for the shadow stack";

/**
 * Called by AssemblyScript on a failed assertion, an out-of-bounds access or `abort()`. Sends
 * `Internal` with "<message> at <file>:<line>" on the stream whose code is running (once per call: an
 * abort while reporting one does not report again), then traps: the call cannot continue, but the caller
 * learns why. If the host calls the module again, that stream is finished and the others carry on
 * (docs/ABI.md, "When the guest traps"). The parameters are optional because user code calls this as
 * `abort(message?)`.
 */
// @ts-ignore: decorator
@global
export function __ixt_abort(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  // Strings as addresses: this path must not need the shadow stack (fatal.ts).
  if (SHADOW_STACK && __stack_pointer < __data_end) {
    // The runtime's shadow-stack check aborts here when a recursion has used the whole shadow stack. Its
    // own message strings are not reliably in memory (asc 0.28 lays them out over the heap), so say it here.
    failRunningStream(changetype<usize>(SHADOW_STACK_OVERFLOW), 0, 0);
  } else {
    const given = changetype<usize>(message); // not `message != null`: that compares strings with a call
    failRunningStream(given ? given : changetype<usize>("abort"), changetype<usize>(fileName), line);
  }
  unreachable();
}

/** `trace()` output has nowhere to go: the ixt ABI has no log channel (use `log` or the WASI profile). */
// @ts-ignore: decorator
@global
export function __ixt_trace(
  message: string,
  n: i32 = 0,
  a0: f64 = 0,
  a1: f64 = 0,
  a2: f64 = 0,
  a3: f64 = 0,
  a4: f64 = 0,
): void {}

/** `Math.random` needs a seed and the ixt ABI has no entropy source: fail loudly, not predictably. */
// @ts-ignore: decorator
@global
export function __ixt_seed(): f64 {
  abort("Math.random has no entropy source under the ixt ABI; use the WASI profile");
  return 0;
}
