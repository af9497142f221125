// Each callback fires with the right arguments, and Open decisions reach the runtime (probe fixture).
import { describe, expect, it } from "vitest";
import {
  CancelReason,
  CloseReason,
  IxtHost,
  StreamErrorCode,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { fixture, loadProbe, takeLog } from "./helpers.js";

const hex = (text: string) => toHex(new TextEncoder().encode(text));

describe("handler callbacks", () => {
  it("onOpen sees the Open's fields", async () => {
    const host = await loadProbe();
    const id = streamIdOf(0x0102030405060708n);
    const context = new Uint8Array([9, 8, 7]);
    expect(
      host.open(id, {
        initialCredit: 4096,
        deadlineMs: 250,
        method: "pkg.Svc/Watch",
        context,
        payload: "req",
      }),
    ).toBe(0);
    expect(takeLog(host)).toEqual([
      expect.objectContaining({
        cb: "open",
        id: toHex(id),
        interaction: 2,
        initialCredit: 4096,
        deadlineMs: 250,
        methodHex: hex("pkg.Svc/Watch"),
        methodTextHex: hex("pkg.Svc/Watch"),
        contextHex: "090807",
        payloadHex: hex("req"),
      }),
    ]);
  });

  it("onData sees the payload, zero-copy and copied, as bytes and text", async () => {
    const host = await loadProbe();
    const id = streamIdOf(1);
    host.open(id);
    takeLog(host);
    expect(host.data(id, "héllo")).toBe(0);
    expect(takeLog(host)).toEqual([
      {
        cb: "data",
        id: toHex(id),
        kind: 1,
        payloadHex: hex("héllo"),
        payloadCopyHex: hex("héllo"),
        payloadTextHex: hex("héllo"),
      },
    ]);
  });

  it("onClose sees the reason; the stream can still send, and the probe closes with Normal", async () => {
    const host = await loadProbe();
    const id = streamIdOf(2);
    host.open(id);
    takeLog(host);
    expect(host.close(id, CloseReason.Timeout)).toBe(0);
    expect(takeLog(host)).toEqual([{ cb: "close", id: toHex(id), reason: CloseReason.Timeout }]);
    expect(host.sent).toEqual([
      { kind: "Close", streamId: toHex(id), reason: CloseReason.Normal, status: 0 },
    ]);
  });

  it("onCancel sees the reason", async () => {
    const host = await loadProbe();
    const id = streamIdOf(3);
    host.open(id);
    takeLog(host);
    expect(host.cancel(id, CancelReason.Shutdown)).toBe(0);
    expect(takeLog(host)).toEqual([{ cb: "cancel", id: toHex(id), reason: CancelReason.Shutdown }]);
    expect(host.sent).toEqual([]);
  });

  it("onError sees the code and the message, unknown codes included", async () => {
    const host = await loadProbe();
    const a = streamIdOf(4);
    const b = streamIdOf(5);
    host.open(a);
    host.open(b);
    takeLog(host);
    expect(host.error(a, StreamErrorCode.PermissionDenied, "no ✓")).toBe(0);
    expect(host.error(b, 77777, "")).toBe(0);
    expect(takeLog(host)).toEqual([
      { cb: "error", id: toHex(a), code: StreamErrorCode.PermissionDenied, messageHex: hex("no ✓") },
      { cb: "error", id: toHex(b), code: 77777, messageHex: "" },
    ]);
  });

  it("onError gets at most the first 1024 bytes, cut at a character boundary, invalid UTF-8 as U+FFFD", async () => {
    const host = await loadProbe();
    const [a, b] = [streamIdOf(6), streamIdOf(7)];
    host.open(a);
    host.open(b);
    takeLog(host);
    // 1023 ASCII bytes, then "é" (2 bytes) across the 1024 boundary, then a long tail: only the ASCII is kept
    const long = new Uint8Array([
      ...new Uint8Array(1023).fill(0x61),
      0xc3,
      0xa9,
      ...new Uint8Array(100_000).fill(0x62),
    ]);
    expect(host.error(a, StreamErrorCode.Internal, long)).toBe(0);
    expect(host.error(b, StreamErrorCode.Internal, new Uint8Array([0x6d, 0xff, 0x78, 0x79, 0x7a]))).toBe(0);
    expect(takeLog(host)).toEqual([
      { cb: "error", id: toHex(a), code: StreamErrorCode.Internal, messageHex: hex("a".repeat(1023)) },
      { cb: "error", id: toHex(b), code: StreamErrorCode.Internal, messageHex: hex("m\uFFFDxyz") },
    ]);
  });

  it("a reject returns its code (default Rejected) and the stream never becomes live", async () => {
    const host = await loadProbe();
    expect(host.open(streamIdOf(6), { method: "reject" })).toBe(StreamErrorCode.Rejected);
    expect(host.open(streamIdOf(7), { method: "reject:6" })).toBe(StreamErrorCode.PermissionDenied);
    expect(host.open(streamIdOf(8), { method: "reject:12345" })).toBe(12345);
    // 0 would read as "accepted" on the wire: it is reported as Rejected.
    expect(host.open(streamIdOf(9), { method: "reject:0" })).toBe(StreamErrorCode.Rejected);
    expect(takeLog(host).map((entry) => entry.cb)).toEqual(["open", "open", "open", "open"]);
    for (const n of [6, 7, 8, 9]) expect(host.data(streamIdOf(n), "x")).toBe(StreamErrorCode.NotFound);
    expect(takeLog(host)).toEqual([]);
    expect(host.sent).toEqual([]);
  });

  it("without a registered handler every Open is Unimplemented", async () => {
    const host = await IxtHost.load(fixture("no_handler"));
    expect(host.open(streamIdOf(1))).toBe(StreamErrorCode.Unimplemented);
    expect(host.data(streamIdOf(1), "x")).toBe(StreamErrorCode.NotFound);
    expect(host.sent).toEqual([]);
  });
});
