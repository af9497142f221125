// A call stopped at any instruction (docs/ABI.md, "When a call is stopped"), in the host shim. V8 has no
// fuel, but a host import that throws unwinds the guest's stack at that call exactly as a runtime's stop
// would: the call ends there and the instance stays callable. A send the host takes inside one of the SDK's
// sections (a queued frame drained, a Close) makes the instance lost; a direct send outside them leaves it
// recovered. conformance/interrupts.py stops every interrupt point with wasmtime's fuel.
//
// Also the reject codes of every width: no code an author passes can be taken for the dispatcher's own.
import { describe, expect, it } from "vitest";
import {
  ABI,
  CancelReason,
  CloseReason,
  IxtHost,
  StreamErrorCode,
  encodeCancel,
  encodeData,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { loadModule } from "../host-shim/testing.js";
import { fixture } from "./helpers.js";

const { LOST_CODE, LOST_MESSAGE, TRAPPED_MESSAGE, LOST_EXPORT } = ABI.interrupts;
const STOP = new Error("stopped by the test's host"); // what the throwing import unwinds with

const A = streamIdOf(1);
const B = streamIdOf(2);
const C = streamIdOf(3);

interface Exports {
  ixt_instance_lost(): number;
  ixt_alloc(size: number): number;
  ixt_dealloc(ptr: number, size: number): void;
  ixt_module_handle_server_stream(ptr: number, len: number): number;
}

const exportsOf = (host: IxtHost) => host.instance.exports as unknown as Exports;

/** Three echo streams: A with no credit (its Data queues), B and C unlimited. */
async function threeStreams(): Promise<IxtHost> {
  const host = await IxtHost.load(fixture("stops"));
  expect(host.open(A, { method: "echo", initialCredit: 0 })).toBe(0);
  expect(host.open(B, { method: "echo" })).toBe(0);
  expect(host.open(C, { method: "echo" })).toBe(0);
  expect(host.data(A, "queued")).toBe(0); // credit 0: queued
  return host;
}

/** Stops the next call at the first send the host sees for `id`. */
function stopAtSendOn(host: IxtHost, id: Uint8Array): void {
  const key = toHex(id);
  host.respond = (call) => {
    if (call.streamId === key) throw STOP;
    return undefined;
  };
}

const errorsOf = (host: IxtHost, from: number) =>
  host.sent.slice(from).map((c) => (c.kind === "Error" ? `${c.streamId}:${c.code}:${c.message}` : c.kind));

describe("a call stopped inside a section: the instance is lost, and says so", () => {
  it("a queued frame drained by Credit: every stream gets Internal with LOST_MESSAGE once, then nothing", async () => {
    const host = await threeStreams();
    stopAtSendOn(host, A);
    expect(() => host.credit(A, 100)).toThrow(STOP); // stopped between the host's Ok and the queue's pop
    host.respond = undefined;
    const e = exportsOf(host);
    expect(e.ixt_instance_lost()).toBe(1); // known before the next call
    const before = host.sent.length;
    expect(e.ixt_alloc(64)).toBe(0); // the next call: the sweep, then no buffer
    expect(errorsOf(host, before).sort()).toEqual(
      [A, B, C].map((id) => `${toHex(id)}:${StreamErrorCode.Internal}:${LOST_MESSAGE}`).sort(),
    );
    // From then on: every frame LOST_CODE, no callback, nothing sent.
    const after = host.sent.length;
    expect(e.ixt_module_handle_server_stream(0, 0)).toBe(LOST_CODE);
    expect(e.ixt_alloc(17)).toBe(0);
    e.ixt_dealloc(0, 0);
    expect(e.ixt_instance_lost()).toBe(1);
    expect(host.sent.length).toBe(after);
    expect(LOST_CODE).toBe(StreamErrorCode.Unavailable);
  });

  it("a Close the host took: lost too (a Close sent must never stay waiting)", async () => {
    const host = await threeStreams();
    stopAtSendOn(host, B);
    expect(() => host.data(B, "close")).toThrow(STOP);
    host.respond = undefined;
    expect(exportsOf(host).ixt_instance_lost()).toBe(1);
    const before = host.sent.length;
    // ixt_alloc is the next call: it sweeps and answers 0, so no frame reaches a handler again.
    expect(() => host.data(C, "hello")).toThrow(/instance is lost/); // the shim's InstanceLost
    const errors = errorsOf(host, before);
    expect(errors.filter((e) => e.endsWith(LOST_MESSAGE)).length).toBe(3);
    expect(errors.every((e) => e.endsWith(LOST_MESSAGE))).toBe(true);
  });

  it("the export is named as docs/abi.json says", async () => {
    const host = await IxtHost.load(fixture("stops"));
    expect(typeof (host.instance.exports as Record<string, unknown>)[LOST_EXPORT]).toBe("function");
    expect(exportsOf(host).ixt_instance_lost()).toBe(0);
  });
});

describe("a call stopped outside every section: recovered as after any trap", () => {
  it("a direct send stopped in the host: the running stream gets Internal, the others go on exactly", async () => {
    const host = await threeStreams();
    stopAtSendOn(host, B);
    expect(() => host.data(B, "ping")).toThrow(STOP);
    host.respond = undefined;
    expect(exportsOf(host).ixt_instance_lost()).toBe(0);
    const before = host.sent.length;
    expect(host.data(C, "still here")).toBe(0);
    expect(host.credit(A, 100)).toBe(0);
    const after = host.sent
      .slice(before)
      .map((c) =>
        c.kind === "Data"
          ? `${c.streamId}:${new TextDecoder().decode(c.payload)}`
          : `${c.streamId}:${c.kind}:${"message" in c ? c.message : ""}`,
      );
    expect(after).toEqual([
      `${toHex(B)}:Error:${TRAPPED_MESSAGE}`, // recovery, at the start of the next call
      `${toHex(C)}:still here`,
      `${toHex(A)}:queued`, // A's queue and credit as if nothing had happened
    ]);
    expect(host.data(B, "x")).toBe(StreamErrorCode.NotFound); // B has left the table
    expect(host.close(C, CloseReason.Normal)).toBe(0);
  });
});

describe("a call stopped at the dispatcher's first instruction, before any of its code ran", () => {
  // The runtime wrote the frame into the buffer ixt_alloc gave it, and the dispatcher was stopped on entry:
  // at the next call the frame's stream is the one whose call trapped.
  function handOutUndispatched(host: IxtHost, frame: Uint8Array): void {
    const e = exportsOf(host);
    const ptr = e.ixt_alloc(frame.length) >>> 0;
    new Uint8Array((host.instance.exports.memory as WebAssembly.Memory).buffer, ptr, frame.length).set(frame);
  }

  it("a Data frame: its stream gets Internal at the next call, the others go on exactly", async () => {
    const host = await threeStreams();
    handOutUndispatched(host, encodeData(B, "never dispatched"));
    const before = host.sent.length;
    expect(host.data(C, "next")).toBe(0); // ixt_alloc, the next call, finds the buffer still handed out
    expect(errorsOf(host, before)).toEqual([
      `${toHex(B)}:${StreamErrorCode.Internal}:${TRAPPED_MESSAGE}`,
      "Data",
    ]);
    expect(host.data(B, "x")).toBe(StreamErrorCode.NotFound);
    expect(host.credit(A, 100)).toBe(0); // A's queue as if nothing had happened
    expect(host.sent.at(-1)).toMatchObject({ kind: "Data", streamId: toHex(A) });
    expect(exportsOf(host).ixt_instance_lost()).toBe(0);
  });

  it("the caller's Cancel: its stream just finishes (nothing sent); ixt_dealloc finds it too", async () => {
    const host = await threeStreams();
    handOutUndispatched(host, encodeCancel(B, CancelReason.Caller));
    const before = host.sent.length;
    exportsOf(host).ixt_dealloc(0, 0); // any next call: here the runtime frees something
    expect(host.sent.length).toBe(before);
    expect(host.data(B, "x")).toBe(StreamErrorCode.NotFound);
    expect(host.data(C, "still here")).toBe(0);
  });

  it("a buffer handed out but never written is no frame: nothing happens", async () => {
    const host = await threeStreams();
    exportsOf(host).ixt_alloc(64);
    const before = host.sent.length;
    expect(host.data(B, "fine")).toBe(0);
    expect(host.sent.slice(before).map((c) => c.kind)).toEqual(["Data"]);
  });

  it("a buffer shorter than a frame header is not recorded: it names no stream, so none is failed", async () => {
    const host = await threeStreams();
    // B's last frame leaves its id in the buffer ixt_alloc keeps for the next frame; a 10-byte frame in that
    // buffer has the kind and nine bytes of B's id, and the rest of the id is still there from before.
    expect(host.data(B, "before")).toBe(0);
    handOutUndispatched(host, encodeData(B, "").subarray(0, 10));
    const before = host.sent.length;
    expect(host.data(B, "after")).toBe(0);
    expect(host.sent.slice(before).map((c) => `${c.kind}:${c.streamId}`)).toEqual([`Data:${toHex(B)}`]);
  });
});

describe("reject codes: any u32 an author passes is answered unchanged (0 reads as accepted, so 4)", () => {
  const u32le = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  for (const [code, answer] of [
    [0, StreamErrorCode.Rejected],
    [2 ** 31, 2 ** 31],
    [2 ** 31 + 1, 2 ** 31 + 1],
    [2 ** 32 - 1, 2 ** 32 - 1],
    [StreamErrorCode.PermissionDenied, StreamErrorCode.PermissionDenied],
  ]) {
    it(`reject(${code}) answers ${answer}, and the stream is not in the table`, async () => {
      const host = await IxtHost.load(fixture("stops"));
      expect(host.open(A, { method: "reject", payload: u32le(code) })).toBe(answer);
      expect(host.data(A, "x")).toBe(StreamErrorCode.NotFound);
      expect(host.sent).toEqual([]);
    });
  }

  it("a debug build logs the reject's reason with its code (not sent: the ABI answers an Open with its code)", async () => {
    const host = await loadModule("tests/fixtures/stops.ts", { target: "debug" });
    expect(host.open(A, { method: "reject", payload: u32le(StreamErrorCode.InvalidArgument) })).toBe(
      StreamErrorCode.InvalidArgument,
    );
    expect(host.logs).toContainEqual(
      expect.objectContaining({ level: "info", message: "Open rejected with code 3: asked to" }),
    );
    expect(host.sent).toEqual([]);
  });
});
