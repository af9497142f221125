// The `ixt-as` command: `check` a module against the ABI, `run` it in the host shim.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { fromHex, streamIdOf } from "../host-shim/index.js";
import { checkModule, formatReport } from "./check.js";
import { loadForRun, runPlan, type RunPlan } from "./run.js";

/** Where the command writes. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const USAGE = `usage: ixt-as <command> [options]

commands:
  check <module.wasm>   check the module's imports and exports against the ixt ABI
  run <module.wasm>     open a stream in the host shim, feed it and print every frame

Run "ixt-as <command> --help" for a command's options.`;

export const CHECK_USAGE = `usage: ixt-as check [--wasi] <module.wasm>…

Prints each module's imports and exports against the ixt server-stream ABI (docs/ABI.md) and exits
with status 1 when any is wrong: an import outside "ixt", a wrong signature, a missing export. Each
problem says how to fix it.

options:
  --wasi       accept wasi_snapshot_preview1 imports (a module built with the WASI profile, which
               must then be a reactor exporting _initialize)
  -h, --help   show this help

exit status: 0 the module matches, 1 it does not, 2 bad usage or a missing or invalid file`;

export const RUN_USAGE = `usage: ixt-as run <module.wasm> [--method M] [--data TEXT|@file]… [--close|--cancel] [--id HEX]

Loads the module in the host shim, opens a server stream, sends each --data as a Data frame in order,
then the caller's Close (--close) or a Cancel (--cancel), and prints each inbound frame with the
dispatcher's result and each outbound frame the module sends (text and hex). A module built with the
WASI profile gets Node's WASI.

options:
  --method M       the Open's method (default: empty)
  --data TEXT      a Data frame with TEXT as UTF-8; --data @file sends the file's bytes. Repeatable.
  --close          end with the caller's Close (Normal)
  --cancel         end with a Cancel (Caller)
  --id HEX         the stream id, 32 hex digits (default: 01000000000000000000000000000000)
  -h, --help       show this help

exit status: 0 done, 1 the module trapped, 2 bad usage or a missing or invalid file`;

class UsageError extends Error {}

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
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
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
    const report = await checkModule(bytes, { wasi: values.wasi });
    formatReport(path, report).forEach((line) => io.out(line));
    failed ||= report.problems > 0;
  }
  return failed ? 1 : 0;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      method: { type: "string", default: "" },
      data: { type: "string", multiple: true, default: [] },
      close: { type: "boolean" },
      cancel: { type: "boolean" },
      id: { type: "string" },
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
  const data: Uint8Array[] = [];
  for (const item of values.data) {
    if (item.startsWith("@")) {
      const file = item.slice(1);
      try {
        data.push(new Uint8Array(await readFile(file)));
      } catch {
        throw new UsageError(`run: cannot read --data file ${file}`);
      }
    } else {
      data.push(new TextEncoder().encode(item));
    }
  }
  const plan: RunPlan = {
    streamId,
    method: values.method,
    data,
    end: values.close ? "close" : values.cancel ? "cancel" : "none",
  };
  const path = positionals[0];
  const module = await compileModule(path, await readModuleFile(path));
  let host;
  try {
    host = await loadForRun(module);
  } catch (err) {
    throw new UsageError(`cannot load ${path} in the host shim: ${(err as Error).message}`);
  }
  io.out(`${path}`);
  return runPlan(host, plan, io.out) ? 0 : 1;
}

/** Runs the command line `args` (without `node ixt-as`); returns the exit status. */
export async function main(args: string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "check":
        return await check(rest, io);
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
      err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!isUsage) throw err;
    io.err(`ixt-as: ${(err as Error).message}`);
    if (!(err instanceof UsageError) || /^(check|run): /.test((err as Error).message)) {
      io.err(
        `Run "ixt-as ${command === "run" || command === "check" ? `${command} ` : ""}--help" for usage.`,
      );
    }
    return 2;
  }
}
