// Tests of the module in the host shim. `loadModule` builds assembly/index.ts with asconfig.json (cached
// under node_modules/.cache between runs) and loads it; `open`, `data`, `close`… deliver frames as the
// ixt runtime would, and `sentOn(id)` lists what the module sent on a stream. `npm test` runs this file
// against the debug build and the release build (vitest.config.ts); loadModule follows the run.
import {
  CloseReason,
  HostStatus,
  StreamErrorCode,
  dataTexts,
  holdCredit,
  isClose,
  isData,
  loadModule,
  streamIdOf,
  text,
} from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

describe("assembly/index.ts", () => {
  it("greets each Data frame, then says how many and closes after the caller's Close", async () => {
    const host = await loadModule("assembly/index.ts");
    const id = streamIdOf(1);
    expect(host.open(id, { method: "greet" })).toBe(0); // the dispatcher's result: 0 is accepted
    host.data(id, "world");
    host.data(id, "ixt");
    host.close(id, CloseReason.Normal);

    const sent = host.sentOn(id);
    expect(sent.filter(isData).map((call) => text(call))).toEqual([
      "hello, world",
      "hello, ixt",
      "greeted 2",
    ]);
    expect(isClose(sent[sent.length - 1])).toBe(true);
  });

  it("keeps each stream's count apart", async () => {
    const host = await loadModule("assembly/index.ts");
    const [a, b] = [streamIdOf(1), streamIdOf(2)];
    host.open(a);
    host.open(b);
    host.data(a, "one");
    host.close(a, CloseReason.Normal);
    host.close(b, CloseReason.Normal);
    expect(
      host
        .sentOn(a)
        .filter(isData)
        .map((call) => text(call)),
    ).toEqual(["hello, one", "greeted 1"]);
    expect(
      host
        .sentOn(b)
        .filter(isData)
        .map((call) => text(call)),
    ).toEqual(["greeted 0"]);
  });

  it("fails the stream when the host refuses a reply, with the code errorCodeFor gives", async () => {
    const cases = [
      [HostStatus.PayloadTooLarge, StreamErrorCode.PayloadTooLarge],
      [HostStatus.BadArgument, StreamErrorCode.Internal],
    ];
    for (const [status, code] of cases) {
      // `respond` answers the module's calls as the runtime would: here it refuses every Data frame.
      const host = await loadModule("assembly/index.ts", {
        respond: (call) => (call.kind === "Data" ? status : undefined),
      });
      const id = streamIdOf(1);
      host.open(id);
      host.data(id, "world");
      const sent = host.sentOn(id);
      expect(sent.map((call) => call.kind)).toEqual(["Data", "Error"]);
      expect(sent[1]).toMatchObject({ kind: "Error", code });
    }
  });

  // #region slow-credit
  it("answers a caller that grants credit 4 bytes at a time", async () => {
    const host = await loadModule("assembly/index.ts");
    const id = streamIdOf(1);
    // #region readme-credit
    const valve = holdCredit(host, id); // the Open grants no credit: nothing can be sent yet
    host.data(id, "world");
    host.close(id, CloseReason.Normal);
    expect(dataTexts(host, id)).toEqual([]); // both replies wait in the stream's queue
    const sent = valve.drain(4); // Credit frames of 4 bytes until the stream ends
    // #endregion readme-credit
    expect(sent.filter(isData).map((call) => text(call))).toEqual(["hello, world", "greeted 1"]);
    expect(isClose(sent[sent.length - 1])).toBe(true);
  });
  // #endregion slow-credit

  // #region refusal
  it("fails the stream when the host first blocks a reply, then refuses it", async () => {
    // #region readme-refusal
    const host = await loadModule("assembly/index.ts", {
      respond: (call) => (call.kind === "Data" ? HostStatus.WouldBlock : undefined),
    });
    // #endregion readme-refusal
    const id = streamIdOf(1);
    host.open(id);
    expect(host.data(id, "world")).toBe(0); // WouldBlock: the SDK queued the reply, the handler saw true
    host.respond = (call) => (call.kind === "Data" ? HostStatus.PayloadTooLarge : undefined);
    host.credit(id, 1024); // the SDK sends the queued reply again; this time the host refuses it
    const sent = host.sentOn(id);
    expect(sent.map((call) => [call.kind, call.status])).toEqual([
      ["Data", HostStatus.WouldBlock],
      ["Data", HostStatus.PayloadTooLarge],
      ["Error", HostStatus.Ok], // the stream ends with the code errorCodeFor gives
    ]);
    expect(sent[2]).toMatchObject({ code: StreamErrorCode.PayloadTooLarge });
    expect(host.streamState(id)).toBe("ended");
  });
  // #endregion refusal

  // #region memory-limit
  it("holds under the runtime's memory cap (16 MiB here)", async () => {
    // #region readme-memory
    const host = await loadModule("assembly/index.ts", { memoryLimit: 16 * 1024 * 1024 });
    // #endregion readme-memory
    const id = streamIdOf(1);
    host.open(id);
    for (let i = 0; i < 1000; i++) host.data(id, "x".repeat(10_000));
    expect(dataTexts(host, id)).toHaveLength(1000);
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(16 * 1024 * 1024);
  });
  // #endregion memory-limit

  // #region volume
  it("greets 100,000 frames, counted and checked rather than kept", async () => {
    let wrong = 0;
    const host = await loadModule("assembly/index.ts", {
      record: "none", // host.sent stays empty; host.counts counts every call
      onCall: (call) => {
        if (call.kind === "Data" && !text(call).startsWith("hello, ")) wrong++;
      },
    });
    const id = streamIdOf(1);
    host.open(id);
    for (let i = 0; i < 100_000; i++) host.data(id, String(i));
    expect(host.counts.data).toBe(100_000);
    expect(wrong).toBe(0);
  });
  // #endregion volume
});
