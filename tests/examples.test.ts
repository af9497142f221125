// The flow-control and Open-request examples: stream_upper, stream_ticker, stream_router.
import { describe, expect, it } from "vitest";
import {
  CloseReason,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  encodeOpen,
  streamIdOf,
} from "../host-shim/index.js";
import { example } from "./helpers.js";

const id = streamIdOf(1);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (text: string) => new TextEncoder().encode(text);
const texts = (host: IxtHost) => host.sent.map((c) => (c.kind === "Data" ? decode(c.payload) : c.kind));

describe("stream_upper", () => {
  it("replies to each Data with its text upper-cased, as JavaScript's toUpperCase does", async () => {
    const host = await IxtHost.load(example("stream_upper"));
    host.open(id);
    const inputs = ["hello", "", "Straße", "ǆemal ﬁx", "ελληνικά", "mixed 123 ✓"];
    for (const input of inputs) expect(host.data(id, input)).toBe(0);
    expect(texts(host)).toEqual(inputs.map((s) => s.toUpperCase()));
  });

  const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  /** The Data payloads sent, each checked to be valid UTF-8, and the other calls' kinds. */
  const strictTexts = (host: IxtHost) =>
    host.sent.map((c) => (c.kind === "Data" ? fatal.decode(c.payload) : c.kind));

  it("replaces each invalid sequence with U+FFFD and keeps the text after it, as valid UTF-8", async () => {
    const host = await IxtHost.load(example("stream_upper"));
    host.open(id);
    const inputs = [
      [0x61, 0xff, 0x62, 0x63, 0x64],
      [0xc1, 0xa5, 0x78],
      [0xed, 0xa0, 0x80, 0x7a],
      [0xe2, 0x82],
    ];
    for (const input of inputs) expect(host.data(id, Uint8Array.from(input))).toBe(0);
    expect(host.sent[0].kind === "Data" && [...host.sent[0].payload]).toEqual([...encode("A\uFFFDBCD")]);
    expect(strictTexts(host).slice(1)).toEqual(["\uFFFD\uFFFDX", "\uFFFD\uFFFD\uFFFDZ", ""]); // E2 82 is carried
  });

  it("carries a 2-, 3- or 4-byte character split across Data frames, at every split point", async () => {
    const host = await IxtHost.load(example("stream_upper"));
    let n = 100;
    for (const text of ["aßb", "ǆ", "x€y", "ﬁ", "😀z", "\u{10FFFF}"]) {
      const bytes = encode(text);
      const splits = [
        ...Array.from({ length: bytes.length + 1 }, (_, at) => [bytes.subarray(0, at), bytes.subarray(at)]),
        [...bytes].map((b) => Uint8Array.of(b)), // a byte per frame
      ];
      for (const frames of splits) {
        const stream = streamIdOf(++n);
        const before = host.sent.length;
        host.open(stream);
        for (const frame of frames) expect(host.data(stream, frame)).toBe(0);
        host.close(stream, CloseReason.Normal);
        const replies = strictTexts(host).slice(before);
        expect(replies, `${text} in ${frames.length} frames`).toEqual([
          ...replies.slice(0, frames.length), // one reply per Data frame, possibly empty
          "Close",
        ]);
        expect(replies.slice(0, -1).join(""), `${text} split`).toBe(text.toUpperCase());
      }
    }
  });

  it("at the caller's Close, sends a partial character still carried as U+FFFD, then closes", async () => {
    const host = await IxtHost.load(example("stream_upper"));
    host.open(id);
    host.data(id, Uint8Array.of(0x61, 0x62, 0xf0, 0x9f));
    host.data(id, Uint8Array.of(0x98)); // still incomplete: carried with the two bytes before it
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    expect(strictTexts(host)).toEqual(["AB", "", "\uFFFD", "Close"]);
    expect(host.sent.at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });

  it("fails the stream when a reply is refused: by the host, or because the queue is full", async () => {
    for (const [status, code] of [
      [HostStatus.PayloadTooLarge, StreamErrorCode.PayloadTooLarge],
      [HostStatus.Internal, StreamErrorCode.Internal],
    ]) {
      const host = await IxtHost.load(example("stream_upper"), {
        respond: (call) => (call.kind === "Data" ? status : undefined),
      });
      host.open(id);
      host.data(id, "refused");
      expect(host.sent.map((c) => [c.kind, c.kind === "Error" ? c.code : c.status])).toEqual([
        ["Data", status],
        ["Error", code],
      ]);
    }
    const host = await IxtHost.load(example("stream_upper"));
    host.open(id, { initialCredit: 0 });
    const big = "q".repeat(700_000);
    expect(host.data(id, big)).toBe(0); // queued
    expect(host.data(id, big)).toBe(0); // the stream's 1 MiB queue cannot take it: the stream fails
    host.credit(id, 1 << 20);
    expect(host.sent.map((c) => (c.kind === "Error" ? c.code : c.kind))).toEqual([
      "Data",
      StreamErrorCode.ResourceExhausted,
    ]);
  });
});

describe("stream_counter", () => {
  it("a refused report fails the stream with the documented code instead of closing Normal", async () => {
    const host = await IxtHost.load(example("stream_counter"), {
      respond: (call) => (call.kind === "Data" ? HostStatus.PayloadTooLarge : undefined),
    });
    expect(host.open(id)).toBe(0);
    host.data(id, "abc");
    host.close(id, CloseReason.Normal);
    expect(host.sent.map((c) => [c.kind, c.kind === "Error" ? c.code : c.status])).toEqual([
      ["Data", HostStatus.PayloadTooLarge],
      ["Error", StreamErrorCode.PayloadTooLarge],
    ]);
  });

  it("a report answered WouldBlock is queued, and the Close waits behind it until a retry", async () => {
    let blocks = 1;
    const host = await IxtHost.load(example("stream_counter"), {
      respond: (call) => (call.kind === "Data" && blocks-- > 0 ? HostStatus.WouldBlock : undefined),
    });
    expect(host.open(id)).toBe(0);
    host.data(id, "abc");
    host.close(id, CloseReason.Normal);
    expect(texts(host)).toEqual(["3 bytes in 1 frames"]); // refused with WouldBlock, not yet delivered
    host.credit(id, 0);
    expect(texts(host)).toEqual(["3 bytes in 1 frames", "3 bytes in 1 frames", "Close"]);
    expect(host.sent.map((c) => c.status)).toEqual([HostStatus.WouldBlock, HostStatus.Ok, HostStatus.Ok]);
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

  it("keeps producing after the caller closes its side, then closes itself after the last tick", async () => {
    const host = await IxtHost.load(example("stream_ticker"));
    expect(host.open(id, { payload: "12", initialCredit: 5 })).toBe(0);
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    expect(texts(host)).toEqual(["1", "2", "3", "4", "5"]);
    host.credit(id, 100);
    expect(texts(host)).toEqual([...Array.from({ length: 12 }, (_, i) => String(i + 1)), "Close"]);
  });

  it("after a WouldBlock with N = 400,000, every tick goes out exactly once, in order, once retried", async () => {
    let blocks = 1;
    const host = await IxtHost.load(example("stream_ticker"), {
      respond: (call) => (call.kind === "Data" && blocks-- > 0 ? HostStatus.WouldBlock : undefined),
    });
    expect(host.open(id, { payload: "400000" })).toBe(0);
    host.credit(id, 0); // the runtime's "try again" after a WouldBlock on an unlimited stream
    const delivered = host.sent.filter((c) => c.status === HostStatus.Ok);
    expect(delivered).toHaveLength(400_001);
    const ticks = delivered.slice(0, -1).map((c) => (c.kind === "Data" ? decode(c.payload) : c.kind));
    expect(ticks.every((t, i) => t === String(i + 1))).toBe(true);
    expect(delivered.at(-1)?.kind).toBe("Close");
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

  it("compares the method's bytes: echo\\x80, echo\\xc3 and an overlong \\xc1\\xa5cho are not echo", async () => {
    const host = await IxtHost.load(example("stream_router"));
    const token = new TextEncoder().encode("caller-token");
    const methods = [
      [0x65, 0x63, 0x68, 0x6f, 0x80],
      [0x65, 0x63, 0x68, 0x6f, 0xc3],
      [0xc1, 0xa5, 0x63, 0x68, 0x6f],
    ];
    methods.forEach((bytes, i) => {
      const open = encodeOpen(streamIdOf(10 + i), { method: new Uint8Array(bytes), context: token });
      expect(host.dispatch(open)).toBe(StreamErrorCode.Unimplemented);
    });
    expect(host.sent).toEqual([]);
  });
});
