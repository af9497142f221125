// `ixt-as run`: opens a stream in the host shim, feeds it and prints every frame both ways, as the runtime
// would see them: what `extism call` is to Extism.
import {
  CancelReason,
  CloseReason,
  GuestTrap,
  IxtHost,
  StreamErrorCode,
  encodeCancel,
  encodeClose,
  encodeCredit,
  encodeData,
  encodeOpen,
  nameOf,
  outboundFrame,
  toHex,
  type LogLine,
  type OutboundCall,
  type TrapFrame,
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

/** How much of each payload `ixt-as run` prints unless `--full`: its first 64 bytes, as text and in the hex. */
export const SHOWN_PAYLOAD_BYTES = 64;

/** The length of the valid UTF-8 sequence at `bytes[at]`, or 0 when none starts there (WHATWG's rules). */
function utf8SequenceAt(bytes: Uint8Array, at: number): number {
  const b = bytes[at];
  if (b < 0x80) return 1;
  const cont = (i: number, lo = 0x80, hi = 0xbf) =>
    at + i < bytes.length && bytes[at + i] >= lo && bytes[at + i] <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    // E0 needs A0..BF (no overlong form), ED 80..9F (no surrogate).
    const ok = b === 0xe0 ? cont(1, 0xa0) : b === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok && cont(2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    // F0 needs 90..BF (no overlong form), F4 80..8F (at most U+10FFFF).
    const ok = b === 0xf0 ? cont(1, 0x90) : b === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// Decodes one valid sequence at a time, which keeps a BOM (the default decoder drops a leading one).
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

const JSON_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};
// Code points a terminal would hide or act on: controls, format characters such as U+FEFF (the BOM) and
// U+200B, separators other than the space, surrogates, private use and unassigned ones.
const HIDDEN = /^[\p{C}\p{Z}]$/u;
const u16 = (unit: number) => `\\u${unit.toString(16).padStart(4, "0")}`;

/** A byte that is printable ASCII other than `"` and the backslash: shown as itself. */
const plainAscii = (byte: number) => byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;

/** One character as it appears in the text column: itself, or a JSON escape when it would not be seen. */
function shownChar(char: string): string {
  const escape = JSON_ESCAPES[char];
  if (escape !== undefined) return escape;
  if (char === " " || !HIDDEN.test(char)) return char;
  return char.length === 1 ? u16(char.charCodeAt(0)) : u16(char.charCodeAt(0)) + u16(char.charCodeAt(1));
}

/**
 * A payload as `ixt-as run` prints it: exactly its bytes, in quotes. Valid UTF-8 is shown as text, each
 * character that would not be seen (a leading BOM, U+FEFF, among them) as a JSON escape, so that valid
 * UTF-8 reads as a JSON string of exactly the text sent; a byte that is not part of valid UTF-8 is `\xNN`.
 * Past `limit` bytes the text is cut before the next character, followed by `… (+N bytes)`, N the bytes left out.
 */
export function payloadText(bytes: Uint8Array, limit = Infinity): string {
  let out = '"';
  let at = 0;
  while (at < bytes.length) {
    // A run of printable ASCII other than the quote and the backslash, the common case, stands for itself.
    let end = at;
    while (end < bytes.length && end < limit && plainAscii(bytes[end])) end++;
    if (end > at) {
      out += Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString("latin1");
      at = end;
      continue;
    }
    const len = utf8SequenceAt(bytes, at);
    if (at + Math.max(len, 1) > limit) break;
    if (len === 0) {
      out += `\\x${bytes[at].toString(16).padStart(2, "0")}`;
      at += 1;
      continue;
    }
    out += shownChar(utf8.decode(bytes.subarray(at, at + len)));
    at += len;
  }
  out += '"';
  return at < bytes.length ? `${out}… (+${bytes.length - at} bytes)` : out;
}

/**
 * A frame in hex: all of it, or, past `limit` bytes of its payload (the frame's last `payloadLen` bytes),
 * its start followed by `… (+N bytes)`.
 */
export function frameHex(frame: Uint8Array, payloadLen: number, limit = Infinity): string {
  const shown = frame.length - payloadLen + Math.min(payloadLen, limit);
  if (shown >= frame.length) return toHex(frame);
  return `${toHex(frame.subarray(0, shown))}… (+${frame.length - shown} bytes)`;
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

/** What a run did: what the stream's Open got, whether the module trapped or was left waiting for credit. */
export interface RunOutcome {
  /** Why the run stopped early, in a sentence (the module trapped, or a frame could not be delivered); undefined when it did not. */
  failure?: string;
  /** True when the module trapped. */
  trapped: boolean;
  /** The dispatcher's result for the Open (0: accepted, else the reject code); undefined when it trapped. */
  openResult?: number;
  /**
   * True when the stream, accepted with limited credit, was still open at the end and the module had
   * something to send that only more credit would let out (a Data frame, or a Close behind one).
   */
  waitingForCredit: boolean;
  /** True when a payload was cut (printing without `--full`). */
  cut: boolean;
}

/** How `runPlan` prints. */
export interface RunOptions {
  /** Print every payload whole, in the text and the hex (default false: cut after `SHOWN_PAYLOAD_BYTES`). */
  full?: boolean;
}

/** The module's own innermost frame of a trap: the first of `frames` whose origin is "module" (debug builds only). */
export function authorFrame(trap: GuestTrap): TrapFrame | undefined {
  return trap.frames.find((frame) => frame.origin === "module");
}

const where = (frame: TrapFrame) => `${frame.file}:${frame.line}:${frame.column}`;

/**
 * A trap in one line, the author's code first: ` at assembly/index.ts:9:10 (readPast): Index out of range
 * at ~lib/array.ts:114`, i.e. the module's own innermost frame (a debug build's), then what the module said
 * (its abort message, which names the library location), or the engine's trap and the innermost frame.
 * Without a source map it starts with ": ". Made to follow "the module trapped" or "traps".
 */
export function trapSummary(trap: GuestTrap): string {
  const own = authorFrame(trap);
  const at = own ? ` at ${where(own)}${own.function ? ` (${own.function})` : ""}` : "";
  const inner = trap.frames[0];
  const library = inner !== undefined && inner !== own ? ` at ${where(inner)}` : "";
  return `${at}: ${trap.abortMessage ?? `${trap.trap}${library} (it sent no message)`}`;
}

/**
 * Where a trap happened, as `ixt-as run` prints it under the frame that trapped: the source frames of a
 * debug build (the module's own first), or that the source line needs the debug build.
 */
export function trapWhere(trap: GuestTrap): string[] {
  if (!trap.hasSourceMap) return [`       (${NO_SOURCE_MAP_HINT})`];
  return formatTrapFrames(trap.frames, "       ");
}

/** The summary line that ends a run. */
export function summaryLine(outcome: RunOutcome): string {
  const open = outcome.openResult;
  const rejected = open !== undefined && open !== 0;
  const code = rejected ? ` (${nameOf(StreamErrorCode, open)} ${open})` : "";
  return [
    `summary: 1 stream: ${open === 0 ? 1 : 0} accepted`,
    `${rejected ? 1 : 0} rejected${code}`,
    `${outcome.trapped ? 1 : 0} trapped`,
    `${outcome.waitingForCredit ? 1 : 0} still waiting for credit`,
  ].join(", ");
}

/** The host statuses after which a stream has ended on the host's side (a Close or Error answered so, or any call answered "gone"). */
const ENDED_BY = new Set<number>([HostStatus.UnknownStream, HostStatus.StreamClosed]);

/**
 * Whether the module holds something for the stream that only credit would let out. Asked after the run:
 * the host grants the most credit a frame can and answers WouldBlock to every send, so the module sends at
 * most one frame and queues it again; the instance is not used afterwards.
 */
function waitsForCredit(host: IxtHost, id: Uint8Array, logs: LogTap): boolean {
  const key = toHex(id);
  const before = host.sent.length;
  const respond = host.respond;
  host.respond = () => HostStatus.WouldBlock;
  try {
    host.credit(id, MAX_CREDIT_GRANT);
  } catch {
    return false; // it trapped: not a stream waiting for credit
  } finally {
    host.respond = respond;
    logs.take(); // the probe's lines are not part of the run
  }
  return host.sent.slice(before).some((call) => call.streamId === key);
}

const MAX_CREDIT_GRANT = 0xffffffff;

/**
 * Runs the plan and prints each inbound frame with the dispatcher's result and its hex, each outbound
 * frame (text and hex) and each debug log line, in the order they happened; payloads are cut after
 * `SHOWN_PAYLOAD_BYTES` unless `options.full`. Stops at the first failure: a trap (the failure names the
 * author's source line first, in a debug build, then the module's abort message; under the frame that
 * trapped, the source frames of a debug build, or that the source line needs one) or a frame the host
 * could not deliver. Does not print the summary (`summaryLine`). When the stream is still open with
 * limited credit at the end, it asks the module whether it was waiting for credit (one more Credit frame,
 * every send answered WouldBlock, nothing printed): do not use the instance for anything else afterwards.
 */
export function runPlan(
  host: IxtHost,
  plan: RunPlan,
  print: (line: string) => void,
  logs: LogTap = new LogTap(),
  options: RunOptions = {},
): RunOutcome {
  logs.host = host;
  const limit = options.full ? Infinity : SHOWN_PAYLOAD_BYTES;
  const outcome: RunOutcome = { trapped: false, waitingForCredit: false, cut: false };
  const text = (bytes: Uint8Array) => {
    if (bytes.length > limit) outcome.cut = true;
    return payloadText(bytes, limit);
  };
  const hex = (frame: Uint8Array, payloadLen: number) => frameHex(frame, payloadLen, limit);
  const result = (code: number) => (code === 0 ? "ok" : `${nameOf(StreamErrorCode, code)} (${code})`);
  const show = (call: OutboundCall) => {
    const status = call.status === 0 ? "" : `  [host answered ${nameOf(HostStatus, call.status)}]`;
    let description: string;
    let payloadLen = 0;
    switch (call.kind) {
      case "Data":
        description = `Data   ${text(call.payload)}`;
        payloadLen = call.payload.length;
        break;
      case "Close":
        description = `Close  ${nameOf(CloseReason, call.reason)}`;
        break;
      case "Error": {
        const message = new TextEncoder().encode(call.message);
        description = `Error  ${nameOf(StreamErrorCode, call.code)} ${text(message)}`;
        payloadLen = message.length;
        break;
      }
    }
    // A call the host refused for its stream id (unknown, ended) is recorded without one: no frame.
    const frame =
      call.streamId.length === 32 ? hex(outboundFrame(call), payloadLen) : "(no frame: not forwarded)";
    print(`  <- ${description.padEnd(36)} ${frame}${status}`);
  };
  /** Delivers one frame; returns its result, or undefined when it trapped or could not be delivered. */
  const deliver = (label: string, frame: Uint8Array, payloadLen: number): number | undefined => {
    logs.take().forEach((line) => print(formatLog(line)));
    const before = host.sent.length;
    let code: number | undefined;
    try {
      code = host.dispatch(frame);
      print(`  -> ${label.padEnd(36)} dispatcher: ${result(code)}  ${hex(frame, payloadLen)}`);
    } catch (err) {
      if (err instanceof GuestTrap) {
        outcome.trapped = true;
        outcome.failure = `the module trapped${trapSummary(err)}`;
        print(`  -> ${label.padEnd(36)} dispatcher: trapped (${err.trap})  ${hex(frame, payloadLen)}`);
        trapWhere(err).forEach((line) => print(line));
      } else {
        const why = err instanceof Error ? err.message : String(err);
        outcome.failure = `a frame could not be delivered: ${why}`;
        print(`  -> ${label.padEnd(36)} not delivered (${why})  ${hex(frame, payloadLen)}`);
      }
    }
    host.sent.slice(before).forEach((call, i) => {
      logs.take(before + i).forEach((line) => print(formatLog(line)));
      show(call);
    });
    logs.take().forEach((line) => print(formatLog(line)));
    return code;
  };

  print(`stream ${toHex(plan.streamId)}`);
  const id = plan.streamId;
  const { method, payload, context, initialCredit } = plan;
  const credit = initialCredit === UNLIMITED_CREDIT ? "" : ` credit ${initialCredit}`;
  const request = payload.length ? ` payload ${text(payload)}` : "";
  const label = `Open   method ${JSON.stringify(method)}${credit}${request}`;
  const open = encodeOpen(id, { method, payload, context, initialCredit });
  outcome.openResult = deliver(label, open, payload.length + context.length);
  if (outcome.failure !== undefined) return outcome;
  for (const step of plan.steps) {
    if (step.kind === "Data")
      deliver(`Data   ${text(step.payload)}`, encodeData(id, step.payload), step.payload.length);
    else deliver(`Credit ${step.bytes}`, encodeCredit(id, step.bytes), 0);
    if (outcome.failure !== undefined) return outcome;
  }
  let cancelled = false;
  if (plan.end === "close") deliver("Close  Normal", encodeClose(id, CloseReason.Normal), 0);
  if (plan.end === "cancel")
    cancelled = deliver("Cancel Caller", encodeCancel(id, CancelReason.Caller), 0) === 0;
  if (outcome.failure !== undefined) return outcome;

  // Still open with limited credit: does the module hold something back for want of it?
  const key = toHex(id);
  const ended =
    cancelled ||
    host.sent.some(
      (call) =>
        call.streamId === key &&
        (ENDED_BY.has(call.status) || (call.kind !== "Data" && call.status === HostStatus.Ok)),
    );
  if (outcome.openResult === 0 && initialCredit !== UNLIMITED_CREDIT && !ended) {
    outcome.waitingForCredit = waitsForCredit(host, id, logs);
  }
  return outcome;
}
