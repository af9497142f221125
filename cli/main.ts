// The `ixt-as` command: `init` a module project, `check` a module against the ABI, `run` it in the host shim.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ModuleLoadError, UNLIMITED_CREDIT, fromHex, streamIdOf } from "../host-shim/index.js";
import { checkModule, formatReport } from "./check.js";
import { init } from "./init.js";
import {
  LogTap,
  SHOWN_PAYLOAD_BYTES,
  formatLog,
  loadForRun,
  runPlan,
  summaryLine,
  unrunnableImports,
  type RunPlan,
  type RunStep,
} from "./run.js";

/** Where the command writes. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const USAGE = `usage: ixt-as <command> [options]

commands:
  init [dir]            write a new module project (handler, test, build scripts); installs nothing
  check <module.wasm>   check the module's imports and exports against the ixt ABI
  run <module.wasm>     open a stream in the host shim, feed it and print every frame

Run "ixt-as <command> --help" for a command's options and exit statuses.`;

export const CHECK_USAGE = `usage: ixt-as check [--wasi] <module.wasm>…

Prints each module's imports and exports against the ixt server-stream ABI (docs/ABI.md) and exits
with status 1 when any is wrong: an import outside "ixt", a wrong signature, a missing export. Each
problem says how to fix it. Then it sends an Open for method "" to a fresh instance and warns when the
module answers Unimplemented (no handler registered) or traps. Warnings (also: ixt_debug.log, which a
debug build imports and the ixt runtime does not provide) do not fail the check.

options:
  --wasi       accept wasi_snapshot_preview1 imports (a module built with the WASI profile, which
               must then be a reactor exporting _initialize)
  -h, --help   show this help

exit status: 0 the module matches, 1 it does not, 2 bad usage or a missing or invalid file`;

export const RUN_USAGE = `usage: ixt-as run <module.wasm> [--method M] [--payload TEXT|@file] [--context TEXT|@file]
                  [--credit N] [--data TEXT|@file | --grant N]… [--close|--cancel] [--id HEX] [--full]

Loads the module in the host shim, opens a server stream, sends each --data as a Data frame and each
--grant as a Credit frame, in the order given, then the caller's Close (--close) or a Cancel (--cancel),
and prints each inbound frame with the dispatcher's result and each outbound frame the module sends, both
as text and hex. The text is exactly the bytes sent, in quotes: valid UTF-8 as a JSON string, with a
character that would not be seen escaped (a BOM is "\\ufeff"), and a byte that is not UTF-8 as \\xNN. A
payload is cut after ${SHOWN_PAYLOAD_BYTES} bytes, "… (+N bytes)" saying how many were left out (--full prints it whole).
When the module traps, the message names the module's own source line first, then where it failed (a
library's line): a debug build's source map (<module.wasm>.map, next to it) names the source line of each
frame, the module's own first. A debug build's log lines (log.info(…) from "ixt-sdk-as") are printed as
"log <level> <message>"; a module built with the WASI profile gets Node's WASI, its log lines go to stderr.
The run ends with a summary: the streams accepted, rejected, trapped and still waiting for credit (open,
with something to send that only more credit would let out).

options:
  --method M       the Open's method (default: empty)
  --payload TEXT   the Open's request payload (TEXT as UTF-8, or @file for a file's bytes)
  --context TEXT   the Open's invocation context (TEXT as UTF-8, or @file)
  --credit N       the Open's initial credit in bytes (default: unlimited)
  --data TEXT      a Data frame with TEXT as UTF-8; --data @file sends the file's bytes. Repeatable.
  --grant N        a Credit frame adding N bytes of credit. Repeatable, ordered with --data.
  --close          end with the caller's Close (Normal)
  --cancel         end with a Cancel (Caller)
  --id HEX         the stream id, 32 hex digits (default: 01000000000000000000000000000000)
  --full           print every payload whole (default: cut after ${SHOWN_PAYLOAD_BYTES} bytes)
  -h, --help       show this help

exit status: 0 done (also when the stream is left waiting for credit), 1 the module trapped (its message
is printed) or a frame could not be delivered, 2 bad usage or a missing, invalid or unrunnable file, 3 an
internal error of ixt-as, 4 the module rejected the Open (the dispatcher answered it with an error code)`;

class UsageError extends Error {}

/** TEXT as UTF-8, or the bytes of the file named by @file. */
async function bytesArg(option: string, value: string): Promise<Uint8Array> {
  if (!value.startsWith("@")) return new TextEncoder().encode(value);
  const file = value.slice(1);
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    throw new UsageError(`run: cannot read --${option} file ${file}`);
  }
}

/** A decimal u32. */
function u32Arg(option: string, value: string): number {
  const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(n <= 0xffffffff))
    throw new UsageError(`run: --${option} takes a whole number from 0 to 4294967295, got ${value}`);
  return n;
}

async function readModuleFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(err);
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
}

async function compileModule(path: string, bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new UsageError(`${path} is not a valid WebAssembly module: ${(err as Error).message}`);
  }
}

async function check(args: string[], io: Io): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args,
    allowPositionals: true,
    tokens: true,
    options: { wasi: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.out(CHECK_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("check: no module given");
  let failed = false;
  for (const path of positionals) {
    const bytes = await readModuleFile(path);
    await compileModule(path, bytes);
    const sourceMap = existsSync(`${path}.map`) ? `${path}.map` : false;
    const report = await checkModule(bytes, { wasi: values.wasi, sourceMap });
    formatReport(path, report).forEach((line) => io.out(line));
    failed ||= report.problems > 0;
  }
  return failed ? 1 : 0;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args,
    allowPositionals: true,
    tokens: true,
    options: {
      method: { type: "string", default: "" },
      payload: { type: "string", default: "" },
      context: { type: "string", default: "" },
      credit: { type: "string" },
      data: { type: "string", multiple: true, default: [] },
      grant: { type: "string", multiple: true, default: [] },
      close: { type: "boolean" },
      cancel: { type: "boolean" },
      id: { type: "string" },
      full: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(RUN_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("run: give exactly one module");
  if (values.close && values.cancel) throw new UsageError("run: --close and --cancel exclude each other");
  let streamId = streamIdOf(1);
  if (values.id !== undefined) {
    try {
      streamId = fromHex(values.id);
    } catch {
      streamId = new Uint8Array(0);
    }
    if (streamId.length !== 16) throw new UsageError(`run: --id must be 32 hex digits, got ${values.id}`);
  }
  // --data and --grant keep the order they were given in.
  const steps: RunStep[] = [];
  for (const token of tokens) {
    if (token.kind !== "option" || token.value === undefined) continue;
    if (token.name === "data") steps.push({ kind: "Data", payload: await bytesArg("data", token.value) });
    if (token.name === "grant") steps.push({ kind: "credit", bytes: u32Arg("grant", token.value) });
  }
  const plan: RunPlan = {
    streamId,
    method: values.method,
    payload: await bytesArg("payload", values.payload),
    context: await bytesArg("context", values.context),
    initialCredit: values.credit === undefined ? UNLIMITED_CREDIT : u32Arg("credit", values.credit),
    steps,
    end: values.close ? "close" : values.cancel ? "cancel" : "none",
  };
  const path = positionals[0];
  const bytes = await readModuleFile(path);
  const module = await compileModule(path, bytes);
  const unrunnable = unrunnableImports(module);
  if (unrunnable) throw new UsageError(`cannot run ${path}: ${unrunnable}`);
  const logs = new LogTap();
  let host;
  try {
    // A debug build's source map, written by asc next to the module, names a trap's source lines.
    const sourceMap = existsSync(`${path}.map`) ? `${path}.map` : false;
    host = await loadForRun(module, {}, logs.onLog, bytes, sourceMap);
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError || err instanceof RangeError) {
      io.out(path);
      logs.take().forEach((line) => io.out(formatLog(line)));
      io.err(`ixt-as: ${path} trapped while starting (its top-level code): ${err.message}`);
      return 1;
    }
    if (err instanceof ModuleLoadError) {
      const fixes = err.problems.map((p) => `  ${p.item}: ${p.message}`);
      throw new UsageError([`cannot run ${path}:`, ...fixes].join("\n"));
    }
    throw new UsageError(`cannot load ${path} in the host shim: ${(err as Error).message}`);
  }
  io.out(`${path}`);
  const outcome = runPlan(host, plan, io.out, logs, { full: values.full });
  if (outcome.cut)
    io.out(`(payloads longer than ${SHOWN_PAYLOAD_BYTES} bytes were cut: --full prints them whole)`);
  io.out(summaryLine(outcome));
  if (outcome.failure !== undefined) {
    io.err(`ixt-as: ${outcome.failure}`);
    return 1;
  }
  return outcome.openResult === 0 ? 0 : REJECTED;
}

/** The exit status of a run whose Open the module rejected. */
const REJECTED = 4;

/** Runs the command line `args` (without `node ixt-as`); returns the exit status. */
export async function main(args: string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "check":
        return await check(rest, io);
      case "init":
        return await init(rest, io);
      case "run":
        return await run(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        (command === undefined ? io.err : io.out)(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    const isUsage =
      err instanceof UsageError || (err as { code?: string } | null)?.code?.startsWith("ERR_PARSE_ARGS");
    if (!isUsage) {
      // Never a stack trace: one line, and the status says it is ixt-as's fault, not the module's.
      io.err(`ixt-as: internal error: ${err instanceof Error ? err.message : String(err)}`);
      return 3;
    }
    io.err(`ixt-as: ${(err as Error).message}`);
    if (!(err instanceof UsageError) || /^(check|run): /.test((err as Error).message)) {
      io.err(
        `Run "ixt-as ${command === "run" || command === "check" ? `${command} ` : ""}--help" for usage.`,
      );
    }
    return 2;
  }
}
