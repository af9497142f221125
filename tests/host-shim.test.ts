// The host shim checks the guest's arguments and answers with a host status; it never throws into the guest.
import { beforeEach, describe, expect, it } from "vitest";
import { HostStatus, IxtHost, StreamErrorCode, streamIdOf, toHex } from "../host-shim/index.js";
import { fixture } from "./helpers.js";

interface RawCaller {
  call_send_data(idPtr: number, idLen: number, ptr: number, len: number): number;
  call_send_close(idPtr: number, idLen: number, reason: number): number;
  call_send_error(idPtr: number, idLen: number, code: number, ptr: number, len: number): number;
  scratch(size: number): number;
  ixt_alloc(size: number): number;
  ixt_dealloc(ptr: number, size: number): void;
}

describe("host shim", () => {
  let host: IxtHost;
  let guest: RawCaller;
  let idPtr: number;
  let bytesPtr: number;
  const id = streamIdOf(42);

  beforeEach(async () => {
    host = await IxtHost.load(fixture("raw_caller"));
    guest = host.instance.exports as unknown as RawCaller;
    idPtr = guest.scratch(16);
    bytesPtr = guest.scratch(8);
    new Uint8Array(host.memory.buffer).set(id, idPtr);
    new Uint8Array(host.memory.buffer).set(new TextEncoder().encode("payload!"), bytesPtr);
    expect(host.open(id)).toBe(0);
  });

  it("accepts well-formed calls and records them", () => {
    expect(guest.call_send_data(idPtr, 16, bytesPtr, 8)).toBe(HostStatus.Ok);
    expect(guest.call_send_error(idPtr, 16, StreamErrorCode.Internal, bytesPtr, 7)).toBe(HostStatus.Ok);
    expect(host.sent.map((c) => [c.kind, c.streamId, c.status])).toEqual([
      ["Data", toHex(id), 0],
      ["Error", toHex(id), 0],
    ]);
  });

  it("answers a stream id length other than 16 with BadArgument", () => {
    for (const len of [0, 15, 17, 0xffffffff]) {
      expect(guest.call_send_data(idPtr, len, bytesPtr, 8)).toBe(HostStatus.BadArgument);
      expect(guest.call_send_close(idPtr, len, 0)).toBe(HostStatus.BadArgument);
      expect(guest.call_send_error(idPtr, len, 9, bytesPtr, 1)).toBe(HostStatus.BadArgument);
    }
  });

  it("answers pointers and lengths outside memory with InvalidMemory", () => {
    const size = host.memory.buffer.byteLength;
    expect(guest.call_send_data(size - 8, 16, bytesPtr, 8)).toBe(HostStatus.InvalidMemory);
    expect(guest.call_send_data(-1, 16, bytesPtr, 8)).toBe(HostStatus.InvalidMemory);
    expect(guest.call_send_data(idPtr, 16, size - 4, 8)).toBe(HostStatus.InvalidMemory);
    expect(guest.call_send_data(idPtr, 16, bytesPtr, -1)).toBe(HostStatus.InvalidMemory);
    expect(guest.call_send_error(idPtr, 16, 9, -16, 32)).toBe(HostStatus.InvalidMemory);
    expect(guest.call_send_close(size, 16, 0)).toBe(HostStatus.InvalidMemory);
    // A zero-length payload at the very end of memory is inside it.
    expect(guest.call_send_data(idPtr, 16, size, 0)).toBe(HostStatus.Ok);
  });

  it("answers a stream it never opened with UnknownStream, and an ended one with StreamClosed", () => {
    new Uint8Array(host.memory.buffer).set(streamIdOf(43), idPtr);
    expect(guest.call_send_data(idPtr, 16, bytesPtr, 8)).toBe(HostStatus.UnknownStream);
    new Uint8Array(host.memory.buffer).set(id, idPtr);
    expect(guest.call_send_close(idPtr, 16, 0)).toBe(HostStatus.Ok);
    expect(guest.call_send_data(idPtr, 16, bytesPtr, 8)).toBe(HostStatus.StreamClosed);
  });

  it("lets a test choose the status of accepted calls", async () => {
    const scripted = await IxtHost.load(fixture("raw_caller"), {
      respond: (call) => (call.kind === "Data" ? HostStatus.WouldBlock : undefined),
    });
    const g = scripted.instance.exports as unknown as RawCaller;
    const p = g.scratch(16);
    new Uint8Array(scripted.memory.buffer).set(id, p);
    scripted.open(id);
    expect(g.call_send_data(p, 16, p, 16)).toBe(HostStatus.WouldBlock);
    expect(g.call_send_close(p, 16, 0)).toBe(HostStatus.Ok);
  });

  it("ixt_alloc returns 0 above the largest frame (16 MiB by default) and ixt_dealloc(0) does nothing", () => {
    expect(guest.ixt_alloc((1 << 30) - 15)).toBe(0);
    expect(guest.ixt_alloc(-1)).toBe(0);
    expect(guest.ixt_alloc((16 << 20) + 1)).toBe(0);
    expect(() => guest.ixt_dealloc(0, 0)).not.toThrow();
    const p = guest.ixt_alloc(16 << 20) >>> 0; // 16 MiB: grows memory
    expect(p).not.toBe(0);
    expect(p + (16 << 20)).toBeLessThanOrEqual(host.memory.buffer.byteLength);
    guest.ixt_dealloc(p, 16 << 20);
  });
});
