// examples/stream_counter.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/stream_counter.ts" (loadModule builds it with your asconfig.json).
import {
  CloseReason,
  HostStatus,
  StreamErrorCode,
  dataTexts,
  loadModule,
  streamIdOf,
} from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/stream_counter.ts";

describe("stream_counter", () => {
  it("counts each stream's bytes and frames apart, and reports them at the caller's Close", async () => {
    const host = await loadModule(MODULE);
    const [a, b] = [streamIdOf(1), streamIdOf(2)];
    host.open(a);
    host.open(b);
    host.data(a, "abc");
    host.data(b, "x");
    host.data(a, "hello");
    host.close(a, CloseReason.Normal);
    host.close(b, CloseReason.Normal);
    expect(dataTexts(host, a)).toEqual(["8 bytes in 2 frames"]);
    expect(dataTexts(host, b)).toEqual(["1 bytes in 1 frames"]);
    expect(host.sentOn(a).at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });

  it("fails the stream with the refusal's code when the report is refused", async () => {
    const host = await loadModule(MODULE, { respond: () => HostStatus.BadArgument });
    const id = streamIdOf(1);
    host.open(id);
    host.close(id, CloseReason.Normal);
    expect(host.sentOn(id).map((call) => call.kind)).toEqual(["Data", "Error"]);
    expect(host.sentOn(id)[1]).toMatchObject({ code: StreamErrorCode.Internal });
  });
});
