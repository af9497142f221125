// What a debug build checks that a release build does not. It sits in the lowest layer with an invariant
// to check (sections.ts), so that every layer above reads the same constant.

/**
 * True in a build with the preset's `debug` target (which defines IXT_DEBUG_LOG): the SDK then checks
 * its own invariants and common mistakes, and says so (a `StreamFrame` used after its callback returned
 * aborts with a message; a send on a stream that has ended logs a warning). A release build compiles the
 * checks out: AssemblyScript's `DEBUG` is true in every build, so `if (DEBUG) assert(…)` would not.
 */
// @ts-ignore: decorator
@inline
// @ts-ignore: defined by the build (asconfig "use")
export const DEBUG_GUARDS: bool = isDefined(IXT_DEBUG_LOG);
