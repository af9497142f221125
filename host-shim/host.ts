// A small host that plays the ixt runtime's side of the ABI for tests and tools. It is not a runtime:
// it runs one module instance, delivers the frames it is given, and records what the module sends.

import { readFile } from "node:fs/promises";
import { FRAME_HEADER_LEN, FrameKind, HostStatus, STREAM_ID_LEN, StreamErrorCode } from "./abi.js";
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
  | { kind: "data"; streamId: string; payload: Uint8Array; payloadPtr: number; status: number }
  | { kind: "close"; streamId: string; reason: number; status: number }
  | { kind: "error"; streamId: string; code: number; message: string; status: number };

/** The ABI exports a module must have. */
interface IxtExports {
  memory: WebAssembly.Memory;
  ixt_module_handle_server_stream(ptr: number, len: number): number;
  ixt_alloc(size: number): number;
  ixt_dealloc(ptr: number, size: number): void;
}

/** Options for `IxtHost.load`. */
export interface HostOptions {
  /**
   * Decides the status of an outbound call that passed the host's own checks: return a `HostStatus`
   * to answer it, or undefined for Ok. A call answered with anything but Ok is recorded but not
   * delivered (it does not end the stream).
   */
  respond?: (call: OutboundCall) => number | undefined;
  /** More import namespaces, e.g. `wasi_snapshot_preview1`. The `ixt` namespace is always the host's. */
  imports?: WebAssembly.Imports;
}

type StreamState = "open" | "ended";

const ABI_EXPORTS = ["memory", "ixt_module_handle_server_stream", "ixt_alloc", "ixt_dealloc"] as const;

/** The instance's exports, typed for the ABI; throws naming the first one missing. */
function abiExports(instance: WebAssembly.Instance): IxtExports {
  const e = instance.exports as unknown as Partial<IxtExports>;
  for (const name of ABI_EXPORTS) {
    if (!e[name]) throw new Error(`module does not export ${name}`);
  }
  return e as IxtExports;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** The frame the runtime would forward to the caller for an outbound call. */
export function outboundFrame(call: OutboundCall): Uint8Array {
  const id = fromHex(call.streamId);
  switch (call.kind) {
    case "data":
      return encodeData(id, call.payload);
    case "close":
      return encodeClose(id, call.reason);
    case "error":
      return encodeError(id, call.code, call.message);
  }
}

/** Thrown by `dispatch` when the module traps: the instance is unusable afterwards. */
export class GuestTrap extends Error {
  constructor(readonly cause: unknown) {
    super(`guest trapped: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "GuestTrap";
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
  /** Every outbound call, in order, including refused ones. */
  readonly sent: OutboundCall[] = [];
  /** Streams the host has delivered an Open for, by hex id. */
  private readonly streams = new Map<string, StreamState>();
  private trapped: GuestTrap | null = null;
  /** Guest address of the last frame delivered (valid only during that dispatch). */
  lastFramePtr = 0;

  private constructor(
    readonly instance: WebAssembly.Instance,
    private readonly abi: IxtExports,
    private readonly respond: HostOptions["respond"],
  ) {}

  /** Instantiates a module from a file path, bytes or a compiled module. */
  static async load(
    source: string | Uint8Array | WebAssembly.Module,
    options: HostOptions = {},
  ): Promise<IxtHost> {
    const module =
      source instanceof WebAssembly.Module
        ? source
        : await WebAssembly.compile(
            typeof source === "string" ? await readFile(source) : (source as Uint8Array<ArrayBuffer>),
          );
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
    const instance = await WebAssembly.instantiate(module, { ...options.imports, ixt });
    host = new IxtHost(instance, abiExports(instance), options.respond);
    return host;
  }

  /** The guest's memory. */
  get memory(): WebAssembly.Memory {
    return this.abi.memory;
  }

  /**
   * Delivers one frame as the runtime does and returns the dispatcher's result. Throws `GuestTrap` if
   * the guest traps. Any bytes may be delivered; the host follows the stream's state from the frame:
   * an Open opens it for the module's sends (undone if the Open is refused, unless the stream was
   * already open), a Cancel or Error ends it (undone if the guest found the frame malformed).
   */
  dispatch(frame: Uint8Array): number {
    if (this.trapped) throw this.trapped;
    const kind = frame.length >= FRAME_HEADER_LEN ? frame[0] : -1;
    const opens = kind === FrameKind.Open;
    const ends = kind === FrameKind.Cancel || kind === FrameKind.Error;
    if (!opens && !ends) return this.deliver(frame);

    const key = toHex(frame.subarray(1, FRAME_HEADER_LEN));
    const before = this.streams.get(key);
    if (opens) this.streams.set(key, "open");
    else if (before === "open") this.streams.set(key, "ended");
    const result = this.deliver(frame);
    const undo = opens ? result !== 0 && before !== "open" : result === StreamErrorCode.ProtocolViolation;
    if (undo) {
      if (before === undefined) this.streams.delete(key);
      else this.streams.set(key, before);
    }
    return result;
  }

  /** Writes the frame through `ixt_alloc`, calls the dispatcher, frees the buffer. */
  private deliver(frame: Uint8Array): number {
    const e = this.abi;
    try {
      const ptr = e.ixt_alloc(frame.length) >>> 0;
      if (ptr === 0) throw new Error(`ixt_alloc(${frame.length}) returned 0`);
      new Uint8Array(e.memory.buffer, ptr, frame.length).set(frame);
      this.lastFramePtr = ptr;
      const result = e.ixt_module_handle_server_stream(ptr, frame.length) >>> 0;
      e.ixt_dealloc(ptr, frame.length);
      return result;
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) {
        this.trapped = new GuestTrap(err);
        throw this.trapped;
      }
      throw err;
    }
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

  /** The outbound calls on one stream. */
  sentOn(streamId: StreamId): OutboundCall[] {
    const key = toHex(streamId);
    return this.sent.filter((call) => call.streamId === key);
  }

  /** Forgets the recorded outbound calls. */
  clearSent(): void {
    this.sent.length = 0;
  }

  // ---- the `ixt` imports ----

  /** The guest bytes at [ptr, ptr + len), or null when they are not all inside memory. */
  private guestBytes(ptr: number, len: number): Uint8Array | null {
    const start = ptr >>> 0;
    const length = len >>> 0;
    const buffer = this.memory.buffer;
    if (start + length > buffer.byteLength) return null;
    return new Uint8Array(buffer, start, length);
  }

  /** Checks a stream id argument: the host status to return, or the id's hex. */
  private streamArg(idPtr: number, idLen: number): { status: number } | { key: string } {
    if (idLen >>> 0 !== STREAM_ID_LEN) return { status: HostStatus.BadArgument };
    const id = this.guestBytes(idPtr, idLen);
    if (!id) return { status: HostStatus.InvalidMemory };
    const key = toHex(id);
    const state = this.streams.get(key);
    if (state === undefined) return { status: HostStatus.UnknownStream };
    if (state === "ended") return { status: HostStatus.StreamClosed };
    return { key };
  }

  private record(call: OutboundCall, endsStream: boolean): number {
    call.status = this.respond?.(call) ?? HostStatus.Ok;
    this.sent.push(call);
    if (endsStream && call.status === HostStatus.Ok) this.streams.set(call.streamId, "ended");
    return call.status;
  }

  private refuse(call: OutboundCall, status: number): number {
    call.status = status;
    this.sent.push(call);
    return status;
  }

  private sendData(idPtr: number, idLen: number, ptr: number, len: number): number {
    const id = this.streamArg(idPtr, idLen);
    const payload = this.guestBytes(ptr, len);
    const call: OutboundCall = {
      kind: "data",
      streamId: "key" in id ? id.key : "",
      payload: payload ? payload.slice() : new Uint8Array(0),
      payloadPtr: ptr >>> 0,
      status: 0,
    };
    if ("status" in id) return this.refuse(call, id.status);
    if (!payload) return this.refuse(call, HostStatus.InvalidMemory);
    return this.record(call, false);
  }

  private sendClose(idPtr: number, idLen: number, reason: number): number {
    const id = this.streamArg(idPtr, idLen);
    const call: OutboundCall = {
      kind: "close",
      streamId: "key" in id ? id.key : "",
      reason: reason >>> 0,
      status: 0,
    };
    if ("status" in id) return this.refuse(call, id.status);
    return this.record(call, true);
  }

  private sendError(idPtr: number, idLen: number, code: number, ptr: number, len: number): number {
    const id = this.streamArg(idPtr, idLen);
    const message = this.guestBytes(ptr, len);
    const call: OutboundCall = {
      kind: "error",
      streamId: "key" in id ? id.key : "",
      code: code >>> 0,
      message: message ? utf8.decode(message) : "",
      status: 0,
    };
    if ("status" in id) return this.refuse(call, id.status);
    if (!message) return this.refuse(call, HostStatus.InvalidMemory);
    return this.record(call, true);
  }
}
