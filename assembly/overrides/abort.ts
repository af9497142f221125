// Replacements for AssemblyScript's `abort`, `trace` and `seed`, which would otherwise import from
// `env`: the ixt runtime provides nothing outside `ixt`. The preset selects them with
// `"use": ["abort=__ixt_abort", "trace=__ixt_trace", "seed=__ixt_seed"]`.

import { failRunningStream } from "../fatal";

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
  failRunningStream(message != null ? message : "abort", fileName, line);
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
