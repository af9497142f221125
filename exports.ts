/**
 * The ABI exports the runtime calls, for a module's one-line re-export in its entry file:
 * `export * from "ixt-sdk-as/exports";` (the same as `"ixt-sdk-as/assembly/exports"`).
 *
 * @module ixt-sdk-as/exports
 */
// The overrides come with it, so the preset's `abort=__ixt_abort` and `__new=__ixt_new`, … resolve even in
// a module that imports nothing else from the SDK.
import "./assembly/overrides/abort";
import "./assembly/overrides/runtime";
export * from "./assembly/exports";
