/**
 * The host shim, the package's JavaScript entry (`import { IxtHost } from "ixt-sdk-as"` in Node): it plays
 * the ixt runtime's side of the ABI for tests and tools. Not a runtime.
 *
 * @module ixt-sdk-as
 */
export * from "./abi.js";
export * from "./frames.js";
export * from "./host.js";
export * from "./calls.js";
export * from "./hints.js";
export type { FrameOrigin, TrapFrame } from "./trap-frames.js";
export { MemoryLimitError, WASM_PAGE } from "./memory-limit.js";
export * from "./flow.js";
