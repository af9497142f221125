// examples/stream_upper.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/stream_upper.ts" (loadModule builds it with your asconfig.json).
import { CloseReason, dataTexts, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/stream_upper.ts";

describe("stream_upper", () => {
  it("upper-cases each frame as toUpperCase does, and replaces invalid UTF-8 with U+FFFD", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    host.open(id);
    host.data(id, "straße");
    host.data(id, Uint8Array.of(0x61, 0xff, 0x62)); // a, an invalid byte, b
    expect(dataTexts(host, id)).toEqual(["STRASSE", "A\uFFFDB"]);
  });

  it("carries a character split across two frames to the next frame", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    host.open(id);
    const euro = new TextEncoder().encode("€"); // 3 bytes
    host.data(id, Uint8Array.of(0x61, euro[0]));
    host.data(id, euro.subarray(1));
    host.data(id, Uint8Array.of(euro[0])); // the text ends inside a character
    host.close(id, CloseReason.Normal);
    expect(dataTexts(host, id)).toEqual(["A", "€", "", "\uFFFD"]);
    expect(host.sentOn(id).at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });
});
