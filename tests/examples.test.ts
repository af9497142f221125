// The flow-control and Open-request examples: stream_upper, stream_ticker, stream_router.
import { describe, expect, it } from "vitest";
import { CloseReason, HostStatus, IxtHost, StreamErrorCode, streamIdOf } from "../host-shim/index.js";
import { example } from "./helpers.js";

const id = streamIdOf(1);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const texts = (host: IxtHost) => host.sent.map((c) => (c.kind === "Data" ? decode(c.payload) : c.kind));

describe("stream_upper", () => {
  it("replies to each Data with its text upper-cased, as JavaScript's toUpperCase does", async () => {
    const host = await IxtHost.load(example("stream_upper"));
    host.open(id);
    const inputs = ["hello", "", "Straße", "ǆemal ﬁx", "ελληνικά", "mixed 123 ✓"];
    for (const input of inputs) expect(host.data(id, input)).toBe(0);
    expect(texts(host)).toEqual(inputs.map((s) => s.toUpperCase()));
  });
});

describe("stream_ticker", () => {
  it("emits 1…N then closes, with unlimited credit", async () => {
    const host = await IxtHost.load(example("stream_ticker"));
    expect(host.open(id, { payload: "5" })).toBe(0);
    expect(texts(host)).toEqual(["1", "2", "3", "4", "5", "Close"]);
  });

  it("sends each tick whole once the credit covers it, continuing in onWritable", async () => {
    const host = await IxtHost.load(example("stream_ticker"));
    expect(host.open(id, { payload: "12", initialCredit: 10 })).toBe(0);
    expect(texts(host)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]); // "10" needs 2 bytes, 1 left
    host.credit(id, 1);
    expect(texts(host).slice(9)).toEqual(["10"]);
    host.credit(id, 1);
    expect(texts(host).slice(10)).toEqual([]); // "11" needs 2: still 1 short
    host.credit(id, 3);
    expect(texts(host).slice(10)).toEqual(["11", "12", "Close"]);
    expect(host.sent.every((c) => c.status === HostStatus.Ok)).toBe(true); // never beyond the credit
  });

  it("rejects a request that is not a decimal count, and closes at once for 0", async () => {
    const host = await IxtHost.load(example("stream_ticker"));
    for (const bad of ["", "abc", "-1", "1e3", "99999999"]) {
      expect(host.open(streamIdOf(bad.length + 10), { payload: bad })).toBe(StreamErrorCode.InvalidArgument);
    }
    expect(host.open(id, { payload: "0" })).toBe(0);
    expect(texts(host)).toEqual(["Close"]);
  });
});

describe("stream_router", () => {
  it("echoes for the method echo with a context, and rejects everything else", async () => {
    const host = await IxtHost.load(example("stream_router"));
    const token = new TextEncoder().encode("caller-token");
    expect(host.open(id, { method: "echo", context: token })).toBe(0);
    expect(host.open(streamIdOf(2), { method: "echo" })).toBe(StreamErrorCode.PermissionDenied);
    expect(host.open(streamIdOf(3), { method: "upper", context: token })).toBe(StreamErrorCode.Unimplemented);
    expect(host.open(streamIdOf(4), { method: "Echo", context: token })).toBe(StreamErrorCode.Unimplemented);
    host.data(id, "routed");
    host.close(id, CloseReason.Normal);
    expect(texts(host)).toEqual(["routed", "Close"]);
  });
});
