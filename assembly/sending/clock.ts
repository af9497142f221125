// The clock deadlines are measured with (docs/ABI.md, "Deadlines"). The bare ixt ABI has none: a module
// registers one, or `remainingMs()` reports the deadline as sent.

/** Milliseconds on some monotonic or wall clock, for deadlines. */
export type Clock = () => u64;

// @ts-ignore: decorator
@lazy let clock: Clock | null = null;

/** Registers the clock `remainingMs()` measures with. The bare ixt ABI has none; under WASI, `Date.now()` works. */
export function setClock(now: Clock): void {
  clock = now;
}

/** Now, in ms, on the registered clock; 0 without one. */
export function nowMs(): u64 {
  const now = clock;
  return now ? now() : 0;
}
