// `ixt-as run`: opens a stream in the host shim, feeds it and prints every frame both ways, as the runtime
// would see them: what `extism call` is to Extism.
import {
  CancelReason,
  CloseReason,
  GuestTrap,
  IxtHost,
  StreamErrorCode,
  nameOf,
  outboundFrame,
  toHex,
  type LogLine,
  type OutboundCall,
  HostStatus,
  NO_SOURCE_MAP_HINT,
  UNLIMITED_CREDIT,
} from "../host-shim/index.js";
import { formatTrapFrames } from "../host-shim/trap-frames.js";
import { DEBUG_MODULE, IXT_MODULE, WASI_MODULE, WASI_REACTOR_EXPORT, foreignImportHint } from "./abi-spec.js";

/** One frame after the Open: a Data frame, or a Credit frame granting more bytes. */
export type RunStep = { kind: "Data"; payload: Uint8Array } | { kind: "credit"; bytes: number };

/** What to send on the stream. */
export interface RunPlan {
  streamId: Uint8Array;
  method: string;
  /** The Open's request payload, invocation context and initial credit (0xFFFFFFFF: unlimited). */
  payload: Uint8Array;
  context: Uint8Array;
  initialCredit: number;
  steps: RunStep[];
  end: "close" | "cancel" | "none";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const MAX_HEX_BYTES = 4096;

/** A payload as text: JSON-quoted UTF-8, or its size when it is not UTF-8. */
export function payloadText(bytes: Uint8Array): string {
  try {
    return JSON.stringify(strictUtf8.decode(bytes));
  } catch {
    return `<${bytes.length} bytes, not UTF-8>`;
  }
}

function hexOf(frame: Uint8Array): string {
  if (frame.length <= MAX_HEX_BYTES) return toHex(frame);
  return `${toHex(frame.subarray(0, MAX_HEX_BYTES))}… (${frame.length} bytes)`;
}

/** A debug log line as `ixt-as run` prints it. */
export const formatLog = (line: LogLine): string => `  log ${line.level.padEnd(5)} ${line.message}`;

/**
 * The imports the shim cannot provide (outside ixt, the debug log and WASI), each with how to fix it, as a
 * message; null when there is none.
 */
export function unrunnableImports(module: WebAssembly.Module): string | null {
  const missing = WebAssembly.Module.imports(module).filter(
    (i) => i.module !== IXT_MODULE && i.module !== DEBUG_MODULE && i.module !== WASI_MODULE,
  );
  if (missing.length === 0) return null;
  const names = missing.map((i) => `${i.module}.${i.name}`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return [
    `it imports ${list}, which neither the ixt runtime nor ixt-as run provides:`,
    ...missing.map((i, n) => `  ${names[n]}: ${foreignImportHint(i.module, i.name)}`),
  ].join("\n");
}

function describeOutbound(call: OutboundCall): string {
  switch (call.kind) {
    case "Data":
      return `Data   ${payloadText(call.payload)}`;
    case "Close":
      return `Close  ${nameOf(CloseReason, call.reason)}`;
    case "Error":
      return `Error  ${nameOf(StreamErrorCode, call.code)} ${JSON.stringify(call.message)}`;
  }
}

/**
 * Loads a module in the shim as the runtime would: a WASI-profile module gets Node's WASI, and a reactor's
 * `_initialize` runs once before the first frame (a module built with the WASI profile that uses no WASI
 * function imports nothing from it, but is still a reactor). `sourceMap` is the path of a debug build's
 * source map (`<module>.wasm.map`), so that a trap names its source lines; false for none.
 */
export async function loadForRun(
  module: WebAssembly.Module,
  stdio: { stdout?: number; stderr?: number } = {},
  onLog?: (line: LogLine) => void,
  bytes?: Uint8Array,
  sourceMap: string | false = false,
): Promise<IxtHost> {
  // The bytes, when given, let the shim see memory from a debug build's top-level log lines on.
  const source = bytes ?? module;
  const needsWasi = WebAssembly.Module.imports(module).some((i) => i.module === WASI_MODULE);
  const reactor = WebAssembly.Module.exports(module).some((e) => e.name === WASI_REACTOR_EXPORT);
  if (!needsWasi) {
    return IxtHost.load(source, {
      onLog,
      sourceMap,
      onInstance: reactor ? (instance) => (instance.exports[WASI_REACTOR_EXPORT] as () => void)() : undefined,
    });
  }
  const { WASI } = await import("node:wasi"); // imported here: loading it prints an experimental warning
  const wasi = new WASI({ version: "preview1", args: ["ixt-as"], env: {}, returnOnExit: true, ...stdio });
  return IxtHost.load(source, {
    onLog,
    sourceMap,
    imports: { [WASI_MODULE]: wasi.wasiImport },
    onInstance: (instance) => wasi.initialize(instance),
  });
}

/** Debug log lines as the module logs them, each with how many outbound calls the host had recorded then. */
export class LogTap {
  private readonly lines: { at: number; line: LogLine }[] = [];
  host: IxtHost | undefined;

  readonly onLog = (line: LogLine): void => {
    this.lines.push({ at: this.host?.sent.length ?? 0, line });
  };

  /** Takes the lines logged before outbound call `at` (all of them when undefined). */
  take(at?: number): LogLine[] {
    const n = at === undefined ? this.lines.length : this.lines.findIndex((l) => l.at > at);
    return this.lines.splice(0, n === -1 ? this.lines.length : n).map((l) => l.line);
  }
}

/** How a run ended: done, or the module failed (it trapped, or a frame could not be delivered), said in a sentence. */
export type RunOutcome = { ok: true } | { ok: false; failure: string };

/**
 * Where a trap happened, as `ixt-as run` prints it under the frame that trapped: the source frames of a
 * debug build (the module's own first), or that the source line needs the debug build.
 */
export function trapWhere(trap: GuestTrap): string[] {
  if (!trap.hasSourceMap) return [`       (${NO_SOURCE_MAP_HINT})`];
  return formatTrapFrames(trap.frames, "       ");
}

/**
 * Runs the plan and prints each inbound frame with the dispatcher's result, each outbound frame (text
 * and hex) and each debug log line, in the order they happened. Stops at the first failure: a trap (the
 * failure is the module's abort message when it sent one; under the frame that trapped, the source frames
 * of a debug build, or that the source line needs one) or a frame the host could not deliver.
 */
export function runPlan(
  host: IxtHost,
  plan: RunPlan,
  print: (line: string) => void,
  logs: LogTap = new LogTap(),
): RunOutcome {
  logs.host = host;
  const result = (code: number) => (code === 0 ? "ok" : `${nameOf(StreamErrorCode, code)} (${code})`);
  const show = (call: OutboundCall) => {
    const status = call.status === 0 ? "" : `  [host answered ${nameOf(HostStatus, call.status)}]`;
    // A call the host refused for its stream id (unknown, ended) is recorded without one: no frame.
    const frame = call.streamId.length === 32 ? hexOf(outboundFrame(call)) : "(no frame: not forwarded)";
    print(`  <- ${describeOutbound(call).padEnd(36)} ${frame}${status}`);
  };
  const deliver = (label: string, send: () => number): RunOutcome => {
    logs.take().forEach((line) => print(formatLog(line)));
    const before = host.sent.length;
    let code: number | undefined;
    let failure: string | undefined;
    try {
      code = send();
    } catch (err) {
      if (err instanceof GuestTrap) {
        failure = `the module trapped: ${err.abortMessage ?? `${err.trap} (it sent no message)`}`;
        print(`  -> ${label.padEnd(36)} dispatcher: trapped (${err.trap})`);
        trapWhere(err).forEach((line) => print(line));
      } else {
        failure = `a frame could not be delivered: ${err instanceof Error ? err.message : String(err)}`;
        print(`  -> ${label.padEnd(36)} not delivered (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    if (failure === undefined) print(`  -> ${label.padEnd(36)} dispatcher: ${result(code!)}`);
    host.sent.slice(before).forEach((call, i) => {
      logs.take(before + i).forEach((line) => print(formatLog(line)));
      show(call);
    });
    logs.take().forEach((line) => print(formatLog(line)));
    return failure === undefined ? { ok: true } : { ok: false, failure };
  };

  print(`stream ${toHex(plan.streamId)}`);
  const id = plan.streamId;
  const { method, payload, context, initialCredit } = plan;
  const credit = initialCredit === UNLIMITED_CREDIT ? "" : ` credit ${initialCredit}`;
  const request = payload.length ? ` payload ${payloadText(payload)}` : "";
  const label = `Open   method ${JSON.stringify(method)}${credit}${request}`;
  let outcome = deliver(label, () => host.open(id, { method, payload, context, initialCredit }));
  if (!outcome.ok) return outcome;
  for (const step of plan.steps) {
    outcome =
      step.kind === "Data"
        ? deliver(`Data   ${payloadText(step.payload)}`, () => host.data(id, step.payload))
        : deliver(`Credit ${step.bytes}`, () => host.credit(id, step.bytes));
    if (!outcome.ok) return outcome;
  }
  if (plan.end === "close") return deliver("Close  Normal", () => host.close(id, CloseReason.Normal));
  if (plan.end === "cancel") return deliver("Cancel Caller", () => host.cancel(id, CancelReason.Caller));
  return { ok: true };
}
