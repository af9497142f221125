// `log` from the SDK in each build (README "Logging", docs/ABI.md "Debug log"): the release target of the
// bare profile compiles it out and imports only `ixt`; the debug target sends each line to
// `ixt_debug.log`, which the host shim records; the WASI profile writes "[level] message" to stderr.
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";
import { beforeAll, describe, expect, it } from "vitest";
import { benchOut, compileAs, root } from "../bench/harness.js";
import { CloseReason, IxtHost, streamIdOf } from "../host-shim/index.js";
import { fixture } from "./helpers.js";

const debugBuild = join(benchOut, "log", "logger.debug.wasm");

function session(host: IxtHost): void {
  const id = streamIdOf(1);
  expect(host.open(id, { method: "m" })).toBe(0);
  expect(host.data(id, "warn")).toBe(0);
  expect(host.close(id, CloseReason.Normal)).toBe(0);
}

describe("log", () => {
  beforeAll(async () => {
    await compileAs("tests/fixtures/logger.ts", debugBuild, [
      "--config",
      join(root, "asconfig.json"),
      "--target",
      "debug",
    ]);
  }, 60_000);

  it("release, bare profile: no log import, nothing logged, the stream works", async () => {
    const module = await WebAssembly.compile(readFileSync(fixture("logger")));
    expect(WebAssembly.Module.imports(module).map((i) => i.module)).toEqual(["ixt", "ixt", "ixt"]);
    const host = await IxtHost.load(module);
    session(host);
    expect(host.logs).toEqual([]);
    expect(host.sent.map((c) => c.kind)).toEqual(["Data", "Close"]);
  });

  it("debug, bare profile: every line reaches ixt_debug.log with its level", async () => {
    const host = await IxtHost.load(debugBuild);
    session(host);
    expect(host.logs).toEqual([
      { level: "info", message: "logger ready" },
      { level: "debug", message: "open m" },
      { level: "info", message: "data warn" },
      { level: "warn", message: "asked to warn" },
      { level: "warn", message: "closing" },
    ]);
  });

  it("WASI profile: lines go to stderr as [level] message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ixt-log-"));
    const fd = openSync(join(dir, "stderr"), "w");
    const wasi = new WASI({ version: "preview1", args: ["logger"], env: {}, returnOnExit: true, stderr: fd });
    const host = await IxtHost.load(join(root, "build/wasi/logger.wasm"), {
      imports: { wasi_snapshot_preview1: wasi.wasiImport },
      onInstance: (instance) => wasi.initialize(instance),
    });
    session(host);
    closeSync(fd);
    expect(readFileSync(join(dir, "stderr"), "utf8")).toBe(
      "[info] logger ready\n[debug] open m\n[info] data warn\n[warn] asked to warn\n[warn] closing\n",
    );
  });
});
