// `ixt-as check`: a module's imports and exports against the ABI, with a fix for every problem.
import { GuestTrap, IxtHost, InteractionKind, StreamErrorCode, streamIdOf } from "../host-shim/index.js";
import {
  DEBUG_IMPORT_WARNING,
  EXPORTS_HINT,
  NO_HANDLER_WARNING,
  foreignImportHint,
  missingExportHint,
} from "../host-shim/hints.js";
import {
  ABI_REVISION,
  ABI_REVISION_EXPORT,
  DEBUG_IMPORTS,
  DEBUG_MODULE,
  IXT_IMPORTS,
  IXT_MODULE,
  LOST_EXPORT,
  LOST_EXPORT_TYPE,
  MEMORY_EXPORT,
  REQUIRED_FUNCTION_EXPORTS,
  WASI_COMMAND_EXPORT,
  WASI_MODULE,
  WASI_REACTOR_EXPORT,
  WASI_REACTOR_TYPE,
} from "./abi-spec.js";
import { trapSummary } from "./run.js";
import { type ExportEntry, type FuncType, type WasmInfo, formatType, readWasmInfo } from "./wasm-info.js";

export interface CheckOptions {
  /** Accept `wasi_snapshot_preview1` imports (the WASI profile); the module must then be a reactor. */
  wasi?: boolean;
  /** Send an Open to a fresh instance to see whether a handler answers it (default true). */
  probe?: boolean;
  /** A debug build's source map, so that a trap in the probe names its source line (default: none). */
  sourceMap?: string | false;
}

export interface CheckLine {
  ok: boolean;
  /** A warning: not a problem (the check still passes), but worth a look. */
  warn?: boolean;
  /** `ixt.stream_send_data`, `memory`, … */
  item: string;
  /** The signature or kind found. */
  found: string;
  /** What is wrong and how to fix it (problems only), or a note. */
  message?: string;
}

export interface CheckReport {
  imports: CheckLine[];
  exports: CheckLine[];
  /** Problems not tied to one import or export (a missing export). */
  missing: CheckLine[];
  /** What a fresh instance answered to an Open for method "" (empty when it was not probed). */
  handler: CheckLine[];
  /** The ABI revision the module exports (`ixt_abi_revision`), or undefined when it exports none. */
  abiRevision: number | undefined;
  problems: number;
  warnings: number;
}

const sameType = (a: FuncType | undefined, b: FuncType) =>
  a !== undefined && a.params.join() === b.params.join() && a.results.join() === b.results.join();

const describe = (entry: { kind: string; type?: FuncType; detail?: string }) =>
  entry.type ? formatType(entry.type) : `${entry.kind}${entry.detail ? ` (${entry.detail})` : ""}`;

/** Checks a module's binary. Throws when it is not a valid wasm module. */
export async function checkModule(bytes: Uint8Array, options: CheckOptions = {}): Promise<CheckReport> {
  await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>); // the engine's validation, with its message
  const info = readWasmInfo(bytes);
  let usesWasi = false;

  const imports = info.imports.map((entry): CheckLine => {
    const item = `${entry.module}.${entry.name}`;
    const found = describe(entry);
    if (entry.module === IXT_MODULE) {
      const expected = IXT_IMPORTS[entry.name];
      if (!expected) return { ok: false, item, found, message: foreignImportHint(entry.module, entry.name) };
      if (entry.kind !== "function" || !sameType(entry.type, expected)) {
        return {
          ok: false,
          item,
          found,
          message: `expected ${formatType(expected)}: declare it as in ixt-sdk-as (assembly/abi/imports.ts) or import it from the SDK`,
        };
      }
      return { ok: true, item, found };
    }
    if (entry.module === DEBUG_MODULE) {
      const expected = DEBUG_IMPORTS[entry.name];
      if (!expected || entry.kind !== "function" || !sameType(entry.type, expected)) {
        const log = formatType(DEBUG_IMPORTS.log);
        return {
          ok: false,
          item,
          found,
          message: `the debug log import is ixt_debug.log ${log}: import \`log\` from "ixt-sdk-as" instead of declaring it`,
        };
      }
      return { ok: true, warn: true, item, found, message: DEBUG_IMPORT_WARNING };
    }
    if (entry.module === WASI_MODULE && options.wasi) {
      usesWasi = true;
      return { ok: true, item, found, message: "WASI profile" };
    }
    return { ok: false, item, found, message: foreignImportHint(entry.module, entry.name) };
  });

  const byName = new Map(info.exports.map((e) => [e.name, e]));
  const exports = info.exports.map((entry): CheckLine => {
    const found = describe(entry);
    const expected = REQUIRED_FUNCTION_EXPORTS[entry.name];
    if (expected) {
      if (entry.kind === "function" && sameType(entry.type, expected))
        return { ok: true, item: entry.name, found };
      return {
        ok: false,
        item: entry.name,
        found,
        message: `expected a function ${formatType(expected)}: do not define ${entry.name} yourself, re-export the SDK's (${EXPORTS_HINT})`,
      };
    }
    if (entry.name === ABI_REVISION_EXPORT) return revisionLine(entry);
    if (entry.name === LOST_EXPORT) {
      if (entry.kind === "function" && sameType(entry.type, LOST_EXPORT_TYPE)) {
        return { ok: true, item: entry.name, found, message: "says whether the instance is lost" };
      }
      return {
        ok: false,
        item: entry.name,
        found,
        message: `expected a function ${formatType(LOST_EXPORT_TYPE)}: re-export the SDK's (${EXPORTS_HINT})`,
      };
    }
    if (entry.name === MEMORY_EXPORT) {
      if (entry.kind === "memory") return { ok: true, item: entry.name, found };
      return { ok: false, item: entry.name, found, message: "must be the module's memory" };
    }
    if (entry.name === WASI_REACTOR_EXPORT) {
      if (entry.kind === "function" && sameType(entry.type, WASI_REACTOR_TYPE)) {
        return {
          ok: true,
          item: entry.name,
          found,
          message: "WASI reactor start, called once before the first frame",
        };
      }
      return {
        ok: false,
        item: entry.name,
        found,
        message: `expected a function ${formatType(WASI_REACTOR_TYPE)}`,
      };
    }
    if (entry.name === WASI_COMMAND_EXPORT) {
      return {
        ok: false,
        item: entry.name,
        found,
        message: `a WASI command is never started by the ixt runtime: build a reactor ("exportStart": "${WASI_REACTOR_EXPORT}", as the ixt-sdk-as WASI preset does)`,
      };
    }
    return { ok: true, item: entry.name, found, message: "not part of the ABI (ignored by the runtime)" };
  });

  const missing: CheckLine[] = [];
  for (const [name, type] of Object.entries(REQUIRED_FUNCTION_EXPORTS)) {
    if (!byName.has(name)) {
      missing.push({
        ok: false,
        item: name,
        found: "missing",
        message: missingExportHint(name, formatType(type)),
      });
    }
  }
  if (!byName.has(MEMORY_EXPORT)) {
    missing.push({
      ok: false,
      item: MEMORY_EXPORT,
      found: "missing",
      message: missingExportHint(MEMORY_EXPORT),
    });
  }
  if (!byName.has(ABI_REVISION_EXPORT)) {
    missing.push({
      ok: true,
      warn: true,
      item: ABI_REVISION_EXPORT,
      found: "missing",
      message: `the module does not say which ABI revision it implements (this ixt-as knows revision ${ABI_REVISION}): build it with a newer ixt-sdk-as, whose "ixt-sdk-as/exports" exports ${ABI_REVISION_EXPORT}`,
    });
  }
  if (usesWasi && !byName.has(WASI_REACTOR_EXPORT)) {
    missing.push({
      ok: false,
      item: WASI_REACTOR_EXPORT,
      found: "missing",
      message: `a WASI module must be a reactor exporting ${WASI_REACTOR_EXPORT}: build with the ixt-sdk-as WASI preset`,
    });
  }

  const handler: CheckLine[] = [];
  if (options.probe !== false && missing.length === 0) {
    const line = await probeHandler(bytes, info, options.sourceMap ?? false);
    if (line) handler.push(line);
  }

  const lines = [...imports, ...exports, ...missing, ...handler];
  const problems = lines.filter((line) => !line.ok).length;
  const warnings = lines.filter((line) => line.ok && line.warn).length;
  const revision = byName.get(ABI_REVISION_EXPORT);
  const abiRevision = revision?.detail === "i32" ? revision.value : undefined;
  return { imports, exports, missing, handler, problems, warnings, abiRevision };
}

/**
 * The `ixt_abi_revision` export: an immutable `i32` global with a constant value. The revision this ixt-as
 * knows passes; another one is a warning (the module may rely on rules this check does not know, or lack
 * ones it does); any other kind or type fails, since a runtime could not read it.
 */
function revisionLine(entry: ExportEntry): CheckLine {
  const item = entry.name;
  if (entry.kind !== "global" || entry.detail !== "i32" || entry.value === undefined) {
    return {
      ok: false,
      item,
      found: describe(entry),
      message: `must be an immutable i32 global with a constant value, e.g. \`export const ${ABI_REVISION_EXPORT}: i32 = ${ABI_REVISION};\`: re-export the SDK's (${EXPORTS_HINT})`,
    };
  }
  const found = `i32 = ${entry.value}`;
  if (entry.value === ABI_REVISION) return { ok: true, item, found, message: `ABI revision ${entry.value}` };
  return {
    ok: true,
    warn: true,
    item,
    found,
    message: `ABI revision ${entry.value}, but this ixt-as knows revision ${ABI_REVISION} (docs/ABI.md): use the ixt-sdk-as that built the module, or rebuild it with this one`,
  };
}

export { NO_HANDLER_WARNING };

/**
 * Instantiates the module in the host shim (imports outside ixt are stubs that return 0) and sends a
 * ServerStream Open for method "" to the fresh instance. A module built with the SDK that registered no
 * handler answers Unimplemented: a warning. So does a module that traps. Returns null when there is
 * nothing to say, or when the module cannot be run this way (an import that is not a function).
 */
async function probeHandler(
  bytes: Uint8Array,
  info: WasmInfo,
  sourceMap: string | false,
): Promise<CheckLine | null> {
  const imports: Record<string, Record<string, () => unknown>> = {};
  for (const entry of info.imports) {
    if (entry.module === IXT_MODULE || entry.module === DEBUG_MODULE) continue;
    if (entry.kind !== "function" || !entry.type) return null;
    const zeros = entry.type.results.map((t) => (t === "i64" ? 0n : 0));
    const result = zeros.length === 1 ? zeros[0] : zeros.length === 0 ? undefined : zeros;
    (imports[entry.module] ??= {})[entry.name] = () => result;
  }
  const reactor = info.exports.some((e) => e.name === WASI_REACTOR_EXPORT && e.kind === "function");
  const item = 'Open ""';
  let host: IxtHost;
  try {
    host = await IxtHost.load(bytes, {
      imports,
      sourceMap,
      onInstance: reactor ? (i) => (i.exports[WASI_REACTOR_EXPORT] as () => void)() : undefined,
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ok: true,
      warn: true,
      item,
      found: "not run",
      message: `the module could not be started with stub imports: ${why}`,
    };
  }
  try {
    const result = host.open(streamIdOf(1), { method: "", interaction: InteractionKind.ServerStream });
    if (result !== StreamErrorCode.Unimplemented) return null;
    return { ok: true, warn: true, item, found: `Unimplemented (${result})`, message: NO_HANDLER_WARNING };
  } catch (err) {
    // One line in the report, the author's code first: the module's own innermost frame (a debug build's),
    // then what the module said, which names the library's line (or the engine's trap and the innermost frame).
    const why =
      err instanceof GuestTrap
        ? trapSummary(err)
        : `: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
    return { ok: true, warn: true, item, found: "trapped", message: `an Open for method "" traps${why}` };
  }
}

/** The report as the command prints it. */
export function formatReport(path: string, report: CheckReport): string[] {
  const width = Math.max(
    0,
    ...[...report.imports, ...report.exports, ...report.missing, ...report.handler].map((l) => l.item.length),
  );
  const status = (l: CheckLine) => (!l.ok ? "FAIL" : l.warn ? "warn" : "ok  ");
  const line = (l: CheckLine) =>
    `  ${status(l)} ${l.item.padEnd(width)}  ${l.found}${l.message ? `  ${l.ok && !l.warn ? "# " : "-> "}${l.message}` : ""}`;
  const out = [path, "imports:"];
  out.push(...(report.imports.length ? report.imports.map(line) : ["  (none)"]));
  out.push("exports:");
  out.push(...report.exports.map(line), ...report.missing.map(line));
  if (report.handler.length) out.push("handler:", ...report.handler.map(line));
  const warnings = report.warnings ? ` (${report.warnings} warning${report.warnings === 1 ? "" : "s"})` : "";
  out.push(
    report.problems === 0
      ? `ok: the module matches the ixt server-stream ABI${warnings}`
      : `${report.problems} problem${report.problems === 1 ? "" : "s"}: the module does not match the ixt server-stream ABI (docs/ABI.md)${warnings}`,
  );
  return out;
}
