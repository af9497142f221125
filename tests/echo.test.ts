// The echo example end to end in the host shim.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CancelReason,
  CloseReason,
  FRAME_HEADER_LEN,
  IxtHost,
  StreamErrorCode,
  encodeClose,
  encodeData,
  outboundFrame,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { example } from "./helpers.js";

const loadEcho = () => IxtHost.load(example("stream_echo"));

describe("stream_echo", () => {
  it("echoes every Data payload byte for byte, then answers Close with Close(Normal)", async () => {
    const host = await loadEcho();
    const id = streamIdOf(1);
    const payloads = [
      new TextEncoder().encode("hello"),
      new Uint8Array(0),
      randomBytes(64),
      new Uint8Array(randomBytes(1 << 20)), // 1 MiB
      new Uint8Array([0, 0xff, 0xc3, 0x28]), // not UTF-8: bytes pass through untouched
    ];
    expect(host.open(id, { method: "echo" })).toBe(0);
    const inbound: Uint8Array[] = [];
    for (const payload of payloads) {
      inbound.push(encodeData(id, payload));
      expect(host.data(id, payload)).toBe(0);
    }
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    inbound.push(encodeClose(id, CloseReason.Normal));

    expect(host.sent.map((call) => call.status)).toEqual(inbound.map(() => 0));
    expect(host.sent.map((call) => toHex(outboundFrame(call)))).toEqual(inbound.map(toHex));
  });

  it("sends the inbound payload's own address to the host: no copy", async () => {
    const host = await loadEcho();
    const id = streamIdOf(2);
    host.open(id);
    for (const size of [0, 1, 4096]) {
      host.data(id, new Uint8Array(size).fill(7));
      const call = host.sent.at(-1)!;
      expect(call.kind).toBe("Data");
      if (call.kind === "Data") expect(call.payloadPtr).toBe(host.lastFramePtr + FRAME_HEADER_LEN);
    }
  });

  it("keeps two interleaved streams separate", async () => {
    const host = await loadEcho();
    const a = streamIdOf(10);
    const b = streamIdOf(11);
    host.open(a);
    host.open(b);
    for (let i = 0; i < 20; i++) {
      host.data(i % 3 === 0 ? b : a, `${i % 3 === 0 ? "b" : "a"}${i}`);
    }
    host.close(b, CloseReason.GoingAway);
    host.data(a, "a-last");
    host.close(a, CloseReason.Normal);

    const text = (id: Uint8Array) =>
      host
        .sentOn(id)
        .map((call) => (call.kind === "Data" ? new TextDecoder().decode(call.payload) : call.kind));
    const expected = (prefix: string, keep: (i: number) => boolean) =>
      Array.from({ length: 20 }, (_, i) => i)
        .filter(keep)
        .map((i) => `${prefix}${i}`);
    expect(text(a)).toEqual([...expected("a", (i) => i % 3 !== 0), "a-last", "Close"]);
    expect(text(b)).toEqual([...expected("b", (i) => i % 3 === 0), "Close"]);
    expect(host.sent.every((call) => call.status === 0)).toBe(true);
  });

  it("stops on Cancel and on Error: nothing more is sent and later Data is NotFound", async () => {
    const host = await loadEcho();
    const cancelled = streamIdOf(20);
    const failed = streamIdOf(21);
    host.open(cancelled);
    host.open(failed);
    expect(host.cancel(cancelled, CancelReason.Deadline)).toBe(0);
    expect(host.error(failed, StreamErrorCode.Internal, "caller broke")).toBe(0);
    expect(host.data(cancelled, "late")).toBe(StreamErrorCode.NotFound);
    expect(host.data(failed, "late")).toBe(StreamErrorCode.NotFound);
    expect(host.sent).toEqual([]);
  });
});
