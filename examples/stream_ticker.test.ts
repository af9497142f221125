// examples/stream_ticker.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/stream_ticker.ts" (loadModule builds it with your asconfig.json).
import { CloseReason, StreamErrorCode, dataTexts, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/stream_ticker.ts";

describe("stream_ticker", () => {
  it("sends 1…N, each tick whole once the caller's credit covers it, then closes", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    expect(host.open(id, { payload: "12", initialCredit: 10 })).toBe(0);
    expect(dataTexts(host, id)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]); // "10" needs 2 bytes
    host.close(id, CloseReason.Normal); // the caller's Close does not stop a producer
    host.credit(id, 1);
    expect(dataTexts(host, id)).toHaveLength(10);
    host.credit(id, 4);
    expect(dataTexts(host, id).slice(9)).toEqual(["10", "11", "12"]);
    expect(host.sentOn(id).at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });

  it("rejects an Open whose request is not a decimal count", async () => {
    const host = await loadModule(MODULE);
    for (const payload of ["", "1e3", "-1", "+5", "007", "1000001"]) {
      expect(host.open(streamIdOf(1), { payload }), payload).toBe(StreamErrorCode.InvalidArgument);
    }
  });
});
