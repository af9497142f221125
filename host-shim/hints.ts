// What to do about a module that cannot run: the one source of the fixes that `ixt-as check`, `ixt-as run`
// and the test helpers (`IxtHost.load`, `loadModule`) print, so that each says the same thing.

/** The import namespace of the ABI's host functions. */
const IXT_MODULE = "ixt";
/** The import namespace of a debug build's log (`ixt_debug.log`). */
const DEBUG_MODULE = "ixt_debug";
/** The import namespace of the WASI profile. */
const WASI_MODULE = "wasi_snapshot_preview1";
/** The ABI's host functions, by name. */
const IXT_FUNCTIONS = ["stream_send_data", "stream_send_close", "stream_send_error"];
/** The function exports every module must have. */
const REQUIRED_EXPORTS = ["ixt_module_handle_server_stream", "ixt_alloc", "ixt_dealloc"];

/** Where a module's log lines can go. */
export const LOG_HINT = `for log lines use \`log\` from "ixt-sdk-as" (log.info(…): shown by ixt-as run and the host shim in a build with the preset's debug target)`;
/** The WASI profile, for a module that needs a clock, entropy or console output. */
export const WASI_HINT = `build with the WASI profile (asconfig.wasi.json, then ixt-as check --wasi) if your ixt runtime provides WASI`;
/** The preset a module is built with, as a user writes it in asconfig.json. */
export const PRESET_HINT = `"extends": "./node_modules/ixt-sdk-as/asconfig.preset.json" in asconfig.json`;
/** The line that adds the required exports to a module's entry file. */
export const EXPORTS_HINT = `export * from "ixt-sdk-as/exports"`;

/** What `ixt-as check` says of a debug build's `ixt_debug.log` import (a warning, not a problem). */
export const DEBUG_IMPORT_WARNING =
  "debug build: the ixt runtime does not provide ixt_debug.log (ixt-as run and the host shim do): deploy the release target";

/** What `ixt-as check` says of a module that answers an Open for method "" with Unimplemented. */
export const NO_HANDLER_WARNING =
  'registers no handler for method "": call registerServerStreamHandler(...) or registerMethod(...) at the top level of your entry file (a module that serves only named methods can ignore this)';

/** What a trap says when the module has no source map, so its frames cannot name a source line. */
export const NO_SOURCE_MAP_HINT =
  'no source map: build with the preset\'s debug target (npm run build:debug; in a test, loadModule(entry, { target: "debug" })) to see the source line';

/**
 * Who reads a hint: `ixt-as check` (which takes `--wasi`), or the host shim and `ixt-as run` (which give a
 * WASI-profile module Node's WASI when they load it themselves).
 */
export type HintAudience = "check" | "shim";

/**
 * How to fix an import from outside `ixt` (or an `ixt` import the ABI does not have): one sentence.
 * `audience` (default "check") changes only the advice for a WASI import.
 */
export function foreignImportHint(module: string, name: string, audience: HintAudience = "check"): string {
  if (module === IXT_MODULE) {
    return `not an ixt import (the ABI has ${IXT_FUNCTIONS.join(", ")}): remove the @external declaration`;
  }
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
  if (module === WASI_MODULE && audience === "shim") {
    return `the module was built with the WASI profile: loadModule gives it Node's WASI; with IxtHost.load pass \`imports: { ${WASI_MODULE}: wasi.wasiImport }\` and \`onInstance: (i) => wasi.initialize(i)\`; or build with the ixt-sdk-as preset (${PRESET_HINT}) and ${LOG_HINT}`;
  }
  if (module === WASI_MODULE) {
    return `the module was built with the WASI profile: pass --wasi if your ixt runtime provides WASI, or build with the ixt-sdk-as preset (${PRESET_HINT}) instead and ${LOG_HINT}`;
  }
  return `the ixt runtime provides only "${IXT_MODULE}" imports: remove what declares this import (an @external declaration or a library that needs the host)`;
}

/** How to fix a missing ABI export (`memory` or one of the three functions); `type` is its wasm signature. */
export function missingExportHint(name: string, type?: string): string {
  if (name === "memory") return "the memory export is missing: build without --noExportMemory";
  return `export ${type ? `${type} ` : ""}is missing: add \`${EXPORTS_HINT};\` to the module's entry file`;
}

/** One reason a module cannot run in the host shim, with its fix. */
export interface LoadProblem {
  /** The import (`env.abort`) or export (`ixt_alloc`) at fault. */
  item: string;
  /** What to do about it. */
  message: string;
}

/**
 * What keeps `module` from running in the host shim, each with its fix: an import that neither the shim
 * (`ixt`, `ixt_debug`) nor `provided` (the `imports` option) has, and a missing ABI export. Empty when it
 * can run. Signatures are not compared here (`ixt-as check` does).
 */
export function loadProblems(module: WebAssembly.Module, provided: WebAssembly.Imports = {}): LoadProblem[] {
  const problems: LoadProblem[] = [];
  for (const { module: from, name } of WebAssembly.Module.imports(module)) {
    if (from === DEBUG_MODULE) continue;
    if (from === IXT_MODULE ? IXT_FUNCTIONS.includes(name) : provided[from]?.[name] !== undefined) continue;
    problems.push({ item: `${from}.${name}`, message: foreignImportHint(from, name, "shim") });
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of ["memory", ...REQUIRED_EXPORTS]) {
    if (!exports.has(name)) problems.push({ item: name, message: missingExportHint(name) });
  }
  return problems;
}

/** Thrown by `IxtHost.load` (and so `loadModule`) for a module that cannot run, before it runs any code. */
export class ModuleLoadError extends Error {
  /**
   * @param problems what is wrong, each with its fix (from `loadProblems`)
   */
  constructor(readonly problems: readonly LoadProblem[]) {
    super(
      [
        "the module cannot run in the host shim (ixt-as check <module.wasm> says the same):",
        ...problems.map((p) => `  ${p.item}: ${p.message}`),
      ].join("\n"),
    );
    this.name = "ModuleLoadError";
  }
}
