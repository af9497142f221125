// Host refusals (docs/ABI.md, "Host refusals"): every host status, for Data, Close and Error, sent
// directly and drained from the queue, through the flow fixture. `respond` answers the host's status for
// each outbound call, so a test scripts exactly which call is refused and how.
import { describe, expect, it } from "vitest";
import {
  ABI,
  HostStatus,
  IxtHost,
  type OutboundCall,
  StreamErrorCode,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { fixture, takeLog } from "./helpers.js";

const QUEUED = 0x100;
const QUEUE_FULL = 0x101;
const UNLIMITED = "18446744073709551615";
const id = streamIdOf(1);
const other = streamIdOf(2);
const RETRIES = ABI.limits.RETRIES_PER_CALL;

/** A flow host whose answers come from `answer(call, index)`: undefined means Ok. */
async function flow(
  initialCredit: number,
  answer: (call: OutboundCall, index: number) => number | undefined,
) {
  let index = 0;
  const host = await IxtHost.load(fixture("flow"), { respond: (call) => answer(call, index++) });
  expect(host.open(id, { initialCredit })).toBe(0);
  return host;
}

const GONE = [HostStatus.UnknownStream, HostStatus.StreamClosed];
const OTHER = [
  HostStatus.BadArgument,
  HostStatus.PayloadTooLarge,
  HostStatus.InvalidMemory,
  HostStatus.Internal,
  77,
];
const codeFor = (status: number) =>
  status === HostStatus.PayloadTooLarge ? StreamErrorCode.PayloadTooLarge : StreamErrorCode.Internal;
const summary = (host: IxtHost) =>
  host.sent.map((c) =>
    c.kind === "Data"
      ? `D${c.payload[0]}:${c.status}`
      : c.kind === "Close"
        ? `C:${c.status}`
        : `E${c.code}:${c.status}`,
  );

describe("Data refused when sent directly", () => {
  it.each(OTHER)("status %i is returned to the handler and the stream goes on", async (status) => {
    const host = await flow(0xffffffff, (_call, i) => (i === 0 ? status : undefined));
    host.data(id, "send 2 3");
    expect(takeLog(host)).toEqual([{ cb: "send", id: expect.any(String), statuses: [status, 0] }]);
    expect(summary(host)).toEqual([`D0:${status}`, "D1:0"]);
    expect(host.data(id, "state")).toBe(0);
  });

  it.each(GONE)(
    "status %i finishes the stream: later sends return StreamClosed, later Data is NotFound",
    async (status) => {
      const host = await flow(0xffffffff, (_call, i) => (i === 0 ? status : undefined));
      host.data(id, "send 2 3");
      expect(takeLog(host)).toEqual([
        { cb: "send", id: expect.any(String), statuses: [status, HostStatus.StreamClosed] },
      ]);
      expect(summary(host)).toEqual([`D0:${status}`]);
      expect(host.data(id, "state")).toBe(StreamErrorCode.NotFound);
    },
  );

  it("WouldBlock queues the payload, blocks the stream (writable 0) and a Credit(0) retries it in order", async () => {
    const host = await flow(0xffffffff, (_call, i) => (i === 0 ? HostStatus.WouldBlock : undefined));
    host.data(id, "send 3 4");
    host.data(id, "writable");
    expect(takeLog(host)).toEqual([
      { cb: "send", id: expect.any(String), statuses: [QUEUED, QUEUED, QUEUED] },
      // a stream blocked during a call is retried at the end of the next one, after its handler ran
      { cb: "writable?", id: expect.any(String), writable: "0", blocked: 1 },
      {
        cb: "writable",
        id: expect.any(String),
        credit: UNLIMITED,
        queuedBytes: 0,
        queuedFrames: 0,
        closed: 0,
      },
    ]);
    expect(summary(host)).toEqual(["D0:5", "D0:0", "D1:0", "D2:0"]);
  });

  it("while blocked, writable is 0; a Credit(0) frame retries and onWritable follows", async () => {
    let blocked = true;
    const host = await flow(0xffffffff, (c) =>
      blocked && c.kind === "Data" ? HostStatus.WouldBlock : undefined,
    );
    host.data(id, "send 1 4");
    blocked = true;
    host.data(id, "writable"); // the retry at this call's end is refused again
    expect(takeLog(host).slice(-1)).toEqual([
      { cb: "writable?", id: expect.any(String), writable: "0", blocked: 1 },
    ]);
    blocked = false;
    host.credit(id, 0);
    expect(takeLog(host)).toEqual([
      {
        cb: "writable",
        id: expect.any(String),
        credit: UNLIMITED,
        queuedBytes: 0,
        queuedFrames: 0,
        closed: 0,
      },
    ]);
    expect(summary(host).filter((s) => s.endsWith(":0"))).toEqual(["D0:0"]);
  });

  it("an unlimited stream blocked by WouldBlock is retried at the end of a later call on another stream", async () => {
    let blocked = true;
    const host = await flow(0xffffffff, (c) =>
      blocked && c.kind === "Data" ? HostStatus.WouldBlock : undefined,
    );
    expect(host.open(other)).toBe(0);
    host.data(id, "send 2 4");
    expect(summary(host)).toEqual(["D0:5"]);
    blocked = false;
    host.data(other, "state"); // another stream's frame: id is retried at the end of this call
    expect(summary(host)).toEqual(["D0:5", "D0:0", "D1:0"]);
  });
});

describe("Data refused while the queue drains", () => {
  it.each(OTHER)(
    "status %i drops that frame and the rest, onSendFailed runs, and its default fails the stream",
    async (status) => {
      let refuse = false;
      const host = await flow(0, (c) =>
        refuse && c.kind === "Data" && c.payload[0] === 1 ? status : undefined,
      );
      host.data(id, "send 3 5");
      refuse = true;
      host.credit(id, 100);
      expect(takeLog(host)).toEqual([
        { cb: "send", id: expect.any(String), statuses: [QUEUED, QUEUED, QUEUED] },
        { cb: "sendFailed", id: expect.any(String), status },
      ]);
      expect(summary(host)).toEqual(["D0:0", `D1:${status}`, `E${codeFor(status)}:0`]);
      expect(host.data(id, "state")).toBe(StreamErrorCode.NotFound);
    },
  );

  it.each(GONE)(
    "status %i finishes the stream without an Error; onSendFailed hears of it",
    async (status) => {
      let refuse = false;
      const host = await flow(0, (c) => (refuse && c.kind === "Data" ? status : undefined));
      host.data(id, "send 2 5");
      refuse = true;
      host.credit(id, 100);
      expect(takeLog(host)).toEqual([
        { cb: "send", id: expect.any(String), statuses: [QUEUED, QUEUED] },
        { cb: "sendFailed", id: expect.any(String), status },
      ]);
      expect(summary(host)).toEqual([`D0:${status}`]);
      expect(host.data(id, "state")).toBe(StreamErrorCode.NotFound);
    },
  );

  it.each(OTHER)(
    "status %i behind a queued Close turns the Close into an Error: the stream never ends Normal after a loss",
    async (status) => {
      let refuse = false;
      const host = await flow(0, (c) => (refuse && c.kind === "Data" ? status : undefined));
      host.data(id, "send 2 5");
      host.data(id, "close");
      refuse = true;
      host.credit(id, 100);
      expect(summary(host)).toEqual([`D0:${status}`, `E${codeFor(status)}:0`]);
    },
  );

  it("WouldBlock while draining keeps the frame at the head; the next Credit sends it and the rest in order", async () => {
    let blocks = 0;
    const host = await flow(0, (c) =>
      c.kind === "Data" && c.payload[0] === 1 && blocks++ === 0 ? HostStatus.WouldBlock : undefined,
    );
    host.data(id, "send 3 5");
    host.credit(id, 100);
    expect(summary(host)).toEqual(["D0:0", "D1:5"]);
    host.credit(id, 0);
    expect(summary(host)).toEqual(["D0:0", "D1:5", "D1:0", "D2:0"]);
  });
});

describe("Close and Error refused", () => {
  it.each(["close", "error"])(
    "%s answered WouldBlock is kept and retried; the stream stays in the table until it goes out",
    async (command) => {
      let blocks = 1;
      const host = await flow(0xffffffff, (c) =>
        c.kind !== "Data" && blocks-- > 0 ? HostStatus.WouldBlock : undefined,
      );
      host.data(id, command);
      expect(takeLog(host)).toEqual([{ cb: command, id: expect.any(String), statuses: [QUEUED] }]);
      expect(host.credit(id, 0)).toBe(0);
      const last = command === "close" ? "C:0" : `E${StreamErrorCode.Internal}:0`;
      expect(summary(host)).toEqual([last.replace(":0", ":5"), last]);
      // it has now left the table: a later Credit is ignored, Data is NotFound
      expect(host.data(id, "state")).toBe(StreamErrorCode.NotFound);
    },
  );

  it.each([...GONE, ...OTHER])(
    "close answered %i finishes the stream and returns the status",
    async (status) => {
      const host = await flow(0xffffffff, (c) => (c.kind === "Close" ? status : undefined));
      host.data(id, "close");
      expect(takeLog(host)).toEqual([{ cb: "close", id: expect.any(String), statuses: [status] }]);
      expect(host.data(id, "state")).toBe(StreamErrorCode.NotFound);
    },
  );

  it("a queued Close refused while draining finishes the stream; onSendFailed hears of it", async () => {
    let refuse = false;
    const host = await flow(0, (c) => (refuse && c.kind === "Close" ? HostStatus.Internal : undefined));
    host.data(id, "send 1 5");
    host.data(id, "close");
    refuse = true;
    host.credit(id, 5);
    expect(takeLog(host).slice(-1)).toEqual([
      { cb: "sendFailed", id: expect.any(String), status: HostStatus.Internal },
    ]);
    expect(summary(host)).toEqual(["D0:0", "C:10"]);
    expect(host.credit(id, 5)).toBe(0); // not in the table any more: ignored
  });
});

describe("waiting for credit is not being blocked", () => {
  it("a Credit too small for the queued frame leaves the stream waiting, not blocked, and not on the retry list", async () => {
    const host = await flow(0, () => undefined);
    host.data(id, "send 1 10"); // queued: no credit
    host.credit(id, 5); // too little for the frame: it stays queued
    host.data(id, "writable");
    expect(takeLog(host).filter((e) => e.cb === "writable?")).toEqual([
      { cb: "writable?", id: expect.any(String), writable: "0", blocked: 0 },
    ]);
    expect(host.sent).toEqual([]);
    host.credit(id, 5); // now it is covered
    expect(summary(host)).toEqual(["D0:0"]);
  });
});

describe("retries at the end of a call", () => {
  it("a stream still blocked after a retry stays on the retry list, behind the others", async () => {
    let blocking = true;
    const host = await IxtHost.load(fixture("flow"), {
      respond: (call) => (blocking && call.kind === "Data" ? HostStatus.WouldBlock : undefined),
    });
    for (const stream of [id, other]) {
      expect(host.open(stream)).toBe(0);
      host.data(stream, "send 1 1"); // answered WouldBlock: queued, blocked
    }
    const third = streamIdOf(3);
    expect(host.credit(third, 0)).toBe(0); // both retried, both answered WouldBlock again: requeued
    blocking = false;
    expect(host.credit(third, 0)).toBe(0); // no Credit on either: only the end-of-call retry can send them
    const delivered = host.sent.filter((c) => c.kind === "Data" && c.status === HostStatus.Ok);
    expect(delivered.map((c) => c.streamId).sort()).toEqual([toHex(id), toHex(other)].sort());
  });

  it("a retry that leaves a single byte of credit still calls onWritable", async () => {
    let blocking = true;
    const host = await IxtHost.load(fixture("flow"), {
      respond: (call) => (blocking && call.kind === "Data" ? HostStatus.WouldBlock : undefined),
    });
    expect(host.open(id, { initialCredit: 5 })).toBe(0);
    host.data(id, "send 1 4"); // answered WouldBlock: queued, blocked
    blocking = false;
    takeLog(host);
    expect(host.credit(other, 0)).toBe(0); // another stream's frame: the call ends with the retry
    expect(takeLog(host)).toEqual([
      { cb: "writable", id: expect.any(String), credit: "1", queuedBytes: 0, queuedFrames: 0, closed: 0 },
    ]);
  });

  it(`retry at most RETRIES_PER_CALL (${RETRIES}) blocked streams per call; the rest in the next`, async () => {
    let blocking = true;
    const host = await IxtHost.load(fixture("flow"), {
      respond: (call) => (blocking && call.kind === "Data" ? HostStatus.WouldBlock : undefined),
    });
    const ids = Array.from({ length: RETRIES + 4 }, (_, n) => streamIdOf(100 + n));
    for (const stream of ids) {
      expect(host.open(stream)).toBe(0);
      host.data(stream, "send 1 1"); // answered WouldBlock, and again at every retry while `blocking`
    }
    blocking = false;
    const delivered = () =>
      host.sent.filter((c) => c.kind === "Data" && c.status === HostStatus.Ok).map((c) => c.streamId);
    expect(host.credit(streamIdOf(999), 0)).toBe(0); // any well-formed frame ends with retries
    const first = delivered();
    expect(new Set(first).size).toBe(RETRIES);
    expect(host.credit(streamIdOf(999), 0)).toBe(0);
    const rest = ids.map(toHex).filter((s) => !first.includes(s));
    expect(delivered().slice(first.length).sort()).toEqual(rest.sort());
  });
});

describe("queue limits", () => {
  it("empty frames queued behind one byte are charged QUEUED_FRAME_OVERHEAD: the per-stream limit stops them", async () => {
    const host = await flow(0, () => undefined);
    host.data(id, "limit 100"); // room for one 1-byte frame (33) and two empty ones (32 each)
    host.data(id, "send 1 1");
    host.data(id, "send 3 0");
    expect(takeLog(host).map((e) => e.statuses)).toEqual([[QUEUED], [QUEUED, QUEUED, QUEUE_FULL]]);
  });

  it("a queue may fill its limit and budget exactly: the frame that reaches the limit is queued, the next is not", async () => {
    const host = await flow(0, () => undefined);
    host.data(id, "limit 97"); // exactly one 1-byte frame (33) and two empty ones (32 each)
    host.data(id, "send 1 1");
    host.data(id, "send 3 0");
    expect(takeLog(host).map((e) => e.statuses)).toEqual([[QUEUED], [QUEUED, QUEUED, QUEUE_FULL]]);
    const again = await flow(0, () => undefined);
    again.data(id, "budget 99"); // exactly three 1-byte frames
    again.data(id, "send 4 1");
    expect(takeLog(again).map((e) => e.statuses)).toEqual([[QUEUED, QUEUED, QUEUED, QUEUE_FULL]]);
  });

  it("the module's queue budget is shared by all streams", async () => {
    const host = await flow(0, () => undefined);
    expect(host.open(other, { initialCredit: 0 })).toBe(0);
    host.data(id, "budget 100"); // 100 bytes for the whole module: three 1-byte frames (33 each)
    host.data(id, "send 2 1");
    host.data(other, "send 2 1");
    expect(takeLog(host).map((e) => e.statuses)).toEqual([
      [QUEUED, QUEUED],
      [QUEUED, QUEUE_FULL],
    ]);
    host.credit(id, 10); // id's two frames go out and give their charge back
    host.data(other, "send 1 1");
    expect(
      takeLog(host)
        .filter((e) => e.cb === "send")
        .map((e) => e.statuses),
    ).toEqual([[QUEUED]]);
  });

  it("writable is the credit not claimed by the queue", async () => {
    const host = await flow(10, () => undefined);
    host.data(id, "send 1 4"); // goes out: credit 6
    host.data(id, "send 1 8"); // queued: 8 > 6
    host.data(id, "writable");
    expect(takeLog(host).slice(-1)).toEqual([
      { cb: "writable?", id: expect.any(String), writable: "0", blocked: 0 },
    ]);
    host.credit(id, 10); // 16: the 8 goes out, 8 left
    host.data(id, "writable");
    expect(takeLog(host).slice(-1)).toEqual([
      { cb: "writable?", id: expect.any(String), writable: "8", blocked: 0 },
    ]);
  });
});
