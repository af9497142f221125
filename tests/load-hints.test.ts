// A module that cannot run gets `ixt-as check`'s fix from the test helpers too (IxtHost.load, loadModule),
// not V8's "Import #3 module="env" error": one text for each mistake, from host-shim/hints.ts.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import {
  EXPORTS_HINT,
  IxtHost,
  ModuleLoadError,
  PRESET_HINT,
  foreignImportHint,
  loadModule,
  missingExportHint,
  streamIdOf,
} from "../host-shim/testing.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ixt-load-hints-"));
const cacheDir = join(dir, "cache");

/** A module in WebAssembly text with the ABI's exports (unless `exports` is false) and these imports. */
async function wat(name: string, imports: string, exports = true): Promise<string> {
  const abi = exports
    ? `(memory (export "memory") 1)
       (func (export "ixt_module_handle_server_stream") (param i32 i32) (result i32) i32.const 0)
       (func (export "ixt_alloc") (param i32) (result i32) i32.const 16)
       (func (export "ixt_dealloc") (param i32 i32))`
    : `(func (export "ixt_alloc") (param i32) (result i32) i32.const 16)`;
  const wabt = await wabtInit();
  const module = wabt.parseWat(`${name}.wat`, `(module ${imports} ${abi})`);
  const path = join(dir, `${name}.wasm`);
  writeFileSync(path, module.toBinary({}).buffer);
  module.destroy();
  return path;
}

/** What `IxtHost.load` (or `loadModule`) rejected with. */
async function loadError(load: Promise<unknown>): Promise<ModuleLoadError> {
  const err = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModuleLoadError);
  const error = err as ModuleLoadError;
  expect(error.message).not.toMatch(/Import #|module is not an object|does not export/); // not V8's words
  expect(error.message.split("\n").slice(1)).toEqual(error.problems.map((p) => `  ${p.item}: ${p.message}`));
  return error;
}

async function check(path: string): Promise<string> {
  const out: string[] = [];
  await main(["check", path], { out: (l) => out.push(l), err: (l) => out.push(l) });
  return out.join("\n");
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const ENV_IMPORTS = ["abort", "trace", "seed", "console.log", "Date.now"];

describe("IxtHost.load says what ixt-as check says", () => {
  it("env imports (abort, trace, seed, console.log, Date.now): build with the preset, use log, or WASI", async () => {
    const path = await wat(
      "env_imports",
      ENV_IMPORTS.map((name, i) => `(import "env" "${name}" (func $f${i}))`).join("\n"),
    );
    const error = await loadError(IxtHost.load(path));
    expect(error.problems.map((p) => p.item)).toEqual(ENV_IMPORTS.map((name) => `env.${name}`));
    const report = (await check(path)).split("\n");
    for (const name of ENV_IMPORTS) {
      const hint = foreignImportHint("env", name, "shim");
      expect(error.problems.find((p) => p.item === `env.${name}`)?.message).toBe(hint);
      // ixt-as check prints the same words on the import's line.
      expect(report.find((l) => l.includes(` env.${name} `))).toMatch(
        new RegExp(`^ {2}FAIL .*-> ${escape(hint)}$`),
      );
    }
    expect(foreignImportHint("env", "abort", "shim")).toContain(PRESET_HINT);
    expect(foreignImportHint("env", "console.log", "shim")).toMatch(/`log` from "ixt-sdk-as".*WASI profile/);
    expect(foreignImportHint("env", "Date.now", "shim")).toMatch(/no clock.*WASI profile/);
    // An import that the caller provides is not a problem.
    const provided = Object.fromEntries(ENV_IMPORTS.map((name) => [name, () => 0]));
    await expect(IxtHost.load(path, { imports: { env: provided } })).resolves.toBeInstanceOf(IxtHost);
  });

  it("a missing export: add the export line", async () => {
    const path = await wat(
      "no_exports",
      `(import "ixt" "stream_send_close" (func (param i32 i32 i32) (result i32)))`,
      false,
    );
    const error = await loadError(IxtHost.load(path));
    expect(error.problems.map((p) => p.item)).toEqual([
      "memory",
      "ixt_module_handle_server_stream",
      "ixt_dealloc",
    ]);
    expect(error.problems[1].message).toBe(missingExportHint("ixt_module_handle_server_stream"));
    expect(error.problems[1].message).toContain(EXPORTS_HINT);
    expect(await check(path)).toMatch(
      /FAIL ixt_module_handle_server_stream +missing +-> export \(i32, i32\) -> i32 is missing: add `export \* from "ixt-sdk-as\/exports";`/,
    );
  });

  it("an ixt import the ABI does not have", async () => {
    const path = await wat("unknown_ixt", `(import "ixt" "stream_send_log" (func (param i32) (result i32)))`);
    const error = await loadError(IxtHost.load(path));
    expect(error.problems).toEqual([
      { item: "ixt.stream_send_log", message: foreignImportHint("ixt", "stream_send_log") },
    ]);
    expect(await check(path)).toContain(foreignImportHint("ixt", "stream_send_log"));
  });

  it("a WASI import without WASI: how to give the shim WASI; ixt-as check without --wasi: pass --wasi", async () => {
    const path = await wat(
      "wasi_import",
      `(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))`,
    );
    const error = await loadError(IxtHost.load(path));
    expect(error.problems).toEqual([
      {
        item: "wasi_snapshot_preview1.fd_write",
        message: foreignImportHint("wasi_snapshot_preview1", "fd_write", "shim"),
      },
    ]);
    expect(error.message).toMatch(/imports: \{ wasi_snapshot_preview1: wasi\.wasiImport \}/);
    expect(await check(path)).toContain(foreignImportHint("wasi_snapshot_preview1", "fd_write", "check"));
    expect(foreignImportHint("wasi_snapshot_preview1", "fd_write", "check")).toMatch(/pass --wasi/);
  });

  it("ixt-as run refuses a module without the exports with the same fix (exit 2)", async () => {
    const path = await wat("run_no_exports", "", false);
    const err: string[] = [];
    const code = await main(["run", path], { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join("\n")).toContain(
      `  ixt_module_handle_server_stream: ${missingExportHint("ixt_module_handle_server_stream")}`,
    );
  });
});

describe("loadModule says what ixt-as check says", () => {
  const sdk = relative(dir, join(root, "assembly"));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const preset = join(dir, "asconfig.json");
  const handler = `import { ServerStreamHandler, registerServerStreamHandler } from "${sdk}";
class Quiet extends ServerStreamHandler {}
registerServerStreamHandler(() => new Quiet());
`;

  beforeAll(() => {
    write("asconfig.json", JSON.stringify({ extends: relative(dir, join(root, "asconfig.preset.json")) }));
    // What `npx asinit` writes (its options; the preset's runtime, which the SDK needs): no preset.
    const runtime = JSON.parse(readFileSync(join(root, "asconfig.preset.json"), "utf8")).options.runtime;
    write("asinit.json", JSON.stringify({ options: { bindings: "esm", runtime } }));
  });

  it("a module without the export line", async () => {
    write("no_export_line.ts", handler);
    const error = await loadError(loadModule(join(dir, "no_export_line.ts"), { config: preset, cacheDir }));
    expect(error.problems.map((p) => p.item)).toContain("ixt_module_handle_server_stream");
    expect(error.message).toContain(EXPORTS_HINT);
  });

  it("console.log and Date.now", async () => {
    write(
      "console_log.ts",
      `${handler}console.log("now " + Date.now().toString());\nexport * from "${sdk}/exports";\n`,
    );
    const error = await loadError(loadModule(join(dir, "console_log.ts"), { config: preset, cacheDir }));
    expect(error.problems.map((p) => p.item).sort()).toEqual(["env.Date.now", "env.console.log"]);
    expect(error.message).toMatch(/env\.console\.log: .*`log` from "ixt-sdk-as"/);
  });

  it("a build without the preset (npx asinit's asconfig): build with the preset", async () => {
    write("echo.ts", `${handler}export * from "${sdk}/exports";\n`);
    const error = await loadError(
      loadModule(join(dir, "echo.ts"), { config: join(dir, "asinit.json"), cacheDir }),
    );
    expect(error.problems.map((p) => p.item)).toContain("env.abort");
    expect(error.message).toContain(`env.abort: build with the ixt-sdk-as preset (${PRESET_HINT})`);
    // The same source with the preset runs.
    const host = await loadModule(join(dir, "echo.ts"), { config: preset, cacheDir });
    expect(host.open(streamIdOf(1))).toBe(0);
  });
});
