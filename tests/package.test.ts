// The installable package, end to end as the README's "Use it in your project" says: `npm pack`, install the
// tarball into a fresh project, write a handler, build it with asc using only the preset, pass `ixt-as check`
// and echo a frame through the shim (the `ixt-as run` command and the package's JavaScript API). The WASI
// preset is built the same way, from the installed package.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "ixt-sdk-as-package-"));
const project = join(work, "my-module");
const asVersion = (await import("assemblyscript/package.json", { with: { type: "json" } })).default.version;
const shimVersion = (await import("@assemblyscript/wasi-shim/package.json", { with: { type: "json" } }))
  .default.version;

// Run commands with a clean npm environment: not the one `npm test` hands its children.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const sh = (cwd: string, file: string, args: string[]) =>
  execFileSync(file, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const HANDLER = `import { ServerStreamHandler, StreamFrame, StreamSender, registerServerStreamHandler } from "ixt-sdk-as";

class Echo extends ServerStreamHandler {
  onData(stream: StreamSender, frame: StreamFrame): void {
    stream.sendData(frame.payloadPtr, frame.payloadLen);
  }
}

registerServerStreamHandler(() => new Echo());

export * from "ixt-sdk-as/exports";
`;

describe("npm package", () => {
  beforeAll(() => {
    sh(root, "npm", ["pack", "--pack-destination", work, "--silent"]);
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack wrote no tarball");
    mkdirSync(join(project, "assembly"), { recursive: true });
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "my-module", private: true, type: "module" }, null, 2),
    );
    sh(project, "npm", [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      join(work, tarball),
      `assemblyscript@${asVersion}`,
      `@assemblyscript/wasi-shim@${shimVersion}`,
    ]);
    writeFileSync(
      join(project, "asconfig.json"),
      `{ "extends": "./node_modules/ixt-sdk-as/asconfig.preset.json" }\n`,
    );
    writeFileSync(join(project, "assembly", "index.ts"), HANDLER);
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("ships the SDK sources, the presets and the built shim and command, not the tests", () => {
    const files = sh(join(project, "node_modules", "ixt-sdk-as"), "find", [".", "-type", "f"]).split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "./index.ts",
        "./exports.ts",
        "./assembly/index.ts",
        "./asconfig.preset.json",
        "./asconfig.wasi.json",
        "./dist/host-shim/index.js",
        "./dist/host-shim/index.d.ts",
        "./dist/cli/ixt-as.js",
      ]),
    );
    expect(files.filter((f) => f.startsWith("./tests/") || f.startsWith("./examples/"))).toEqual([]);
  });

  it("builds the handler with asc and only the preset, and the module passes ixt-as check", () => {
    sh(project, "npx", ["asc", "assembly/index.ts", "--outFile", "build/echo.wasm"]);
    const report = sh(project, "npx", ["ixt-as", "check", "build/echo.wasm"]);
    expect(report).toMatch(/ok: the module matches the ixt server-stream ABI/);
    expect(report).not.toMatch(/env\./);
  }, 120_000);

  it("echoes a frame through the shim: ixt-as run and the package's JavaScript API", () => {
    const run = sh(project, "npx", ["ixt-as", "run", "build/echo.wasm", "--data", "hello", "--close"]);
    expect(run).toMatch(/<- Data {3}"hello" +010100000000000000000000000000000068656c6c6f/);
    expect(run).toMatch(/<- Close {2}Normal/);

    writeFileSync(
      join(project, "echo.mjs"),
      `import { IxtHost, streamIdOf, toHex, outboundFrame } from "ixt-sdk-as";
const host = await IxtHost.load("build/echo.wasm");
const id = streamIdOf(1);
console.log(host.open(id), host.data(id, "hi"), toHex(outboundFrame(host.sent[0])));
`,
    );
    expect(sh(project, "node", ["echo.mjs"]).trim()).toBe("0 0 01010000000000000000000000000000006869");
  }, 120_000);

  it("builds with the WASI preset from the installed package into a reactor", () => {
    writeFileSync(
      join(project, "asconfig.wasi.json"),
      `{ "extends": "./node_modules/ixt-sdk-as/asconfig.wasi.json" }\n`,
    );
    sh(project, "npx", [
      "asc",
      "assembly/index.ts",
      "--config",
      "asconfig.wasi.json",
      "--outFile",
      "build/wasi.wasm",
    ]);
    const report = sh(project, "npx", ["ixt-as", "check", "--wasi", "build/wasi.wasm"]);
    expect(report).toMatch(/_initialize +\(\) -> \(\)/);
    const run = sh(project, "npx", ["ixt-as", "run", "build/wasi.wasm", "--data", "hello"]);
    expect(run).toMatch(/<- Data {3}"hello"/);
  }, 120_000);
});
