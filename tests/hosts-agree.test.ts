// The two test hosts, the TypeScript host shim (host-shim/host.ts, V8) and the wasmtime host
// (conformance/ixt_host.py), must answer a module alike: the same script of frames, with the same host
// answers injected (Ok, WouldBlock, every refusal the ABI names, values in the SDK's own range 0x100 to
// 0x1FF, values the ABI does not name), must give the same dispatcher results, the same outbound calls
// with the same statuses, and the same view of which streams are open, ended or unknown, with what credit.
// conformance/trace.py replays the scripts in wasmtime.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  CloseReason,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  encodeCancel,
  encodeClose,
  encodeCredit,
  encodeData,
  encodeError,
  encodeOpen,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { example, fixture } from "./helpers.js";

/** A raw import call from tests/fixtures/raw_caller.ts: kind, id (hex), id length, payload length, out of bounds. */
type RawCall = ["data" | "close" | "error", string, number, number, boolean];
interface Step {
  frame?: string; // hex: a frame to deliver; or
  raw?: RawCall; // an import to call straight from the module (the step's result is its status)
  answers: number[]; // the host's answers to the calls that pass its own checks, in order (Ok after)
}
interface Call {
  kind: string;
  streamId: string;
  status: number;
  payload?: string;
  reason?: number;
  code?: number;
  message?: string;
}
interface StepTrace {
  result: number;
  sent: Call[];
  streams: Record<string, [string, number | "unlimited"]>;
}

/** Every status a host may answer: Ok, WouldBlock, each refusal, the SDK's range, unnamed values. */
const STATUSES = [...Object.values(HostStatus), 0x100, 0x101, 0x102, 0x180, 0x1ff, 7, 77, 0x200, 0xffffffff];

const [A, B, C] = [1, 2, 3].map((n) => streamIdOf(n));
const step = (frame: Uint8Array, answers: number[] = []): Step => ({ frame: toHex(frame), answers });

/**
 * One script around status `s`: a direct Data, a drained Data, a queued Close and the echo's Close answered
 * `s`; sends on a stream after that; a re-Open of the same id; Cancel and Error from the caller.
 */
function script(s: number): Step[] {
  return [
    step(encodeOpen(A)),
    step(encodeOpen(B, { initialCredit: 4 })),
    step(encodeData(A, "one"), [s]),
    step(encodeData(A, "two")),
    step(encodeData(B, "hello")), // beyond B's credit: queued
    step(encodeCredit(B, 10), [s]),
    step(encodeData(B, "x"), [s]),
    step(encodeClose(A, CloseReason.Normal), [s]),
    step(encodeData(A, "after")),
    step(encodeOpen(A)),
    step(encodeData(A, "again"), [s, s]),
    step(encodeCredit(B, 0), [s]),
    step(encodeOpen(C, { initialCredit: 0 })),
    step(encodeData(C, "q")),
    step(encodeClose(C, CloseReason.Normal)),
    step(encodeCredit(C, 100), [s, s]),
    step(encodeData(B, "y"), [s]),
    step(encodeCancel(B, 0)),
    step(encodeData(B, "late")),
    step(encodeError(C, StreamErrorCode.Cancelled, "bye")),
    step(encodeError(A, StreamErrorCode.Internal, "caller failed")),
    step(encodeData(A, "gone")),
  ];
}

const RAW_PAYLOAD_MAX = 64;
const OUT_OF_BOUNDS = 0xfffffff0; // a pointer past any memory the fixture has (as in conformance/trace.py)
const raw = (call: RawCall, answers: number[] = []): Step => ({ raw: call, answers });

/**
 * The host's own checks around status `s`, through raw import calls: Data within and beyond the caller's
 * credit (WouldBlock before `respond` is asked), a bad id length, memory out of bounds, an unknown stream,
 * and calls after an injected `s` on Data, Close and Error.
 */
function rawScript(s: number): Step[] {
  const [x, y, unknown] = [7, 8, 9].map((n) => toHex(streamIdOf(n)));
  return [
    step(encodeOpen(streamIdOf(7), { initialCredit: 10 })),
    step(encodeOpen(streamIdOf(8))),
    raw(["data", x, 16, 4, false], [s]),
    raw(["data", x, 16, 8, false], [s]), // beyond the credit left if the first was Ok
    raw(["data", x, 16, 6, false], [s]),
    raw(["data", x, 15, 1, false], [s]),
    raw(["data", x, 16, 1, true], [s]),
    raw(["error", y, 16, 2, true], [s]),
    raw(["data", unknown, 16, 1, false], [s]),
    step(encodeCredit(streamIdOf(7), 5)),
    raw(["data", x, 16, 3, false]),
    raw(["close", y, 16, 0, false], [s]),
    raw(["data", y, 16, 1, false]),
    raw(["error", x, 16, 5, false], [s]),
    raw(["close", x, 16, 0, false]),
    step(encodeOpen(streamIdOf(8), { initialCredit: 2 })),
    raw(["data", y, 16, 3, false], [s]),
    raw(["data", y, 16, 2, false]),
  ];
}

/** A seeded mix of frames on four streams with random answers drawn from STATUSES (xorshift32). */
function randomScript(seed: number, length: number): Step[] {
  let x = seed >>> 0 || 1;
  const next = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const ids = [0, 1, 2, 3].map((n) => streamIdOf(n));
  const steps: Step[] = [];
  for (let i = 0; i < length; i++) {
    const id = ids[next(4)];
    const answers = Array.from({ length: next(3) }, () =>
      next(3) === 0 ? STATUSES[next(STATUSES.length)] : 0,
    );
    const credit = [0, 3, 16, 0xffffffff][next(4)];
    const frames = [
      () => encodeOpen(id, { initialCredit: credit }),
      () => encodeData(id, "d".repeat(next(8))),
      () => encodeData(id, "d".repeat(next(8))),
      () => encodeData(id, "d".repeat(next(8))),
      () => encodeCredit(id, credit === 0xffffffff ? 0 : credit),
      () => encodeClose(id, CloseReason.Normal),
      () => encodeCancel(id, 0),
      () => encodeError(id, StreamErrorCode.Unknown, "e"),
    ];
    steps.push(step(frames[next(frames.length)](), answers));
  }
  return steps;
}

/** The shim's record of a script. */
async function shimTrace(module: string, steps: Step[]): Promise<StepTrace[]> {
  let answers: number[] = [];
  const host = await IxtHost.load(module, { respond: () => answers.shift() });
  // The shim keeps its stream table private: the comparison reads it as the Python host's public one.
  const table = (host as unknown as { streams: Map<string, { state: string; credit: number }> }).streams;
  const guest = host.instance.exports as unknown as Record<string, (...args: number[]) => number>;
  let scratch: [number, number] | undefined;
  const trace: StepTrace[] = [];
  for (const { frame, raw, answers: stepAnswers } of steps) {
    answers = [...stepAnswers];
    let result: number;
    if (raw) {
      scratch ??= [guest.scratch(16), guest.scratch(RAW_PAYLOAD_MAX)];
      const [idPtr, bytesPtr] = scratch;
      const [kind, id, idLen, length, outOfBounds] = raw;
      const memory = new Uint8Array(host.memory.buffer);
      memory.set(Buffer.from(id, "hex"), idPtr);
      memory.fill(0x70, bytesPtr, bytesPtr + length); // "p"
      const ptr = outOfBounds ? OUT_OF_BOUNDS : bytesPtr;
      if (kind === "data") result = guest.call_send_data(idPtr, idLen, ptr, length);
      else if (kind === "close") result = guest.call_send_close(idPtr, idLen, length);
      else result = guest.call_send_error(idPtr, idLen, StreamErrorCode.Internal, ptr, length);
      result >>>= 0;
    } else {
      result = host.dispatch(Buffer.from(frame!, "hex"));
    }
    const sent = host.sent.map((call): Call => {
      const common = { kind: call.kind, streamId: call.streamId, status: call.status >>> 0 };
      if (call.kind === "Data") return { ...common, payload: toHex(call.payload) };
      if (call.kind === "Close") return { ...common, reason: call.reason };
      return { ...common, code: call.code, message: call.message };
    });
    const streams = Object.fromEntries(
      [...table.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([id, r]): [string, [string, number | "unlimited"]] => [
          id,
          [r.state, r.credit === Infinity ? "unlimited" : r.credit],
        ]),
    );
    trace.push({ result, sent, streams });
    host.clearSent();
  }
  return trace;
}

/** The wasmtime host's record of each run, from one python3 process. */
function wasmtimeTraces(runs: { module: string; steps: Step[] }[]): StepTrace[][] {
  const out = execFileSync("python3", ["conformance/trace.py"], {
    input: JSON.stringify(runs),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out);
}

describe("the host shim and the wasmtime host record the same", () => {
  const modules = [example("stream_echo"), fixture("bounded_echo")];
  const runs = [
    ...modules.flatMap((module) => [
      ...STATUSES.map((s) => ({ name: `status ${s}`, module, steps: script(s) })),
      ...[1, 2, 3].map((seed) => ({ name: `random seed ${seed}`, module, steps: randomScript(seed, 300) })),
    ]),
    ...STATUSES.map((s) => ({
      name: `raw calls, status ${s}`,
      module: fixture("raw_caller"),
      steps: rawScript(s),
    })),
  ];

  it(`for ${runs.length} scripts: every injected status, in the echo, a bounded echo and raw import calls`, async () => {
    const wasmtime = wasmtimeTraces(runs);
    let calls = 0;
    const seen = new Set<number>();
    for (const [i, run] of runs.entries()) {
      const shim = await shimTrace(run.module, run.steps);
      for (const [n, expected] of shim.entries()) {
        const where = `${run.module.split("/").pop()} ${run.name}, step ${n} (${JSON.stringify(run.steps[n])})`;
        expect(wasmtime[i][n], where).toEqual(expected);
        calls += expected.sent.length;
        for (const call of expected.sent) seen.add(call.status);
      }
    }
    // The scripts reached the module's calls with every status (not only the host's own answers).
    for (const s of STATUSES) expect(seen.has(s >>> 0), `status ${s} answered`).toBe(true);
    // And the raw calls met each of the host's own refusals.
    for (const s of [
      HostStatus.BadArgument,
      HostStatus.InvalidMemory,
      HostStatus.UnknownStream,
      HostStatus.WouldBlock,
    ]) {
      expect(seen.has(s), `the host's own ${s}`).toBe(true);
    }
    expect(calls).toBeGreaterThan(300);
  });
});
