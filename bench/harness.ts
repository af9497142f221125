// The echo benchmark's moving parts, shared by the runner (bench/run.ts, `npm run bench`) and the CI smoke
// test (tests/bench-smoke.test.ts): building the variants from their sources, two ways of driving frames
// through them, and the echo check.
//
// Variants (all with the same ABI, docs/ABI.md):
//   a  build/stream_echo.wasm: examples/stream_echo.ts on the SDK (release target, incremental runtime)
//   b  bench/echo.wat: hand-written WebAssembly text, no SDK; the payload pointer goes straight to the host
//   c  bench/plain_echo.as.ts: AssemblyScript without the SDK, copying each payload into a Uint8Array
import asc from "assemblyscript/asc";
import wabtInit from "wabt";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  FRAME_HEADER_LEN,
  HostStatus,
  IxtHost,
  STREAM_ID_LEN,
  encodeClose,
  encodeData,
  encodeOpen,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";

/** The repository root (found from this file, whether run from bench/ or compiled into dist/bench/). */
export const root: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above bench/");
    dir = up;
  }
  return dir;
})();

/** Where the bench builds its modules (build/ is not committed). */
export const benchOut = join(root, "build/bench");

export type VariantKey = "a" | "b" | "c";

export interface Variant {
  key: string;
  label: string;
  /** The built module. */
  path: string;
  /** True when the echoed payload is the inbound frame's own bytes (no copy). */
  zeroCopy: boolean;
}

export const variants: Record<VariantKey, Variant> = {
  a: {
    key: "a",
    label: "SDK (stream_echo.wasm)",
    path: join(root, "build/stream_echo.wasm"),
    zeroCopy: true,
  },
  b: { key: "b", label: "hand-written WAT", path: join(benchOut, "wat_echo.wasm"), zeroCopy: true },
  c: { key: "c", label: "plain AS, copies", path: join(benchOut, "plain_echo.wasm"), zeroCopy: false },
};

/** Payload sizes the benchmark and the smoke test use. */
export const PAYLOAD_SIZES = [0, 64, 1024, 64 * 1024, 1024 * 1024] as const;

/** A payload of `size` bytes with a pattern that is not all one byte. */
export function payloadOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + 7) & 0xff;
  return bytes;
}

/** Compiles an AssemblyScript entry file with `asc`; throws with the compiler's output on failure. */
export async function compileAs(entry: string, outFile: string, args: string[] = []): Promise<void> {
  mkdirSync(dirname(outFile), { recursive: true });
  const { error, stderr } = await asc.main([resolve(root, entry), "--outFile", outFile, ...args], {});
  if (error) throw new Error(`asc ${entry}: ${error.message}\n${stderr.toString()}`);
}

/** Assembles a WebAssembly text file with wabt (from npm). */
export async function assembleWat(watFile: string, outFile: string): Promise<void> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(watFile, readFileSync(resolve(root, watFile), "utf8"));
  try {
    module.resolveNames();
    module.validate();
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/**
 * Builds what only the bench needs into build/bench/: the WAT echo (b) and the plain AssemblyScript echo
 * (c). The SDK echo itself (a) is `npm run build:wasm`'s (or the test suite's global setup's)
 * build/stream_echo.wasm.
 */
export async function buildBenchModules(): Promise<void> {
  // asc reads asconfig.json from the working directory unless told otherwise: name each config.
  const sdkConfig = ["--config", join(root, "asconfig.json"), "--target", "release"];
  await assembleWat("bench/echo.wat", variants.b.path);
  await compileAs("bench/plain_echo.as.ts", variants.c.path, [
    "--config",
    join(root, "bench/asconfig.json"),
    "--target",
    "release",
  ]);
}

/** Builds the SDK echo (a) the way `npm run build:wasm` does, to `outFile`. */
export async function buildSdkEcho(outFile: string = variants.a.path, args: string[] = []): Promise<void> {
  await compileAs("examples/stream_echo.ts", outFile, [
    "--config",
    join(root, "asconfig.json"),
    "--target",
    "release",
    ...args,
  ]);
}

// ---- drivers ----

/** Delivers one prepared Data frame, many times. */
export interface Driver {
  /** Delivers the frame `n` times; returns the OR of the dispatcher results (0 when all were handled). */
  run(n: number): number;
}

const STREAM = streamIdOf(1);

/**
 * Through the host shim (`IxtHost.dispatch`), as the issue asks: the shim copies the frame into guest
 * memory through ixt_alloc, calls the dispatcher, frees the buffer, and for each `stream_send_data` checks
 * the stream and copies the payload into its record (`host.sent`, cleared after every frame here).
 */
export async function shimDriver(path: string, payload: Uint8Array): Promise<Driver> {
  const host = await IxtHost.load(path);
  if (host.open(STREAM) !== 0) throw new Error(`${path}: Open refused`);
  const frame = encodeData(STREAM, payload);
  return {
    run(n: number): number {
      let results = 0;
      for (let i = 0; i < n; i++) {
        results |= host.dispatch(frame);
        host.clearSent();
      }
      return results;
    },
  };
}

/** The ABI's exports of an instance (docs/ABI.md, "Module exports"). */
interface AbiExports {
  memory: WebAssembly.Memory;
  ixt_module_handle_server_stream(ptr: number, len: number): number;
  ixt_alloc(size: number): number;
  ixt_dealloc(ptr: number, size: number): void;
}

const abiOf = (instance: WebAssembly.Instance): AbiExports => instance.exports as unknown as AbiExports;

/** Delivers one frame as the runtime does: `ixt_alloc`, copy in, dispatch, `ixt_dealloc`; the dispatcher's result. */
function deliverer(e: AbiExports): (frame: Uint8Array) => number {
  return (frame) => {
    const ptr = e.ixt_alloc(frame.length) >>> 0;
    new Uint8Array(e.memory.buffer, ptr, frame.length).set(frame);
    const result = e.ixt_module_handle_server_stream(ptr, frame.length);
    e.ixt_dealloc(ptr, frame.length);
    return result;
  };
}

/**
 * A lean runtime: what the real host must do per frame and nothing more (ixt_alloc, copy the frame in, call
 * the dispatcher, ixt_dealloc; `stream_send_data` checks its arguments against memory and reads nothing).
 * The host's share of each frame is small here, so the guest's share shows.
 */
export async function leanDriver(path: string, payload: Uint8Array): Promise<Driver> {
  let memory: WebAssembly.Memory | undefined;
  let echoed = 0;
  const inMemory = (ptr: number, len: number): boolean =>
    (ptr >>> 0) + (len >>> 0) <= memory!.buffer.byteLength;
  const ixt = {
    stream_send_data(idPtr: number, idLen: number, ptr: number, len: number): number {
      if (idLen !== STREAM_ID_LEN) return HostStatus.BadArgument;
      if (!inMemory(idPtr, idLen) || !inMemory(ptr, len)) return HostStatus.InvalidMemory;
      echoed += len >>> 0;
      return HostStatus.Ok;
    },
    stream_send_close: (): number => HostStatus.Ok,
    stream_send_error: (): number => HostStatus.Ok,
  };
  const { instance } = await WebAssembly.instantiate(readFileSync(path), { ixt });
  const e = abiOf(instance);
  memory = e.memory;
  const deliver = deliverer(e);
  // A ServerStream Open with unlimited credit (encodeOpen's defaults).
  if (deliver(encodeOpen(STREAM)) !== 0) throw new Error(`${path}: Open refused`);
  const frame = encodeData(STREAM, payload);
  // The frame is delivered as it is; a check that the echo happened at all.
  echoed = 0;
  if (deliver(frame) !== 0 || echoed !== payload.length) throw new Error(`${path}: no echo`);
  return {
    run(n: number): number {
      let results = 0;
      for (let i = 0; i < n; i++) results |= deliver(frame);
      return results;
    },
  };
}

// ---- the cold request ----

/** The payload size of the cold request's one Data frame. */
export const COLD_PAYLOAD = 64;

/** Wall-clock µs of one cold request's phases (`total` is instantiate through close; teardown is not timed in V8). */
export interface ColdTimes {
  total: number;
  instantiate: number;
  open: number;
  data: number;
  close: number;
}

/**
 * A cold request in V8, as bench/wasmtime/driver.c runs it in wasmtime: from a module compiled once, each call makes
 * a new instance (`new WebAssembly.Instance`, a fresh memory) with fresh host imports, looks up its exports, then
 * delivers Open (unlimited credit), one 64-byte Data frame and Close the runtime's way (`ixt_alloc`, copy in,
 * dispatch, `ixt_dealloc`). The imports are the same for every module: `stream_send_data` checks the id length,
 * the bounds and the id, and copies the payload out; `stream_send_close` checks the id and records the reason.
 * Throws when the echo or the Close(Normal) is not what it should be.
 */
export function coldRequester(module: WebAssembly.Module): () => ColdTimes {
  const id = streamIdOf(1);
  const open = encodeOpen(id);
  const payload = payloadOf(COLD_PAYLOAD);
  const data = encodeData(id, payload);
  const close = encodeClose(id, 0);
  const out = new Uint8Array(COLD_PAYLOAD);
  const now = (): number => Number(process.hrtime.bigint()) / 1e3;
  return (): ColdTimes => {
    let memory: WebAssembly.Memory | undefined;
    let sends = 0;
    let sent = 0;
    let closes = 0;
    let reason = -1;
    let errors = 0;
    const checkId = (bytes: Uint8Array, idPtr: number, idLen: number): number => {
      if (idLen !== 16) return HostStatus.BadArgument;
      if ((idPtr >>> 0) + 16 > bytes.length) return HostStatus.InvalidMemory;
      for (let i = 0; i < 16; i++) if (bytes[idPtr + i] !== id[i]) return HostStatus.UnknownStream;
      return HostStatus.Ok;
    };
    const ixt = {
      stream_send_data(idPtr: number, idLen: number, ptr: number, len: number): number {
        const bytes = new Uint8Array(memory!.buffer);
        const status = checkId(bytes, idPtr, idLen);
        if (status !== HostStatus.Ok) return status;
        if ((ptr >>> 0) + (len >>> 0) > bytes.length || len > out.length) return HostStatus.InvalidMemory;
        out.set(bytes.subarray(ptr, ptr + len));
        sends++;
        sent += len;
        return HostStatus.Ok;
      },
      stream_send_close(idPtr: number, idLen: number, why: number): number {
        const status = checkId(new Uint8Array(memory!.buffer), idPtr, idLen);
        if (status === HostStatus.Ok) {
          closes++;
          reason = why;
        }
        return status;
      },
      stream_send_error(): number {
        errors++;
        return HostStatus.Ok;
      },
    };
    const t0 = now();
    const instance = new WebAssembly.Instance(module, { ixt });
    const e = abiOf(instance);
    memory = e.memory;
    const deliver = deliverer(e);
    const t1 = now();
    const rOpen = deliver(open);
    const t2 = now();
    const rData = deliver(data);
    const t3 = now();
    const rClose = deliver(close);
    const t4 = now();
    if (rOpen || rData || rClose)
      throw new Error(`cold request: dispatcher returned ${rOpen}, ${rData}, ${rClose}`);
    if (
      sends !== 1 ||
      sent !== COLD_PAYLOAD ||
      toHex(out) !== toHex(payload) ||
      closes !== 1 ||
      reason !== 0 ||
      errors
    )
      throw new Error(
        `cold request: ${sends} Data (${sent} bytes), ${closes} Close (reason ${reason}), ${errors} Error`,
      );
    return { total: t4 - t0, instantiate: t1 - t0, open: t2 - t1, data: t3 - t2, close: t4 - t3 };
  };
}

// ---- the echo check ----

/** What `checkEcho` found; `problems` is empty when the module echoes correctly. */
export interface EchoCheck {
  problems: string[];
  /** Per payload size: whether the echoed bytes were the inbound frame's own (no copy). */
  zeroCopy: Record<number, boolean>;
}

/**
 * Opens a stream, sends one Data frame of each size in `PAYLOAD_SIZES` and a Close, and checks that each
 * payload came back byte for byte with Ok and that the Close was answered with Close(Normal).
 */
export async function checkEcho(path: string): Promise<EchoCheck> {
  const host = await IxtHost.load(path);
  const problems: string[] = [];
  const zeroCopy: Record<number, boolean> = {};
  const key = toHex(STREAM);
  if (host.open(STREAM) !== 0) problems.push("Open refused");
  for (const size of PAYLOAD_SIZES) {
    host.clearSent();
    const payload = payloadOf(size);
    const result = host.data(STREAM, payload);
    if (result !== 0) problems.push(`${size} B: dispatcher returned ${result}`);
    const [call, ...more] = host.sent;
    if (!call || call.kind !== "Data" || more.length > 0) {
      problems.push(`${size} B: expected one Data call, got ${host.sent.map((c) => c.kind).join(",")}`);
      continue;
    }
    if (call.status !== 0 || call.streamId !== key) problems.push(`${size} B: status ${call.status}`);
    if (toHex(call.payload) !== toHex(payload)) problems.push(`${size} B: payload differs`);
    zeroCopy[size] = call.payloadPtr === host.lastFramePtr + FRAME_HEADER_LEN;
  }
  host.clearSent();
  if (host.close(STREAM, 0) !== 0) problems.push("Close not handled");
  const close = host.sent[0];
  if (host.sent.length !== 1 || close.kind !== "Close" || close.reason !== 0 || close.status !== 0) {
    problems.push("Close not answered with Close(Normal)");
  } else if (close.streamId !== key) {
    problems.push("Close on the wrong stream");
  }
  return { problems, zeroCopy };
}
