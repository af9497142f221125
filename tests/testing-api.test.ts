// `ixt-sdk-as/testing`: buildModule compiles with the project's asconfig and caches by what asc read;
// loadModule drives the result in the host shim; the call helpers read what came back.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BuildError,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  buildModule,
  bytes,
  dataTexts,
  delivered,
  isClose,
  isData,
  isError,
  json,
  loadModule,
  streamIdOf,
  text,
} from "../host-shim/testing.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cacheDir = mkdtempSync(join(tmpdir(), "ixt-testing-cache-"));

/** A project folder outside the repo whose asconfig extends the preset and whose modules import the SDK by path. */
const project = mkdtempSync(join(tmpdir(), "ixt-testing-project-"));
const sdk = relative(project, join(root, "assembly"));
const write = (name: string, source: string) => writeFileSync(join(project, name), source);

beforeAll(() => {
  write("asconfig.json", JSON.stringify({ extends: relative(project, join(root, "asconfig.preset.json")) }));
  write("greeting.ts", `export const GREETING = "hello";\n`);
  write(
    "greeter.ts",
    `import { OpenDecision, ServerStreamHandler, StreamFrame, StreamSender, registerServerStreamHandler } from "${sdk}";
import { GREETING } from "./greeting";

class Greeter extends ServerStreamHandler {
  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    stream.sendText(GREETING);
    stream.sendText('{"n":' + frame.payloadText() + "}");
    stream.close();
    return OpenDecision.accept();
  }
}

registerServerStreamHandler(() => new Greeter());

export * from "${sdk}/exports";
`,
  );
  write(
    "broken.ts",
    `import "${sdk}";
const count: i32 = "not a number";
export * from "${sdk}/exports";
`,
  );
  write(
    "debug_logger.ts",
    `import { OpenDecision, ServerStreamHandler, StreamFrame, StreamSender, registerServerStreamHandler } from "${sdk}";

@external("ixt_debug", "log") declare function debugLog(level: i32, ptr: usize, len: usize): void;

function say(level: i32, message: string): void {
  const bytes = String.UTF8.encode(message);
  debugLog(level, changetype<usize>(bytes), bytes.byteLength);
}

say(1, "started");

class Logger extends ServerStreamHandler {
  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    say(0, "open " + frame.method());
    say(2, "héllo ✓");
    say(3, "bye");
    return OpenDecision.accept();
  }
}

registerServerStreamHandler(() => new Logger());

export * from "${sdk}/exports";
`,
  );
});

const inProject = (name: string) => join(project, name);
const projectOptions = { config: inProject("asconfig.json"), cacheDir, target: "debug" as const };

describe("buildModule", () => {
  it("builds an example with ./asconfig.json into node_modules/.cache/ixt-sdk-as, and loadModule drives it", async () => {
    const path = await buildModule("examples/stream_echo.ts");
    expect(path.startsWith(join(root, "node_modules/.cache/ixt-sdk-as/"))).toBe(true);
    expect(path).toMatch(/stream_echo-[0-9a-f]{16}\/stream_echo\.wasm$/);

    const host = await loadModule("examples/stream_echo.ts");
    const id = streamIdOf(1);
    expect(host.open(id)).toBe(0);
    expect(host.data(id, "hello")).toBe(0);
    expect(host.data(id, '{"a":[1,2]}')).toBe(0);
    expect(host.close(id, 0)).toBe(0);
    expect(dataTexts(host, id)).toEqual(["hello", '{"a":[1,2]}']);
    const [first, second, last] = host.sentOn(id);
    expect(isData(first) && text(first)).toBe("hello");
    expect(bytes(first)).toEqual(new TextEncoder().encode("hello"));
    expect(json(second)).toEqual({ a: [1, 2] });
    expect(isClose(last) && last.reason).toBe(0);
    expect(isError(last)).toBe(false);
    expect(() => text(last)).toThrow(/Close call carries no payload/);
  });

  it("reuses the cached module until a file the entry imports changes", async () => {
    const first = await buildModule(inProject("greeter.ts"), projectOptions);
    const built = statSync(first).mtimeMs;
    const started = Date.now();
    expect(await buildModule(inProject("greeter.ts"), projectOptions)).toBe(first);
    expect(statSync(first).mtimeMs).toBe(built); // not written again
    expect(Date.now() - started).toBeLessThan(2000); // no compile

    const host = await loadModule(inProject("greeter.ts"), projectOptions);
    const id = streamIdOf(2);
    expect(host.open(id, { payload: "7" })).toBe(0);
    expect(dataTexts(host, id)).toEqual(["hello", '{"n":7}']);
    expect(
      delivered(host, id)
        .filter(isData)
        .slice(1)
        .map((call) => json(call)),
    ).toEqual([{ n: 7 }]);

    // An imported file changes: a new build, with the new text.
    write("greeting.ts", `export const GREETING = "bye";\n`);
    const second = await buildModule(inProject("greeter.ts"), projectOptions);
    expect(second).not.toBe(first);
    const changed = await IxtHost.load(second);
    changed.open(id);
    expect(dataTexts(changed, id)[0]).toBe("bye");

    // The release target is another build; back to the first text, the first build again.
    const release = await buildModule(inProject("greeter.ts"), { ...projectOptions, target: "release" });
    expect([first, second]).not.toContain(release);
    write("greeting.ts", `export const GREETING = "hello";\n`);
    expect(await buildModule(inProject("greeter.ts"), projectOptions)).toBe(first);
  });

  it("throws asc's diagnostics on a compile error", async () => {
    const failure = await buildModule(inProject("broken.ts"), projectOptions).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(BuildError);
    const { message, diagnostics } = failure as BuildError;
    expect(message).toMatch(/asc could not build .*broken\.ts/);
    expect(message).toMatch(/TS2322: Type '~lib\/string\/String' is not assignable to type 'i32'/);
    expect(message).toMatch(/broken\.ts\(2,/);
    expect(diagnostics).toMatch(/TS2322/);
    expect(diagnostics).not.toMatch(/\u001b\[/); // no terminal colors
    await expect(buildModule(inProject("missing.ts"), projectOptions)).rejects.toThrow(/no such entry file/);
    await expect(buildModule(inProject("greeter.ts"), { config: inProject("nope.json") })).rejects.toThrow(
      /no such asconfig file/,
    );
  });

  it("records a debug build's ixt_debug.log lines in host.logs and passes them to onLog", async () => {
    const seen: string[] = [];
    const host = await loadModule(inProject("debug_logger.ts"), {
      ...projectOptions,
      onLog: (line) => seen.push(`${line.level}:${line.message}`),
    });
    const plain = () => host.logs.map(({ level, message }) => ({ level, message }));
    expect(plain()).toEqual([{ level: "info", message: "started" }]); // logged by top-level code
    expect(host.open(streamIdOf(3), { method: "m" })).toBe(0);
    expect(plain()).toEqual([
      { level: "info", message: "started" },
      { level: "debug", message: "open m" },
      { level: "warn", message: "héllo ✓" },
      { level: "error", message: "bye" },
    ]);
    expect(seen).toEqual(["info:started", "debug:open m", "warn:héllo ✓", "error:bye"]);
    host.clearLogs();
    expect(host.logs).toEqual([]);
  });

  it("shows log.* lines of the preset's debug target and none of its release target (tests/fixtures/logger.ts)", async () => {
    const id = streamIdOf(4);
    const drive = (host: IxtHost) => {
      expect(host.open(id, { method: "m" })).toBe(0);
      expect(host.data(id, "warn")).toBe(0);
      expect(host.close(id, 0)).toBe(0);
      expect(dataTexts(host, id)).toEqual(["warn"]);
    };
    const debug = await loadModule("tests/fixtures/logger.ts", { target: "debug", cacheDir });
    drive(debug);
    // loadModule locates each line (locateLogs): the author's log.* calls are the module's, not the SDK's
    // (so sdkWarnings: "throw" leaves them alone), each with the author's line.
    const warn = debug.logs.find((line) => line.message === "asked to warn");
    expect(warn).toMatchObject({ origin: "module", authorFrame: { file: "tests/fixtures/logger.ts" } });
    expect(debug.logs.map(({ level, message }) => ({ level, message }))).toEqual([
      { level: "info", message: "logger ready" },
      { level: "debug", message: "open m" },
      { level: "info", message: "data warn" },
      { level: "warn", message: "asked to warn" },
      { level: "warn", message: "closing" },
    ]);
    const release = await buildModule("tests/fixtures/logger.ts", { target: "release", cacheDir });
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(release)));
    expect(new Set(imports.map((i) => i.module))).toEqual(new Set(["ixt"]));
    const host = await IxtHost.load(release);
    drive(host);
    expect(host.logs).toEqual([]);
  });
});

describe("call helpers", () => {
  it("read an Error's message as text and bytes", () => {
    const call = {
      kind: "Error",
      streamId: "",
      code: StreamErrorCode.Internal,
      message: "é",
      status: 0,
    } as const;
    expect(isError(call) && text(call)).toBe("é");
    expect(bytes(call)).toEqual(Uint8Array.from([0xc3, 0xa9]));
    const notUtf8 = {
      kind: "Data",
      streamId: "",
      payload: Uint8Array.from([0xff]),
      payloadPtr: 0,
      status: 0,
    } as const;
    expect(() => text(notUtf8)).toThrow(/not valid UTF-8/);
  });
});

describe("host.respond", () => {
  it("changes the host's answer to the module's sends after loading, and back", async () => {
    const host = await loadModule("examples/stream_echo.ts", { respond: () => HostStatus.WouldBlock });
    const id = streamIdOf(5);
    expect(host.open(id)).toBe(0);
    expect(host.data(id, "a")).toBe(0); // refused with WouldBlock: queued in the module
    expect(host.sentOn(id).map((c) => c.status)).toEqual([HostStatus.WouldBlock]);
    host.respond = undefined; // Ok from now on: the queue drains at the next frame
    expect(host.data(id, "b")).toBe(0);
    expect(dataTexts(host, id)).toEqual(["a", "b"]);
    const seen: string[] = [];
    host.respond = (call) => {
      seen.push(call.kind);
      return call.kind === "Close" ? HostStatus.Internal : undefined;
    };
    expect(host.close(id, 0)).toBe(0);
    expect(seen).toEqual(["Close"]);
    expect(host.sentOn(id).at(-1)).toMatchObject({ kind: "Close", status: HostStatus.Internal });
  });
});
