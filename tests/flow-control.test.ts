// Credit and backpressure (docs/ABI.md, "Credit and backpressure"), through the flow fixture. The host
// shim answers WouldBlock to any Data beyond the caller's credit, so a status other than Ok in
// `host.sent` would mean the SDK overspent.
import { describe, expect, it } from "vitest";
import {
  CancelReason,
  CloseReason,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  streamIdOf,
} from "../host-shim/index.js";
import { fixture, takeLog } from "./helpers.js";

const QUEUED = 0x100;
const QUEUE_FULL = 0x101;
const UNLIMITED = "18446744073709551615";
const id = streamIdOf(1);

async function flow(initialCredit: number, options = {}) {
  const host = await IxtHost.load(fixture("flow"), options);
  expect(host.open(id, { initialCredit })).toBe(0);
  return host;
}

/** The payloads sent so far, each as [first byte, length]. */
const dataSent = (host: IxtHost) =>
  host.sent
    .filter((c) => c.kind === "Data")
    .map((c) => (c.kind === "Data" ? [c.payload[0], c.payload.length] : []));

describe("credit", () => {
  it("a stream with 10 bytes of credit that sends 100 emits exactly 10, then the rest in order as credit arrives", async () => {
    const host = await flow(10);
    host.data(id, "send 10 10");
    expect(takeLog(host)).toEqual([
      { cb: "send", id: expect.any(String), statuses: [0, ...Array(9).fill(QUEUED)] },
    ]);
    expect(dataSent(host)).toEqual([[0, 10]]);

    expect(host.credit(id, 25)).toBe(0); // covers two more frames, 5 bytes left over
    expect(dataSent(host)).toEqual([
      [0, 10],
      [1, 10],
      [2, 10],
    ]);
    host.data(id, "state");
    expect(takeLog(host)).toEqual([
      { cb: "state", id: expect.any(String), credit: "5", queuedBytes: 70, queuedFrames: 7, closed: 0 },
    ]);

    host.credit(id, 1000);
    expect(dataSent(host)).toEqual(Array.from({ length: 10 }, (_, i) => [i, 10]));
    expect(host.sent.every((c) => c.status === HostStatus.Ok)).toBe(true);
    // The Credit frame that emptied the queue is followed by onWritable.
    expect(takeLog(host)).toEqual([
      { cb: "writable", id: expect.any(String), credit: "935", queuedBytes: 0, queuedFrames: 0, closed: 0 },
    ]);
  });

  it("sends a frame whole: nothing goes out until the credit covers all of it", async () => {
    const host = await flow(10);
    host.data(id, "send 1 100");
    host.credit(id, 89);
    expect(dataSent(host)).toEqual([]);
    host.credit(id, 1);
    expect(dataSent(host)).toEqual([[0, 100]]);
  });

  it("unlimited credit never queues, and reads as u64.MAX_VALUE", async () => {
    const host = await flow(0xffffffff);
    host.data(id, "send 3 100000");
    host.data(id, "state");
    expect(takeLog(host)).toEqual([
      { cb: "send", id: expect.any(String), statuses: [0, 0, 0] },
      { cb: "state", id: expect.any(String), credit: UNLIMITED, queuedBytes: 0, queuedFrames: 0, closed: 0 },
    ]);
  });

  it("onWritable runs after every Credit frame that leaves the queue empty", async () => {
    const host = await flow(0);
    host.credit(id, 5);
    host.credit(id, 7);
    expect(takeLog(host).map((e) => [e.cb, e.credit])).toEqual([
      ["writable", "5"],
      ["writable", "12"],
    ]);
  });
});

describe("backpressure", () => {
  it("a WouldBlock from the host queues the payload, and the queue is retried at the next Credit frame", async () => {
    let blocks = 1;
    const host = await flow(0xffffffff, {
      respond: () => (blocks-- > 0 ? HostStatus.WouldBlock : undefined),
    });
    host.data(id, "send 3 4");
    expect(takeLog(host)).toEqual([
      { cb: "send", id: expect.any(String), statuses: [QUEUED, QUEUED, QUEUED] },
    ]);
    expect(host.sent.map((c) => c.status)).toEqual([HostStatus.WouldBlock]); // tried once, not delivered
    host.clearSent();
    host.credit(id, 0);
    expect(dataSent(host)).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
    ]);
    expect(host.sent.every((c) => c.status === HostStatus.Ok)).toBe(true);
  });

  it("a full queue refuses the send with QueueFull and queues nothing", async () => {
    const host = await flow(0);
    // Each queued frame is charged its payload plus QUEUED_FRAME_OVERHEAD (32): room for two of 10 bytes.
    host.data(id, "limit 89");
    host.data(id, "send 3 10");
    host.data(id, "state");
    expect(takeLog(host)).toEqual([
      { cb: "send", id: expect.any(String), statuses: [QUEUED, QUEUED, QUEUE_FULL] },
      { cb: "state", id: expect.any(String), credit: "0", queuedBytes: 20, queuedFrames: 2, closed: 0 },
    ]);
    host.credit(id, 100);
    expect(dataSent(host)).toEqual([
      [0, 10],
      [1, 10],
    ]);
  });

  it("a Close sent after queued data waits behind it, and consumes no credit", async () => {
    const host = await flow(0);
    host.data(id, "send 2 10");
    host.data(id, "close");
    expect(takeLog(host).map((e) => e.statuses)).toEqual([[QUEUED, QUEUED], [QUEUED]]);
    expect(host.data(id, "state")).toBe(StreamErrorCode.NotFound); // the module closed it: no more input
    host.credit(id, 15);
    expect(host.sent.map((c) => c.kind)).toEqual(["Data"]);
    host.credit(id, 5);
    expect(host.sent.map((c) => c.kind)).toEqual(["Data", "Data", "Close"]);
    // Finished: it has left the table.
    expect(host.credit(id, 5)).toBe(0);
    expect(host.open(id)).toBe(0);
  });

  it("an Error sent after queued data waits behind it", async () => {
    const host = await flow(0);
    host.data(id, "send 1 3");
    host.data(id, "error");
    host.credit(id, 3);
    expect(host.sent).toMatchObject([
      { kind: "Data", status: 0 },
      { kind: "Error", code: StreamErrorCode.Internal, message: "bye", status: 0 },
    ]);
  });

  it("Close and Error go out at once on an empty queue, even without credit", async () => {
    const host = await flow(0);
    host.data(id, "close");
    expect(host.sent).toMatchObject([{ kind: "Close", reason: CloseReason.Normal, status: 0 }]);
  });

  it("the caller's Close lets queued data and the handler's Close drain", async () => {
    const host = await flow(0);
    host.data(id, "send 1 10");
    host.close(id, CloseReason.Normal); // the default onClose closes, behind the queued frame
    expect(host.data(id, "state")).toBe(StreamErrorCode.NotFound);
    expect(host.sent).toEqual([]);
    host.credit(id, 10);
    expect(host.sent.map((c) => c.kind)).toEqual(["Data", "Close"]);
  });

  it("Cancel drops the queue: nothing queued is ever sent", async () => {
    const host = await flow(0);
    host.data(id, "send 2 10");
    host.cancel(id, CancelReason.Deadline);
    expect(host.credit(id, 100)).toBe(0);
    expect(host.sent).toEqual([]);
    expect(takeLog(host).map((e) => e.cb)).toEqual(["send"]);
  });
});

describe("deadline", () => {
  it("remainingMs counts down with the registered clock and stops at 0", async () => {
    const host = await IxtHost.load(fixture("flow"));
    const e = host.instance.exports as unknown as { set_now(ms: bigint): void };
    e.set_now(1000n);
    host.open(id, { deadlineMs: 1500 });
    host.open(streamIdOf(2)); // no deadline
    host.data(id, "remaining");
    e.set_now(1600n);
    host.data(id, "remaining");
    e.set_now(9000n);
    host.data(id, "remaining");
    host.data(streamIdOf(2), "remaining");
    expect(takeLog(host).map((entry) => [entry.ms, entry.deadline])).toEqual([
      ["1500", 1500],
      ["900", 1500],
      ["0", 1500],
      [UNLIMITED, 0],
    ]);
  });
});

// ---- ProducerHandler (tests/fixtures/producer.ts): offerData, offerBytes, offerText, pausing ----

describe("ProducerHandler", () => {
  // offerText's chunks 0, 3, 6… end in a lone surrogate, which is sent as U+FFFD.
  const chunk = (k: number, method: string) =>
    `chunk ${k}` + (method === "text" && k % 3 === 0 ? "\uFFFD" : "");
  /** The Data payloads sent with status Ok, as text, then "Close"/"Error" for the stream's end. */
  const outcome = (host: IxtHost) =>
    host.sent
      .filter((c) => c.status === HostStatus.Ok)
      .map((c) =>
        c.kind === "Data"
          ? new TextDecoder().decode(c.payload)
          : c.kind === "Error"
            ? `Error ${c.code}`
            : c.kind,
      );
  const producer = async () => {
    const host = await IxtHost.load(fixture("producer"));
    const e = host.instance.exports as unknown as { producer_queue_limit(bytes: number): void };
    return { host, queueLimit: (bytes: number) => e.producer_queue_limit(bytes) };
  };

  for (const method of ["data", "bytes", "text", "mixed"]) {
    it(`${method}: sends every chunk whole, in order, only within the credit, then closes`, async () => {
      const { host } = await producer();
      expect(host.open(id, { method, payload: "12", initialCredit: 20 })).toBe(0);
      // "chunk 0" and "chunk 1" are 7 bytes each ("chunk 0" + U+FFFD: 10): the third does not fit in 20.
      expect(outcome(host)).toEqual([chunk(0, method), chunk(1, method)]);
      for (let i = 0; i < 40 && !outcome(host).includes("Close"); i++) host.credit(id, 9);
      expect(outcome(host)).toEqual([...Array.from({ length: 12 }, (_, k) => chunk(k, method)), "Close"]);
      expect(host.sent.every((c) => c.status === HostStatus.Ok)).toBe(true); // never beyond the credit
    });
  }

  it("a send answered QueueFull pauses the producer until onWritable, which offers the same chunk again", async () => {
    const { host, queueLimit } = await producer();
    queueLimit(0); // nothing can be queued: a send the host answers WouldBlock comes back QueueFull
    host.respond = (c) => (c.kind === "Data" ? HostStatus.WouldBlock : HostStatus.Ok);
    expect(host.open(id, { method: "bytes", payload: "3" })).toBe(0);
    expect(host.sent.map((c) => [c.kind, c.status])).toEqual([["Data", HostStatus.WouldBlock]]);
    expect(takeLog(host)).toEqual([{ cb: "paused", id: expect.any(String), chunk: 0, closed: 0 }]);
    host.respond = undefined;
    expect(host.credit(id, 100)).toBe(0); // the retry at the end of the call: onWritable resumes
    expect(outcome(host)).toEqual(["chunk 0", "chunk 1", "chunk 2", "Close"]);
    expect(takeLog(host)).toEqual([]);
  });

  it("keeps producing after the caller's Close, and pauses on credit without being called in a loop", async () => {
    const { host } = await producer();
    expect(host.open(id, { method: "data", payload: "4", initialCredit: 7 })).toBe(0);
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    expect(outcome(host)).toEqual(["chunk 0"]);
    // One produce call that could not offer: paused, not spinning.
    expect(takeLog(host)).toEqual([{ cb: "paused", id: expect.any(String), chunk: 1, closed: 0 }]);
    host.credit(id, 6); // still one byte short of "chunk 1"
    expect(outcome(host)).toEqual(["chunk 0"]);
    host.credit(id, 100);
    expect(outcome(host)).toEqual(["chunk 0", "chunk 1", "chunk 2", "chunk 3", "Close"]);
  });

  for (const [status, code] of [
    [HostStatus.PayloadTooLarge, StreamErrorCode.PayloadTooLarge],
    [HostStatus.Internal, StreamErrorCode.Internal],
  ]) {
    it(`a send refused with host status ${status} fails the stream with code ${code}, and production stops`, async () => {
      const { host } = await producer();
      host.respond = (c) => (c.kind === "Data" && c.payload[6] === 0x31 ? status : HostStatus.Ok);
      expect(host.open(id, { method: "mixed", payload: "5" })).toBe(0);
      expect(outcome(host)).toEqual(["chunk 0", `Error ${code}`]);
      expect(host.sent.filter((c) => c.kind === "Data").length).toBe(2); // chunk 1 refused, nothing after it
      const error = host.sent.find((c) => c.kind === "Error");
      expect(error?.kind === "Error" && error.message).toMatch(/host refused/);
      expect(takeLog(host)).toEqual([{ cb: "paused", id: expect.any(String), chunk: 1, closed: 1 }]);
    });
  }

  it("start rejects a request that is not a count; 0 chunks close at once", async () => {
    const { host } = await producer();
    expect(host.open(streamIdOf(5), { method: "data", payload: "x" })).toBe(StreamErrorCode.InvalidArgument);
    expect(host.open(id, { method: "text", payload: "0" })).toBe(0);
    expect(outcome(host)).toEqual(["Close"]);
  });
});
