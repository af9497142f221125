// examples/stream_lines.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/stream_lines.ts" (loadModule builds it with your asconfig.json).
import { CloseReason, StreamErrorCode, dataTexts, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/stream_lines.ts";

describe("stream_lines", () => {
  it("sends each line once its LF arrives, however the text was cut, then the last line and a count", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    expect(host.open(id, { method: "lines" })).toBe(0);
    const text = new TextEncoder().encode("one\ntwo €\r\nthree");
    host.data(id, text.subarray(0, 2));
    host.data(id, text.subarray(2, 10)); // cuts the € after its first byte
    host.data(id, text.subarray(10));
    expect(dataTexts(host, id)).toEqual(["one", "two €\r"]);
    host.close(id, CloseReason.Normal);
    expect(dataTexts(host, id)).toEqual(["one", "two €\r", "three", "lines=3"]);
    expect(host.sentOn(id).at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });

  it("sends invalid UTF-8 as U+FFFD, and answers only the method lines", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    host.open(id, { method: "lines" });
    host.data(id, Uint8Array.of(0x61, 0xc3, 0x0a)); // "a", a cut 2-byte character, LF
    expect(dataTexts(host, id)).toEqual(["a\uFFFD"]);
    expect(host.open(streamIdOf(2), { method: "line" })).toBe(StreamErrorCode.Unimplemented);
  });
});
