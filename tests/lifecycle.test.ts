// Stream lifecycle rules (docs/ABI.md, "Stream lifecycle"): the table of live streams, its bound, and
// what a sender may do after a stream ends.
import { describe, expect, it } from "vitest";
import {
  CancelReason,
  CloseReason,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { example, fixture, loadProbe, takeLog } from "./helpers.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("stream lifecycle", () => {
  it("a second Open for a live id is ProtocolViolation and leaves the live stream as it was", async () => {
    const host = await loadProbe();
    const id = streamIdOf(1);
    expect(host.open(id, { method: "first" })).toBe(0);
    expect(host.open(id, { method: "second" })).toBe(StreamErrorCode.ProtocolViolation);
    // No handler ran for the second Open.
    expect(takeLog(host).map((e) => e.methodHex)).toEqual([toHex(new TextEncoder().encode("first"))]);
    expect(host.data(id, "still the first")).toBe(0);
    expect(takeLog(host)).toMatchObject([{ cb: "data", id: toHex(id) }]);
    // Once it has ended, the id can be opened again.
    expect(host.cancel(id, CancelReason.Caller)).toBe(0);
    expect(host.open(id, { method: "third" })).toBe(0);
  });

  it("an onOpen that sends and then rejects: what it sent went out, then the stream is finished", async () => {
    const host = await IxtHost.load(fixture("open_states"));
    const id = streamIdOf(1);
    expect(host.open(id, { method: "send-then-reject" })).toBe(StreamErrorCode.PermissionDenied);
    expect(host.sent.map((c) => c.kind)).toEqual(["Data"]);
    // Not in the table: Data is NotFound, and the id can be opened again.
    expect(host.data(id, "x")).toBe(StreamErrorCode.NotFound);
    expect(host.open(id, { method: "send-then-reject" })).toBe(StreamErrorCode.PermissionDenied);
  });

  it("an onOpen that closes and then accepts: the Open is accepted and the stream has already ended", async () => {
    const host = await IxtHost.load(fixture("open_states"));
    const id = streamIdOf(1);
    expect(host.open(id, { method: "close-then-accept" })).toBe(0);
    expect(host.sent).toMatchObject([{ kind: "Close", reason: CloseReason.Normal, status: HostStatus.Ok }]);
    expect(host.data(id, "x")).toBe(StreamErrorCode.NotFound);
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    expect(host.sent.length).toBe(1);
    // Its id is free: a new Open starts a new stream.
    expect(host.open(id, { method: "close-then-accept" })).toBe(0);
    expect(host.sent.length).toBe(2);
  });

  it("a second caller Close on a half-closed stream reaches no callback; the stream can still send", async () => {
    const host = await IxtHost.load(fixture("open_states"));
    const id = streamIdOf(1);
    expect(host.open(id, { method: "stays-open" })).toBe(0);
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    expect(host.close(id, CloseReason.GoingAway)).toBe(0);
    expect(host.data(id, "x")).toBe(StreamErrorCode.NotFound); // its input has ended
    expect(host.sent.map((c) => (c.kind === "Data" ? text(c.payload) : c.kind))).toEqual(["close 1"]);
  });

  it("Data and Error for an id that is not live are NotFound; Close, Cancel and Credit are ignored", async () => {
    const host = await loadProbe();
    const never = streamIdOf(2);
    expect(host.data(never, "x")).toBe(StreamErrorCode.NotFound);
    expect(host.error(never, StreamErrorCode.Internal, "x")).toBe(StreamErrorCode.NotFound);
    expect(host.close(never, CloseReason.Normal)).toBe(0);
    expect(host.cancel(never, CancelReason.Caller)).toBe(0);
    expect(host.credit(never, 100)).toBe(0);
    expect(takeLog(host)).toEqual([]);
    expect(host.sent).toEqual([]);
  });

  it("a stream leaves the table when the caller closes, cancels or errors it", async () => {
    const host = await loadProbe();
    const [closed, cancelled, failed] = [streamIdOf(3), streamIdOf(4), streamIdOf(5)];
    for (const id of [closed, cancelled, failed]) host.open(id);
    host.close(closed, CloseReason.Normal);
    host.cancel(cancelled, CancelReason.Caller);
    host.error(failed, StreamErrorCode.Unavailable, "gone");
    takeLog(host);
    for (const id of [closed, cancelled, failed]) {
      expect(host.data(id, "late")).toBe(StreamErrorCode.NotFound);
      expect(host.close(id, CloseReason.Normal)).toBe(0); // ignored: no second onClose
    }
    expect(takeLog(host)).toEqual([]);
  });

  it("after the module closes a stream its sender returns StreamClosed without calling the host", async () => {
    const host = await loadProbe();
    const id = streamIdOf(6);
    host.open(id, { method: "commands" });
    takeLog(host);
    expect(host.data(id, "close")).toBe(0);
    const closed = HostStatus.StreamClosed;
    expect(takeLog(host)).toEqual([
      { cb: "cmd", id: toHex(id), statuses: [HostStatus.Ok, closed, closed, closed] },
    ]);
    expect(host.sent.map((c) => c.kind)).toEqual(["Close"]); // only the first close reached the host
    expect(host.data(id, "close")).toBe(StreamErrorCode.NotFound); // and it left the table
  });

  it("after the module errors a stream its sender returns StreamClosed without calling the host", async () => {
    const host = await loadProbe();
    const id = streamIdOf(7);
    host.open(id, { method: "commands" });
    takeLog(host);
    expect(host.data(id, "error")).toBe(0);
    expect(takeLog(host)).toEqual([
      { cb: "cmd", id: toHex(id), statuses: [HostStatus.Ok, HostStatus.StreamClosed] },
    ]);
    expect(host.sent).toMatchObject([{ kind: "Error", code: StreamErrorCode.Internal, message: "bye" }]);
    expect(host.data(id, "x")).toBe(StreamErrorCode.NotFound);
  });

  it("a callback can send on another live stream, and gets StreamClosed once that stream has ended", async () => {
    const host = await loadProbe();
    const a = streamIdOf(8);
    const b = streamIdOf(9);
    host.open(a, { method: "commands" });
    host.open(b);
    takeLog(host);
    expect(host.data(a, `send:${toHex(b)}:hello b`)).toBe(0);
    expect(host.sentOn(b).map((c) => c.kind === "Data" && text(c.payload))).toEqual(["hello b"]);
    host.cancel(b, CancelReason.Caller);
    host.clearSent();
    expect(host.data(a, `send:${toHex(b)}:too late`)).toBe(0);
    expect(takeLog(host)).toEqual([
      { cb: "cmd", id: toHex(a), statuses: [HostStatus.Ok] },
      { cb: "cancel", id: toHex(b), reason: 0 },
      { cb: "cmd", id: toHex(a), statuses: [HostStatus.StreamClosed] },
    ]);
    expect(host.sent).toEqual([]);
  });

  it("after Cancel no callback of that stream runs and nothing more is sent on it", async () => {
    const host = await IxtHost.load(example("stream_echo"));
    const id = streamIdOf(10);
    host.open(id);
    host.cancel(id, CancelReason.Deadline);
    for (const send of [
      () => host.data(id, "x"),
      () => host.close(id, CloseReason.Normal),
      () => host.error(id, 1, "x"),
      () => host.cancel(id, CancelReason.Caller),
      () => host.credit(id, 5),
    ]) {
      send();
    }
    expect(host.sent).toEqual([]);
  });

  it("bounds live streams at 1024 by default: the next Open is ResourceExhausted until one ends", async () => {
    const host = await IxtHost.load(example("stream_echo"));
    for (let i = 0; i < 1024; i++) expect(host.open(streamIdOf(i))).toBe(0);
    expect(host.open(streamIdOf(5000))).toBe(StreamErrorCode.ResourceExhausted);
    expect(host.data(streamIdOf(5000), "x")).toBe(StreamErrorCode.NotFound);
    host.close(streamIdOf(17), CloseReason.Normal);
    expect(host.open(streamIdOf(5000))).toBe(0);
    expect(host.open(streamIdOf(5001))).toBe(StreamErrorCode.ResourceExhausted);
    // Every stream still echoes on its own id.
    host.clearSent();
    const expected = new Map<string, string>();
    for (let i = 0; i < 1024; i++) {
      if (i === 17) continue;
      expected.set(toHex(streamIdOf(i)), `s${i}`);
      host.data(streamIdOf(i), `s${i}`);
    }
    expect(host.sent).toHaveLength(1023);
    for (const call of host.sent)
      expect(call.kind === "Data" && text(call.payload)).toBe(expected.get(call.streamId));
  });

  it("setMaxLiveStreams changes the bound", async () => {
    const host = await IxtHost.load(fixture("bounded_echo"));
    for (let i = 0; i < 3; i++) expect(host.open(streamIdOf(i))).toBe(0);
    expect(host.open(streamIdOf(3))).toBe(StreamErrorCode.ResourceExhausted);
    host.cancel(streamIdOf(0), CancelReason.Caller);
    expect(host.open(streamIdOf(3))).toBe(0);
  });
});

describe("stream_counter (per-stream state)", () => {
  it("keeps a running byte count per stream and reports it on Close", async () => {
    const host = await IxtHost.load(example("stream_counter"));
    const a = streamIdOf(1);
    const b = streamIdOf(2);
    host.open(a);
    host.open(b);
    host.data(a, "12345");
    host.data(b, "xy");
    host.data(a, "");
    host.data(a, new Uint8Array(1000));
    host.close(b, CloseReason.Normal);
    host.close(a, CloseReason.Normal);
    const report = (id: Uint8Array) =>
      host.sentOn(id).map((c) => (c.kind === "Data" ? text(c.payload) : c.kind));
    expect(report(a)).toEqual(["1005 bytes in 3 frames", "Close"]);
    expect(report(b)).toEqual(["2 bytes in 1 frames", "Close"]);
  });
});
