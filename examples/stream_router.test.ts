// examples/stream_router.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/stream_router.ts" (loadModule builds it with your asconfig.json).
import { StreamErrorCode, dataTexts, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/stream_router.ts";
const token = new TextEncoder().encode("caller-token");

describe("stream_router", () => {
  it("serves the method echo to a caller with a context", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    expect(host.open(id, { method: "echo", context: token })).toBe(0);
    host.data(id, "ping");
    expect(dataTexts(host, id)).toEqual(["ping"]);
  });

  it("refuses an Open without a context, and answers any other method Unimplemented", async () => {
    const host = await loadModule(MODULE);
    expect(host.open(streamIdOf(1), { method: "echo" })).toBe(StreamErrorCode.PermissionDenied);
    expect(host.open(streamIdOf(2), { method: "Echo", context: token })).toBe(StreamErrorCode.Unimplemented);
    expect(host.open(streamIdOf(3), { method: "", context: token })).toBe(StreamErrorCode.Unimplemented);
  });
});
