// The ABI's imports and exports with their wasm signatures (docs/ABI.md, "Host imports" and "Module
// exports"): the one place `ixt-as check` takes them from.
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

/** The revision of docs/ABI.md this ixt-as checks against ("ABI revision"). */
export const ABI_REVISION = 1;
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
export const DEBUG_IMPORT_WARNING =
  "debug build: the ixt runtime does not provide ixt_debug.log (ixt-as run and the host shim do): deploy the release target";

/** Where a module's log lines can go, for the hints below. */
const LOG_HINT = `for log lines use \`log\` from "ixt-sdk-as" (log.info(…): shown by ixt-as run and the host shim in a build with the preset's debug target)`;
/** The WASI profile, for the hints below. */
const WASI_HINT = `build with the WASI profile (asconfig.wasi.json, then ixt-as check --wasi) if your ixt runtime provides WASI`;

/** The preset a module is built with, as a user writes it in asconfig.json. */
export const PRESET_HINT = `"extends": "./node_modules/ixt-sdk-as/asconfig.preset.json" in asconfig.json`;
/** The line that adds the required exports to a module's entry file. */
export const EXPORTS_HINT = `export * from "ixt-sdk-as/exports"`;

/** How to fix an import from outside `ixt`. */
export function foreignImportHint(module: string, name: string): string {
  if (module === "env" && (name === "abort" || name === "trace" || name === "seed")) {
    const more =
      name === "seed"
        ? `; Math.random then aborts, since the bare ixt ABI has no entropy: ${WASI_HINT}`
        : name === "trace"
          ? `; ${LOG_HINT}`
          : "";
    return `build with the ixt-sdk-as preset (${PRESET_HINT}), which routes ${name} to the SDK, and import "ixt-sdk-as" in the entry file${more}`;
  }
  if (module === "env" && /^console\./.test(name)) {
    return `${name} has no host under the bare ixt ABI: ${LOG_HINT}, or ${WASI_HINT}`;
  }
  if (module === "env" && /^(Date|performance|process|crypto)\./.test(name)) {
    return `${name} has no host under the bare ixt ABI (no clock, entropy or process): ${WASI_HINT}; ${LOG_HINT}`;
  }
  if (module === "env" && name === "memory")
    return "the module must define its memory: build without --importMemory";
  if (module === "env" && name === "table")
    return "the module must define its table: build without --importTable";
  if (module === WASI_MODULE) {
    return `the module was built with the WASI profile: pass --wasi if your ixt runtime provides WASI, or build with the ixt-sdk-as preset (${PRESET_HINT}) instead and ${LOG_HINT}`;
  }
  return `the ixt runtime provides only "${IXT_MODULE}" imports: remove what declares this import (an @external declaration or a library that needs the host)`;
}
