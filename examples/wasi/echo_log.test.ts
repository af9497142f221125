// examples/wasi/echo_log.ts in the host shim, built with the WASI profile. In your project: copy the module
// into assembly/ and this test into tests/, and make MODULE say "assembly/echo_log.ts"
// (`npm install --save-dev @assemblyscript/wasi-shim` first). loadModule gives the module Node's WASI.
import { CloseReason, dataTexts, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/wasi/echo_log.ts";
/** The WASI profile, as an installed package ships it. */
const config = "node_modules/ixt-sdk-as/asconfig.wasi.json";

describe("wasi/echo_log", () => {
  it("echoes each Data frame, logging it to stdout, and closes after the caller's Close", async () => {
    const host = await loadModule(MODULE, { config });
    const id = streamIdOf(1);
    expect(host.open(id)).toBe(0);
    host.data(id, "hello");
    host.data(id, "wasi");
    host.close(id, CloseReason.Normal);
    expect(dataTexts(host, id)).toEqual(["hello", "wasi"]);
    expect(host.sentOn(id).at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });
});
