// The host shim: plays the ixt runtime's side of the ABI for tests and tools. Not a runtime.
export * from "./abi.js";
export * from "./frames.js";
export * from "./host.js";
export * from "./calls.js";
export * from "./hints.js";
export type { FrameOrigin, TrapFrame } from "./trap-frames.js";
