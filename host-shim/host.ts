// A small host that plays the ixt runtime's side of the ABI for tests and tools. It is not a runtime:
// it runs one module instance, delivers the frames it is given, and records what the module sends.

import { readFile } from "node:fs/promises";
import { ABI } from "./abi-values.js";
import {
  CREDIT_OFFSET,
  FRAME_HEADER_LEN,
  FrameKind,
  HostStatus,
  OPEN_CREDIT_OFFSET,
  STREAM_ID_LEN,
  StreamErrorCode,
  UNLIMITED_CREDIT,
  minFrameLen,
} from "./abi.js";
import { ModuleLoadError, NO_SOURCE_MAP_HINT, loadProblems } from "./hints.js";
import { limitMemory } from "./memory-limit.js";
import { deferStart } from "./start.js";
import { type TrapFrame, TrapLocator, formatTrapFrames, sourceMapNextTo } from "./trap-frames.js";
import {
  type OpenFields,
  type StreamId,
  encodeCancel,
  encodeClose,
  encodeCredit,
  encodeData,
  encodeError,
  encodeOpen,
  fromHex,
  toHex,
} from "./frames.js";

/** One call the module made to an `ixt` import, with the status the host returned. */
export type OutboundCall =
  | { kind: "Data"; streamId: string; payload: Uint8Array; payloadPtr: number; status: number }
  | { kind: "Close"; streamId: string; reason: number; status: number }
  | { kind: "Error"; streamId: string; code: number; message: string; status: number };

/** The level of a debug log line (`ixt_debug.log`'s first argument: 0 debug, 1 info, 2 warn, 3 error). */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One line a debug build logged through `ixt_debug.log` (`log.info(…)` in the module). */
export interface LogLine {
  /** The line's level: `log.debug` is "debug", and so on. */
  level: LogLevel;
  /** The line's text, decoded from UTF-8. */
  message: string;
  /**
   * Where the line was logged from, with the `locateLogs` option and a source map (a debug build): the
   * innermost frame of the module's own code (origin "module") that led to the `log` call, e.g. the
   * author's `stream.sendText` after the stream ended for the SDK's send-after-end warning. Absent otherwise.
   */
  authorFrame?: TrapFrame;
  /**
   * Whose code called `log`, with `locateLogs` and a source map: "sdk" for the SDK's own warnings (a send on
   * an ended stream), "module" for the author's `log.*` lines. Absent otherwise.
   */
  origin?: "sdk" | "module" | "library";
}

/** The counts of the module's outbound calls, kept whatever `record` says (`IxtHost.counts`). */
export interface CallCounts {
  /** `stream_send_data` calls, refused ones included. */
  data: number;
  /** `stream_send_close` calls, refused ones included. */
  close: number;
  /** `stream_send_error` calls, refused ones included. */
  error: number;
  /** Calls answered with anything but Ok (by the host's own checks or by `respond`). */
  refused: number;
  /** Payload bytes of the Data calls answered Ok: what the caller received. */
  deliveredBytes: number;
}

/** The levels by their number in `ixt_debug.log(level, ptr, len)`. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** The import namespace of the debug log (not provided by an ixt runtime: `ixt-as run` and this shim only). */
export const DEBUG_LOG_MODULE = "ixt_debug";

/** The export a debug build's start function is moved to, so that it runs once the host sees memory. */
const DEFERRED_START_EXPORT = "__ixt_shim_start";

/** The ABI exports a module must have. */
interface IxtExports {
  memory: WebAssembly.Memory;
  ixt_module_handle_server_stream(ptr: number, len: number): number;
  ixt_alloc(size: number): number;
  ixt_dealloc(ptr: number, size: number): void;
  /** ABI revision 2 (docs/ABI.md, interrupts): 1 when the instance is lost; absent in older modules. */
  ixt_instance_lost?: () => number;
}

/**
 * Decides the status of an outbound call that passed the host's own checks: return a `HostStatus` to
 * answer it, or undefined for Ok. A call answered with anything but Ok is recorded but not delivered (it
 * does not end the stream).
 */
export type Responder = (call: OutboundCall) => number | undefined;

/** Options for `IxtHost.load`. */
export interface HostOptions {
  /**
   * Decides the status of an outbound call that passed the host's own checks (a known, open stream,
   * memory in bounds, Data within the caller's credit): return a `HostStatus` (or any number) to answer
   * it, or undefined for Ok. A call answered with anything but Ok is recorded but not delivered. An
   * answer of UnknownStream or StreamClosed says the stream is gone on the host's side, so the host ends
   * it there too (later calls on it get StreamClosed), as conformance/ixt_host.py does; any other answer
   * leaves the stream as it was. `host.respond` changes it after loading.
   */
  respond?: Responder;
  /**
   * More import namespaces, e.g. `wasi_snapshot_preview1`. The `ixt` namespace and the debug log's
   * `ixt_debug` are always the host's.
   */
  imports?: WebAssembly.Imports;
  /**
   * Called once with the new instance before the host uses it, e.g. `(instance) => wasi.initialize(instance)`
   * for a module built with the WASI profile (a reactor whose `_initialize` must run before the first frame).
   */
  onInstance?: (instance: WebAssembly.Instance) => void;
  /**
   * Keep using the instance after a trap (default false: every later `dispatch` throws the first
   * trap again). When true, `dispatch` throws the `GuestTrap` for the call that trapped only, and the
   * next call goes into the same instance, as wasmtime allows; the SDK recovers at the entry of that
   * call (docs/ABI.md). The trapped call's frame buffer is not freed.
   */
  resumeAfterTrap?: boolean;
  /** Called with each debug log line as the module logs it (they are also kept in `host.logs`). */
  onLog?: (line: LogLine) => void;
  /**
   * The module's source map, which lets a `GuestTrap` name the source line of each frame: a file path, or
   * false for none. Default: `<path>.map` next to a module loaded from a path, when that file exists (a
   * debug build's, written by asc with the preset's `debug` target). Loading throws when a map named
   * here cannot be read.
   */
  sourceMap?: string | false;
  /**
   * The most linear memory the module may have, in bytes (rounded down to 64 KiB pages), as the runtime's
   * memory cap (wasmtime `StoreLimits`): the module's memory gets this maximum, V8 then fails a
   * `memory.grow` past it, and the SDK fails the stream that needed the memory with ResourceExhausted.
   * Default: no limit but the engine's. Loading throws `MemoryLimitError` when the module starts with more.
   */
  memoryLimit?: number;
  /**
   * Which outbound calls `host.sent` keeps: "all" (the default), "none", or a number N for about the last
   * N (between N and 2N; older calls are dropped). `host.counts` counts every call either way and `onCall`
   * sees each, so a test of 10^7 frames runs in constant memory: count and check instead of keeping.
   */
  record?: "all" | "none" | number;
  /**
   * Called with every outbound call once the host has answered it (its `status` set), refused ones
   * included, whatever `record` says. When the call is not kept (`record`), a Data call's `payload` is a
   * view of the module's memory, valid only during this callback: copy what you keep.
   */
  onCall?: (call: OutboundCall) => void;
  /**
   * Map each debug log line's call stack to the source with the build's source map, filling
   * `LogLine.authorFrame` and `LogLine.origin` (default false; `loadModule` turns it on). Costs a stack
   * capture per log line.
   */
  locateLogs?: boolean;
  /**
   * What a warning the SDK itself logs (level warn or error from the SDK's code, such as a send on a stream
   * that has ended, debug builds only) does: "keep" (the default) only records it in `host.logs`; "throw"
   * makes the `dispatch` that logged it throw an `SdkWarning` once the call has returned (the instance is
   * fine and can be used again). `loadModule` sets "throw", so such a mistake fails the author's test. Needs
   * `locateLogs` and a source map to tell the SDK's lines from the author's; without them nothing throws.
   */
  sdkWarnings?: "keep" | "throw";
}

/**
 * Thrown by `dispatch` (with `sdkWarnings: "throw"`) after a call in which the SDK logged a warning, e.g. a
 * send on a stream that has ended. The call itself completed: its result is `result`, and the instance
 * can be used again. The message is the warning, with the author's line first when known.
 */
export class SdkWarning extends Error {
  constructor(
    /** The warnings the SDK logged during the call, in order. */
    readonly lines: readonly LogLine[],
    /** The dispatcher's result for the call. */
    readonly result: number,
  ) {
    super(lines.map(describeLogLine).join("\n"));
    this.name = "SdkWarning";
  }
}

/** A log line as one line of text: the author's location first when known (`file:line:column: message`). */
export function describeLogLine(line: LogLine): string {
  const f = line.authorFrame;
  return f ? `${f.file}:${f.line}:${f.column}: ${line.message}` : line.message;
}

/**
 * Thrown by `dispatch` when the module says its instance is lost (its `ixt_instance_lost` export returns 1;
 * docs/ABI.md, interrupts): a call was stopped inside its allocator or its stream bookkeeping, so every
 * frame is refused (no buffer from `ixt_alloc`, or answered Unavailable) and nothing the module keeps can
 * be trusted. The frame still went to the module, whose first call after the loss fails every stream
 * (Error Internal with LOST_MESSAGE, in `host.sent`). Load a new instance, as the runtime replaces it.
 */
export class InstanceLost extends Error {
  /** The code a lost instance answers every frame with (Unavailable). */
  readonly code: number = ABI.interrupts.LOST_CODE;
  constructor(
    /** When the instance was lost: "before" this dispatch (it refused the frame), or "after" it began (during the call). */
    readonly when: "before" | "after",
  ) {
    super(
      `the module's instance is lost (${ABI.interrupts.LOST_EXPORT}() returned 1): ${ABI.interrupts.LOST_MESSAGE}. ` +
        (when === "before"
          ? `The frame was not handled: a lost instance refuses every frame (Unavailable, ${ABI.interrupts.LOST_CODE}). Load a new instance.`
          : `It was lost during this call; every later frame is refused (Unavailable, ${ABI.interrupts.LOST_CODE}). Load a new instance.`),
    );
    this.name = "InstanceLost";
  }
}

type StreamState = "open" | "ended";

/** What the host knows of a stream: its state and the payload bytes the caller can take now. */
interface StreamRecord {
  state: StreamState;
  credit: number; // Infinity when the Open granted unlimited credit
}

const u32At = (frame: Uint8Array, at: number) =>
  new DataView(frame.buffer, frame.byteOffset).getUint32(at, true);

/** An Open's initial credit (unlimited when the frame is too short to say). */
function initialCredit(frame: Uint8Array): number {
  const credit = frame.length >= OPEN_CREDIT_OFFSET + 4 ? u32At(frame, OPEN_CREDIT_OFFSET) : UNLIMITED_CREDIT;
  return credit === UNLIMITED_CREDIT ? Infinity : credit;
}

const ABI_EXPORTS = ["memory", "ixt_module_handle_server_stream", "ixt_alloc", "ixt_dealloc"] as const;

/** The instance's exports, typed for the ABI; throws naming the first one that is not what the ABI says. */
function abiExports(instance: WebAssembly.Instance): IxtExports {
  const e = instance.exports as unknown as Partial<IxtExports>;
  for (const name of ABI_EXPORTS) {
    const ok = name === "memory" ? e[name] instanceof WebAssembly.Memory : typeof e[name] === "function";
    if (!ok)
      throw new Error(`the module's export ${name} is not a ${name === "memory" ? "memory" : "function"}`);
  }
  return e as IxtExports;
}

// ignoreBOM: a leading U+FEFF in a message or log line is kept, as the module sent it.
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** The bytes of `memory` at [ptr, ptr + len), or null when they are not all inside it. */
function guestBytesOf(memory: WebAssembly.Memory, ptr: number, len: number): Uint8Array | null {
  const start = ptr >>> 0;
  const length = len >>> 0;
  const buffer = memory.buffer;
  if (start + length > buffer.byteLength) return null;
  return new Uint8Array(buffer, start, length);
}

/** A trap: a wasm RuntimeError, or V8's RangeError for a wasm stack overflow (a trap in wasmtime too). */
function isTrap(err: unknown): boolean {
  return (
    err instanceof WebAssembly.RuntimeError ||
    (err instanceof RangeError && /maximum call stack size exceeded/i.test(err.message))
  );
}

/** The current JavaScript stack with up to 64 frames (a log import's caller: the module's wasm frames). */
function wasmStack(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  try {
    return new Error("log");
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Fills a log line's `origin` (whose code called `log`: the first frame outside the SDK's log.ts) and
 * `authorFrame` (the innermost frame of the module's own code) from its call stack's source frames.
 */
function locateLine(line: LogLine, frames: readonly TrapFrame[]): void {
  const caller = frames.find((f) => !(f.origin === "sdk" && /(^|\/)log\.ts$/.test(f.file)));
  if (caller) line.origin = caller.origin;
  const author = frames.find((f) => f.origin === "module");
  if (author) line.authorFrame = author;
}

/** The frame the runtime would forward to the caller for an outbound call. */
export function outboundFrame(call: OutboundCall): Uint8Array {
  const id = fromHex(call.streamId);
  switch (call.kind) {
    case "Data":
      return encodeData(id, call.payload);
    case "Close":
      return encodeClose(id, call.reason);
    case "Error":
      return encodeError(id, call.code, call.message);
  }
}

/** Where a trap happened, for `GuestTrap`: its source frames, and whether the host had a source map. */
export interface TrapLocation {
  /** The trap's frames in the AssemblyScript source, innermost first (empty without a source map). */
  frames: TrapFrame[];
  /** True when the host had the module's source map (a debug build's). */
  hasSourceMap: boolean;
}

/**
 * Thrown by `dispatch` when the module traps. Unless the host was loaded with `resumeAfterTrap`, the
 * instance is unusable afterwards and every later `dispatch` throws the same trap.
 *
 * Its message's first line names the author's code first when the host had a source map (a debug build):
 * `assembly/index.ts:9:10: guest trapped (unreachable): Index out of range at ~lib/array.ts:114`, the
 * innermost frame of the module's own code, then what happened and where in the library. Then the source
 * frames (the module's own first, `at readPast (assembly/index.ts:9:10)`; the SDK's and libraries' after
 * them, marked `[sdk]` or `[library]`), or a line saying that the source line needs the debug build. When
 * the trap left the instance lost (docs/ABI.md, interrupts), a last line says so.
 */
export class GuestTrap extends Error {
  /**
   * The module's own message, when it sent `Error(Internal, message)` in the call that trapped (the
   * SDK's abort path does: a failed assertion, an out-of-bounds access, `abort(message)`), even if the
   * host refused that Error (e.g. the stream had already ended). Undefined for a bare trap.
   */
  readonly abortMessage: string | undefined;
  /** The engine's description of the trap, e.g. `unreachable`. */
  readonly trap: string;
  /**
   * The trap's frames in the AssemblyScript source, innermost first, each `{ file, line, column,
   * function?, origin }`; empty when the host had no source map (a release build). Frames the map does
   * not cover (code the compiler generated) are left out.
   */
  readonly frames: readonly TrapFrame[];
  /** True when the host had the module's source map, so `frames` could be read. */
  readonly hasSourceMap: boolean;
  /**
   * The innermost frame of the module's own code (the first of `frames` whose origin is "module"): the
   * author's line that led to the trap. Undefined without a source map, or when no frame is the module's.
   */
  readonly authorFrame: TrapFrame | undefined;

  /**
   * @param cause the engine's error (a `WebAssembly.RuntimeError`, or a `RangeError` for a stack overflow)
   * @param abortMessage the module's own message, if it sent one
   * @param location the source frames (default: none, no source map)
   */
  constructor(
    /** What the engine threw: a `WebAssembly.RuntimeError` for a trap. */
    readonly cause: unknown,
    abortMessage?: string,
    location: TrapLocation = { frames: [], hasSourceMap: false },
    /** True when the instance reported itself lost after the trap (its `ixt_instance_lost` export). */
    readonly instanceLost = false,
  ) {
    const trap = cause instanceof Error ? cause.message : String(cause);
    const author = location.frames.find((f) => f.origin === "module");
    const at = author ? `${author.file}:${author.line}:${author.column}: ` : "";
    const first =
      abortMessage === undefined
        ? `${at}guest trapped: ${trap}`
        : `${at}guest trapped (${trap}): ${abortMessage}`;
    const where = location.hasSourceMap ? formatTrapFrames(location.frames) : [`    (${NO_SOURCE_MAP_HINT})`];
    const lost = instanceLost ? [`    ${new InstanceLost("after").message}`] : [];
    super([first, ...where, ...lost].join("\n"));
    this.name = "GuestTrap";
    this.trap = trap;
    this.abortMessage = abortMessage;
    this.frames = location.frames;
    this.hasSourceMap = location.hasSourceMap;
    this.authorFrame = author;
  }
}

/**
 * Loads a module and plays the runtime. Each `open`/`data`/… call writes one frame into guest memory
 * through `ixt_alloc`, calls `ixt_module_handle_server_stream`, frees the buffer with `ixt_dealloc`
 * and returns the dispatcher's result (as an unsigned number).
 *
 * The host checks every guest pointer and length against memory (InvalidMemory), every stream id
 * length (BadArgument) and that the stream was opened and has not ended (UnknownStream,
 * StreamClosed). It never throws into the guest.
 */
export class IxtHost {
  /**
   * The outbound calls, in order, including refused ones: every one by default; none or only the latest
   * with the `record` option (`counts` has them all).
   */
  readonly sent: OutboundCall[] = [];
  /** Every outbound call counted, whatever `record` keeps. */
  readonly counts: CallCounts = { data: 0, close: 0, error: 0, refused: 0, deliveredBytes: 0 };
  /** The last Internal Error message sent during the call in progress (the abort path's), for `GuestTrap`. */
  private abortInCall: string | undefined;
  /** `record` as a window: how many calls `sent` keeps at least (Infinity: all, 0: none). */
  private readonly keep: number;
  /** True when `sent` keeps every call (the `record` option is "all", the default). */
  readonly recordsAll: boolean;
  /** The SDK's warnings logged during the call in progress (`sdkWarnings: "throw"`). */
  private warnings: LogLine[] = [];
  /** Every debug log line (`ixt_debug.log`, a debug build's `log.*`), in order, from instantiation on. */
  readonly logs: LogLine[];
  /** Streams the host has delivered an Open for, by hex id. */
  private readonly streams = new Map<string, StreamRecord>();
  private trapped: GuestTrap | null = null;
  /** Guest address of the last frame delivered (valid only during that dispatch). */
  lastFramePtr = 0;
  /**
   * The host's answer to the module's sends from now on (the `respond` option; undefined: Ok for each).
   * Set it between frames, e.g. `host.respond = () => HostStatus.WouldBlock`.
   */
  respond: Responder | undefined;

  private constructor(
    /** The module's instance, for reading its memory or calling an export of your own. */
    readonly instance: WebAssembly.Instance,
    private readonly abi: IxtExports,
    private readonly options: HostOptions,
    logs: LogLine[],
    private readonly locator: TrapLocator | null,
  ) {
    this.logs = logs;
    this.respond = options.respond;
    const record = options.record ?? "all";
    this.keep = record === "all" ? Infinity : record === "none" ? 0 : Math.max(0, Math.floor(record));
    this.recordsAll = this.keep === Infinity;
    locator?.ownedBy(this);
  }

  /**
   * True when the module says its instance is lost (its `ixt_instance_lost` export returns 1; docs/ABI.md,
   * interrupts): every frame is refused, and `dispatch` throws `InstanceLost` (after giving the module the
   * frame, so that its sweep of every stream shows in `sent`). False when the module has no such export
   * (ABI revision 1).
   */
  get instanceLost(): boolean {
    const lost = this.abi.ixt_instance_lost;
    return typeof lost === "function" && lost() === 1;
  }

  /**
   * The state of a stream on the host's side: "open" from its Open until it ends (the module's accepted Close
   * or Error, or the caller's Cancel or Error), then "ended"; undefined when no Open was delivered for it.
   */
  streamState(streamId: StreamId): "open" | "ended" | undefined {
    return this.streams.get(toHex(streamId))?.state;
  }

  /**
   * Instantiates a module from a file path, bytes or a compiled module. Give a path or bytes for a debug
   * build that logs from its top-level code: the host then runs the start function right after
   * instantiation, when it can read the lines; with a compiled module it reads them only after
   * instantiation, by which time their bytes may have been reused. Give a path (or the `sourceMap`
   * option) for a debug build's source map, so that a trap names its source lines.
   *
   * Throws `ModuleLoadError`, before running any of the module's code, when the module imports what
   * neither the host nor `options.imports` provides or lacks an ABI export; its message says how to fix
   * each (as `ixt-as check` does).
   */
  static async load(
    source: string | Uint8Array | WebAssembly.Module,
    options: HostOptions = {},
  ): Promise<IxtHost> {
    const bytes =
      source instanceof WebAssembly.Module
        ? null
        : typeof source === "string"
          ? new Uint8Array(await readFile(source))
          : (source as Uint8Array<ArrayBuffer>);
    let module = bytes
      ? await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>)
      : (source as WebAssembly.Module);
    const problems = loadProblems(module, options.imports);
    if (problems.length > 0) throw new ModuleLoadError(problems);
    if (options.memoryLimit !== undefined && !bytes)
      throw new TypeError("memoryLimit needs the module's bytes or path, not a compiled module");
    // The memory limit is the memory's declared maximum, which V8 enforces.
    const limited =
      options.memoryLimit !== undefined && bytes ? limitMemory(bytes, options.memoryLimit) : bytes;
    // A debug build may log from its top-level code, which runs in the start function, inside
    // instantiation, before the host can see the instance's memory: run it right after instead.
    const logs = WebAssembly.Module.imports(module).some((i) => i.module === DEBUG_LOG_MODULE);
    const moved = logs && limited ? deferStart(limited, DEFERRED_START_EXPORT) : null;
    const deferred = moved ?? limited;
    if (deferred !== bytes) module = await WebAssembly.compile(deferred as Uint8Array<ArrayBuffer>);
    // The rewrites moved the code by the change in size (the memory, export and start sections come before it).
    const shift = deferred && bytes ? deferred.length - bytes.length : 0;
    const mapPath = options.sourceMap ?? (typeof source === "string" ? sourceMapNextTo(source) : undefined);
    const locator = mapPath ? await TrapLocator.load(mapPath, bytes, shift) : null;
    // The imports need the instance's memory, which exists only after instantiation: bind late.
    let host: IxtHost | undefined;
    const ixt = {
      stream_send_data: (idPtr: number, idLen: number, ptr: number, len: number) =>
        host ? host.sendData(idPtr, idLen, ptr, len) : HostStatus.Internal,
      stream_send_close: (idPtr: number, idLen: number, reason: number) =>
        host ? host.sendClose(idPtr, idLen, reason) : HostStatus.Internal,
      stream_send_error: (idPtr: number, idLen: number, code: number, ptr: number, len: number) =>
        host ? host.sendError(idPtr, idLen, code, ptr, len) : HostStatus.Internal,
    };
    // Lines logged before the host exists (top-level code, `_initialize`) are kept too.
    const lines: LogLine[] = [];
    let memory: WebAssembly.Memory | undefined;
    // Calls made before the memory is known (the start function of a compiled module given as is).
    const early: [number, number, number][] = [];
    const logLine = (level: number, ptr: number, len: number, stack?: Error) => {
      const bytes = guestBytesOf(memory!, ptr, len);
      const line: LogLine = {
        level: LOG_LEVELS[Math.min(Math.max(level | 0, 0), 3)],
        message: bytes
          ? utf8.decode(bytes)
          : `<log message outside memory: ${ptr >>> 0}, ${len >>> 0} bytes>`,
      };
      if (stack && locator) locateLine(line, locator.framesOf(stack));
      lines.push(line);
      options.onLog?.(line);
      if (line.origin === "sdk" && (line.level === "warn" || line.level === "error")) host?.warned(line);
    };
    const locate = options.locateLogs === true && locator !== null;
    const ixt_debug = {
      log: (level: number, ptr: number, len: number) =>
        memory ? logLine(level, ptr, len, locate ? wasmStack() : undefined) : early.push([level, ptr, len]),
    };
    const instance = await WebAssembly.instantiate(module as WebAssembly.Module, {
      ...options.imports,
      ixt,
      [DEBUG_LOG_MODULE]: ixt_debug,
    });
    const abi = abiExports(instance);
    memory = abi.memory;
    early.forEach(([level, ptr, len]) => logLine(level, ptr, len)); // best effort: the bytes may be reused
    if (moved) (instance.exports[DEFERRED_START_EXPORT] as () => void)();
    options.onInstance?.(instance);
    host = new IxtHost(instance, abi, options, lines, locator);
    return host;
  }

  /** The guest's memory. */
  get memory(): WebAssembly.Memory {
    return this.abi.memory;
  }

  /**
   * Delivers one frame as the runtime does and returns the dispatcher's result. Throws `GuestTrap` if
   * the guest traps. Any bytes may be delivered; the host follows the stream's state from the frame:
   * an Open opens it for the module's sends with the Open's credit (undone if the Open is refused,
   * unless the stream was already open), a Credit frame adds credit and a Cancel or Error ends it
   * (both undone if the guest refuses the frame). A Data send beyond the stream's credit is answered
   * WouldBlock, as a runtime holding the caller's credit would.
   */
  dispatch(frame: Uint8Array): number {
    if (this.trapped) throw this.trapped;
    this.abortInCall = undefined;
    this.warnings = [];
    // A lost instance still gets the frame, as a runtime that does not ask ixt_instance_lost would give
    // it: its next call sweeps every stream (Error Internal, LOST_MESSAGE), then it refuses the frame.
    const wasLost = this.instanceLost;
    const result = this.follow(frame);
    if (this.warnings.length > 0 && this.options.sdkWarnings === "throw") {
      throw new SdkWarning(this.warnings, result);
    }
    if (result === ABI.interrupts.LOST_CODE && this.instanceLost)
      throw new InstanceLost(wasLost ? "before" : "after");
    return result;
  }

  /** Delivers a frame and follows the stream's state from it (see `dispatch`). */
  private follow(frame: Uint8Array): number {
    const kind = frame.length >= FRAME_HEADER_LEN ? frame[0] : -1;
    const opens = kind === FrameKind.Open;
    const ends = kind === FrameKind.Cancel || kind === FrameKind.Error;
    const credits = kind === FrameKind.Credit && frame.length >= minFrameLen(FrameKind.Credit)!;
    if (!opens && !ends && !credits) return this.deliver(frame);

    const key = toHex(frame.subarray(1, FRAME_HEADER_LEN));
    const record = this.streams.get(key);
    const saved = record && { ...record };
    const wasOpen = record?.state === "open";
    if (opens && !wasOpen) this.streams.set(key, { state: "open", credit: initialCredit(frame) });
    if (ends && record && wasOpen) record.state = "ended";
    if (credits && record && wasOpen) record.credit += u32At(frame, CREDIT_OFFSET);
    const result = this.deliver(frame);
    // A refused Open never opened; a Cancel, Error or Credit the guest found malformed never happened.
    const undo = opens
      ? result !== 0 && !wasOpen
      : ends
        ? result === StreamErrorCode.ProtocolViolation
        : result !== 0;
    if (undo) {
      if (saved === undefined) this.streams.delete(key);
      else this.streams.set(key, saved);
    }
    return result;
  }

  /** Writes the frame through `ixt_alloc`, calls the dispatcher, frees the buffer. */
  private deliver(frame: Uint8Array): number {
    const e = this.abi;
    try {
      const ptr = e.ixt_alloc(frame.length) >>> 0;
      if (ptr === 0 && this.instanceLost) throw new InstanceLost("before");
      if (ptr === 0) throw new Error(`ixt_alloc(${frame.length}) returned 0`);
      new Uint8Array(e.memory.buffer, ptr, frame.length).set(frame);
      this.lastFramePtr = ptr;
      const result = e.ixt_module_handle_server_stream(ptr, frame.length) >>> 0;
      e.ixt_dealloc(ptr, frame.length);
      return result;
    } catch (err) {
      if (isTrap(err)) {
        const location = { frames: this.locator?.framesOf(err) ?? [], hasSourceMap: this.locator !== null };
        let lost = false;
        try {
          lost = this.instanceLost;
        } catch {
          // the export itself trapped: not a lost state it could report
        }
        const trap = new GuestTrap(err, this.abortInCall, location, lost);
        if (!this.options.resumeAfterTrap) this.trapped = trap;
        throw trap;
      }
      throw err;
    }
  }

  /** Called by the log import with a warning from the SDK's own code. */
  private warned(line: LogLine): void {
    this.warnings.push(line);
  }

  /** Delivers an Open. The stream is open for the module's sends from now until it ends. */
  open(streamId: StreamId, fields: OpenFields = {}): number {
    return this.dispatch(encodeOpen(streamId, fields));
  }

  /** Delivers a Data frame. */
  data(streamId: StreamId, payload: Uint8Array | string = new Uint8Array(0)): number {
    return this.dispatch(encodeData(streamId, payload));
  }

  /** Delivers the caller's Close. The module may still send until it closes. */
  close(streamId: StreamId, reason: number): number {
    return this.dispatch(encodeClose(streamId, reason));
  }

  /** Delivers a Cancel; the stream ends. */
  cancel(streamId: StreamId, reason: number): number {
    return this.dispatch(encodeCancel(streamId, reason));
  }

  /** Delivers the caller's Error; the stream ends. */
  error(streamId: StreamId, code: number, message: Uint8Array | string = ""): number {
    return this.dispatch(encodeError(streamId, code, message));
  }

  /** Delivers a Credit frame. */
  credit(streamId: StreamId, credit: number): number {
    return this.dispatch(encodeCredit(streamId, credit));
  }

  /** The payload bytes the caller can take now on a stream (Infinity: unlimited), or undefined if never opened. */
  creditOf(streamId: StreamId): number | undefined {
    return this.streams.get(toHex(streamId))?.credit;
  }

  /** The outbound calls on one stream. */
  sentOn(streamId: StreamId): OutboundCall[] {
    const key = toHex(streamId);
    return this.sent.filter((call) => call.streamId === key);
  }

  /** Forgets the recorded outbound calls. */
  clearSent(): void {
    this.sent.length = 0;
  }

  /** Forgets the recorded log lines. */
  clearLogs(): void {
    this.logs.length = 0;
  }

  // ---- the `ixt` imports ----

  /** The guest bytes at [ptr, ptr + len), or null when they are not all inside memory. */
  private guestBytes(ptr: number, len: number): Uint8Array | null {
    return guestBytesOf(this.memory, ptr, len);
  }

  /** Checks a stream id argument: the host status to return, or the id's hex and the stream's record. */
  private streamArg(
    idPtr: number,
    idLen: number,
  ): { status: number } | { key: string; stream: StreamRecord } {
    if (idLen >>> 0 !== STREAM_ID_LEN) return { status: HostStatus.BadArgument };
    const id = this.guestBytes(idPtr, idLen);
    if (!id) return { status: HostStatus.InvalidMemory };
    const key = toHex(id);
    const stream = this.streams.get(key);
    if (stream === undefined) return { status: HostStatus.UnknownStream };
    if (stream.state === "ended") return { status: HostStatus.StreamClosed };
    return { key, stream };
  }

  /**
   * Answers an accepted call (Ok unless `respond` says otherwise) and records it. A Close or Error
   * answered Ok ends the stream; so does an injected UnknownStream or StreamClosed (the stream is gone).
   */
  private record(call: OutboundCall, stream: StreamRecord, endsStream: boolean): number {
    call.status = this.respond?.(call) ?? HostStatus.Ok;
    this.keepCall(call);
    const gone = call.status === HostStatus.UnknownStream || call.status === HostStatus.StreamClosed;
    if (gone || (endsStream && call.status === HostStatus.Ok)) stream.state = "ended";
    return call.status;
  }

  private refuse(call: OutboundCall, status: number): number {
    call.status = status;
    this.keepCall(call);
    return status;
  }

  /** Counts an answered call, shows it to `onCall` and keeps it in `sent` as `record` says. */
  private keepCall(call: OutboundCall): void {
    const c = this.counts;
    if (call.kind === "Data") {
      c.data++;
      if (call.status === HostStatus.Ok) c.deliveredBytes += call.payload.length;
    } else if (call.kind === "Close") c.close++;
    else {
      c.error++;
      if (call.code === StreamErrorCode.Internal) this.abortInCall = call.message;
    }
    if (call.status !== HostStatus.Ok) c.refused++;
    this.options.onCall?.(call);
    if (this.keep === 0) return;
    this.sent.push(call);
    // A window: drop the oldest once twice the window is kept (amortized O(1) per call).
    if (this.sent.length >= 2 * this.keep) this.sent.splice(0, this.sent.length - this.keep);
  }

  private sendData(idPtr: number, idLen: number, ptr: number, len: number): number {
    const id = this.streamArg(idPtr, idLen);
    const payload = this.guestBytes(ptr, len);
    const call: OutboundCall = {
      kind: "Data",
      streamId: "key" in id ? id.key : "",
      // Kept calls get a copy; a call only counted and shown to onCall gets a view of guest memory.
      payload: payload ? (this.keep === 0 ? payload : payload.slice()) : new Uint8Array(0),
      payloadPtr: ptr >>> 0,
      status: 0,
    };
    if ("status" in id) return this.refuse(call, id.status);
    if (!payload) return this.refuse(call, HostStatus.InvalidMemory);
    if (payload.length > id.stream.credit) return this.refuse(call, HostStatus.WouldBlock);
    const status = this.record(call, id.stream, false);
    if (status === HostStatus.Ok) id.stream.credit -= payload.length;
    return status;
  }

  private sendClose(idPtr: number, idLen: number, reason: number): number {
    const id = this.streamArg(idPtr, idLen);
    const call: OutboundCall = {
      kind: "Close",
      streamId: "key" in id ? id.key : "",
      reason: reason >>> 0,
      status: 0,
    };
    if ("status" in id) return this.refuse(call, id.status);
    return this.record(call, id.stream, true);
  }

  private sendError(idPtr: number, idLen: number, code: number, ptr: number, len: number): number {
    const id = this.streamArg(idPtr, idLen);
    const message = this.guestBytes(ptr, len);
    const call: OutboundCall = {
      kind: "Error",
      streamId: "key" in id ? id.key : "",
      code: code >>> 0,
      message: message ? utf8.decode(message) : "",
      status: 0,
    };
    if ("status" in id) return this.refuse(call, id.status);
    if (!message) return this.refuse(call, HostStatus.InvalidMemory);
    return this.record(call, id.stream, true);
  }
}
