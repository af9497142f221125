// abort, trace and seed go through the SDK: no `env` imports, and an abort becomes a stream error.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { GuestTrap, IxtHost, StreamErrorCode, streamIdOf, toHex } from "../host-shim/index.js";
import { fixture } from "./helpers.js";

const path = fixture("runtime_hooks");

async function send(command: string) {
  const host = await IxtHost.load(path);
  const id = streamIdOf(7);
  expect(host.open(id)).toBe(0);
  let trap: unknown = null;
  try {
    host.data(id, command);
  } catch (err) {
    trap = err;
  }
  return { host, id, trap };
}

describe("abort, trace and seed", () => {
  it("import nothing outside ixt", async () => {
    const module = await WebAssembly.compile(await readFile(path));
    expect(WebAssembly.Module.imports(module).map((i) => i.module)).toEqual(["ixt", "ixt", "ixt"]);
  });

  it.each([
    ["assert", /^payload asked to fail at tests\/fixtures\/runtime_hooks\.ts:\d+$/],
    // assert() and the standard library pass a file and line; an explicit abort(message) does not.
    ["abort", /^explicit$/],
    ["bounds", /^Index out of range at ~lib\/array\.ts:\d+$/],
    ["random", /^Math\.random has no entropy source under the ixt ABI; use the WASI profile$/],
  ])("%s: sends Internal with the message on the dispatched stream, then traps", async (command, message) => {
    const { host, id, trap } = await send(command);
    expect(trap).toBeInstanceOf(GuestTrap);
    expect(host.sent).toHaveLength(1);
    expect(host.sent[0]).toMatchObject({
      kind: "Error",
      streamId: toHex(id),
      code: StreamErrorCode.Internal,
      status: 0,
    });
    expect(host.sent[0].kind === "Error" && host.sent[0].message).toMatch(message);
    // The instance is gone: the shim refuses to dispatch into it again.
    expect(() => host.data(id, "x")).toThrow(GuestTrap);
  });

  it("trace is a no-op", async () => {
    const { host, trap } = await send("trace");
    expect(trap).toBeNull();
    expect(host.sent.map((c) => c.kind === "Data" && new TextDecoder().decode(c.payload))).toEqual([
      "traced",
    ]);
  });
});
