// Tests of the module in the host shim. `loadModule` builds assembly/index.ts with asconfig.json (cached
// under node_modules/.cache between runs) and loads it; `open`, `data`, `close`… deliver frames as the
// ixt runtime would, and `sentOn(id)` lists what the module sent on a stream.
import {
  CloseReason,
  HostStatus,
  StreamErrorCode,
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
});
