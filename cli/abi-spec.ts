// The ABI's imports and exports with their wasm signatures (docs/ABI.md, "Host imports" and "Module
// exports"): the one place `ixt-as check` takes them from.
import { ABI } from "../host-shim/abi-values.js";
import type { FuncType } from "./wasm-info.js";

const i32 = "i32";

/** The `ixt` host imports a module may use (it need not use all of them). */
export const IXT_IMPORTS: Readonly<Record<string, FuncType>> = {
  stream_send_data: { params: [i32, i32, i32, i32], results: [i32] },
  stream_send_close: { params: [i32, i32, i32], results: [i32] },
  stream_send_error: { params: [i32, i32, i32, i32, i32], results: [i32] },
};

/** The import module of the host imports. */
export const IXT_MODULE = "ixt";

/** The function exports every module must have. */
export const REQUIRED_FUNCTION_EXPORTS: Readonly<Record<string, FuncType>> = {
  ixt_module_handle_server_stream: { params: [i32, i32], results: [i32] },
  ixt_alloc: { params: [i32], results: [i32] },
  ixt_dealloc: { params: [i32, i32], results: [] },
};

/** The revision of docs/ABI.md this ixt-as checks against ("ABI revision"), from docs/abi.json. */
export const ABI_REVISION: number = ABI.revision;
/**
 * The optional export that says whether the instance is lost (docs/ABI.md, "When a call is stopped"); a
 * module may have it (the SDK's does since revision 2), with this signature.
 */
export const LOST_EXPORT: string = ABI.interrupts.LOST_EXPORT;
export const LOST_EXPORT_TYPE: FuncType = { params: [], results: [i32] };
/** The immutable `i32` global a module exports to say which ABI revision it implements. */
export const ABI_REVISION_EXPORT = "ixt_abi_revision";

/** The memory export every module must have. */
export const MEMORY_EXPORT = "memory";

/** The import module a WASI-profile module may also use, and the reactor entry it must then export. */
export const WASI_MODULE = "wasi_snapshot_preview1";
export const WASI_REACTOR_EXPORT = "_initialize";
export const WASI_REACTOR_TYPE: FuncType = { params: [], results: [] };
/** A WASI command's entry: the runtime would never call it, so a module must not be a command. */
export const WASI_COMMAND_EXPORT = "_start";

/**
 * The debug log import a module built with the preset's `debug` target uses for `log.*`. ixt-as run and
 * the host shim provide it; the ixt runtime does not.
 */
export const DEBUG_MODULE = "ixt_debug";
export const DEBUG_IMPORTS: Readonly<Record<string, FuncType>> = {
  log: { params: [i32, i32, i32], results: [] },
};
// The fixes `ixt-as check` and `ixt-as run` print come from the host shim's hints, which the test helpers
// print too: one text for each mistake.
export {
  DEBUG_IMPORT_WARNING,
  EXPORTS_HINT,
  LOG_HINT,
  PRESET_HINT,
  WASI_HINT,
  foreignImportHint,
} from "../host-shim/hints.js";
