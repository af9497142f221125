// abort, trace and seed go through the SDK: no `env` imports, and an abort becomes a stream error.
import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  GuestTrap,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  dataTexts,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { buildModule } from "../host-shim/testing.js";
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
    // The trap carries the module's message.
    expect((trap as GuestTrap).abortMessage).toMatch(message);
    expect((trap as GuestTrap).message).toMatch(/^guest trapped \(unreachable\): /);
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

describe("GuestTrap", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "ixt-traps-"));
  const sdk = relative(dir, join(root, "assembly"));

  /** Builds a module whose onData runs `body` (with `stream` and `command` in scope). */
  async function build(name: string, body: string): Promise<string> {
    writeFileSync(
      join(dir, `${name}.ts`),
      `import { ServerStreamHandler, StreamFrame, StreamSender, registerServerStreamHandler } from "${sdk}";
function deep(n: i32): i32 { return n == 0 ? 0 : deep(n + 1) + 1; }
class Failing extends ServerStreamHandler {
  override onData(stream: StreamSender, frame: StreamFrame): void {
    const command = frame.payloadText();
    ${body}
  }
}
registerServerStreamHandler(() => new Failing());
export * from "${sdk}/exports";
`,
    );
    return buildModule(join(dir, `${name}.ts`), { cacheDir: join(dir, "cache"), target: "debug" });
  }

  it("carries the abort message when the module aborts after its stream has ended", async () => {
    const host = await IxtHost.load(await build("late_abort", `stream.close(); abort("late failure");`));
    const id = streamIdOf(1);
    host.open(id);
    const trap = (() => {
      try {
        host.data(id, "x");
      } catch (err) {
        return err;
      }
    })() as GuestTrap;
    expect(trap).toBeInstanceOf(GuestTrap);
    expect(trap.abortMessage).toBe("late failure");
    // A debug build: the author's line first (GuestTrap.authorFrame), then the abort.
    expect(trap.message.split("\n")[0]).toMatch(
      /^\S*late_abort\.ts:\d+:\d+: guest trapped \(unreachable\): late failure$/,
    );
    // The host refused the Error (the stream had ended) but recorded it.
    expect(host.sent.at(-1)).toMatchObject({ kind: "Error", status: HostStatus.StreamClosed });
  });

  it("has no abort message for a trap the SDK did not report (a stack overflow)", async () => {
    const host = await IxtHost.load(
      await build("overflow", `if (command == "deep") stream.sendText(deep(1).toString());`),
    );
    const id = streamIdOf(1);
    host.open(id);
    let trap: unknown;
    try {
      host.data(id, "deep");
    } catch (err) {
      trap = err;
    }
    expect(trap).toBeInstanceOf(GuestTrap);
    expect((trap as GuestTrap).abortMessage).toBeUndefined();
    expect((trap as GuestTrap).message).toMatch(/^\S*overflow\.ts:\d+:\d+: guest trapped: .*call stack/i);
  });

  it("resumeAfterTrap: dispatch throws for the call that trapped only, and the host keeps using the instance", async () => {
    const host = await IxtHost.load(path, { resumeAfterTrap: true });
    const [a, b] = [streamIdOf(1), streamIdOf(2)];
    expect(host.open(a)).toBe(0);
    expect(host.open(b)).toBe(0);
    expect(() => host.data(a, "abort")).toThrow(GuestTrap);
    expect(host.data(b, "trace")).toBe(0);
    expect(dataTexts(host, b)).toEqual(["traced"]);
    // Without it, the first trap is thrown again.
    const strict = await IxtHost.load(path);
    strict.open(a);
    strict.open(b);
    expect(() => strict.data(a, "abort")).toThrow(GuestTrap);
    expect(() => strict.data(b, "trace")).toThrow(/explicit/);
  });
});
