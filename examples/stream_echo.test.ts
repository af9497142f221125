// examples/stream_echo.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/…" (loadModule builds it with your asconfig.json).
import {
  CloseReason,
  HostStatus,
  StreamErrorCode,
  dataTexts,
  isClose,
  loadModule,
  streamIdOf,
} from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/stream_echo.ts";

describe("stream_echo", () => {
  it("sends each Data payload back unchanged, and closes after the caller's Close", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    expect(host.open(id)).toBe(0); // the dispatcher's result: 0 is accepted
    host.data(id, "hello");
    host.data(id, "");
    host.data(id, "ixt");
    host.close(id, CloseReason.Normal);
    expect(dataTexts(host, id)).toEqual(["hello", "", "ixt"]);
    const last = host.sentOn(id).at(-1)!;
    expect(isClose(last) && last.reason).toBe(CloseReason.Normal);
  });

  it("queues what the caller's credit does not cover and sends it when credit comes", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(2);
    host.open(id, { initialCredit: 3 }); // the caller can take 3 bytes for now
    host.data(id, "abc");
    host.data(id, "defg"); // queued: no credit left
    expect(dataTexts(host, id)).toEqual(["abc"]);
    host.credit(id, 4);
    expect(dataTexts(host, id)).toEqual(["abc", "defg"]);
  });

  it("fails the stream with the refusal's code when the host refuses a payload", async () => {
    const host = await loadModule(MODULE, {
      respond: (call) => (call.kind === "Data" ? HostStatus.PayloadTooLarge : undefined),
    });
    const id = streamIdOf(3);
    host.open(id);
    host.data(id, "too big");
    expect(host.sentOn(id).map((call) => call.kind)).toEqual(["Data", "Error"]);
    expect(host.sentOn(id)[1]).toMatchObject({ code: StreamErrorCode.PayloadTooLarge });
  });
});
