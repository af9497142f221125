// The installable package, end to end as the README's "Use it in your project" says: `npm pack`, install the
// tarball into a fresh project, write a handler, build it with asc using only the preset, pass `ixt-as check`
// and echo a frame through the shim (the `ixt-as run` command and the package's JavaScript API). The WASI
// preset is built the same way, from the installed package. Then `ixt-as init` from the installed package
// writes a project, which installs (the packed ixt-sdk-as, the registry for the rest), tests, builds, checks
// and type-checks with its own scripts, as the README's "Your first module" says.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "ixt-sdk-as-package-"));
const project = join(work, "my-module");
let tarballPath = "";
const asVersion = (await import("assemblyscript/package.json", { with: { type: "json" } })).default.version;
const shimVersion = (await import("@assemblyscript/wasi-shim/package.json", { with: { type: "json" } }))
  .default.version;

// Run commands with a clean npm environment: not the one `npm test` hands its children.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
// A failure shows the command's output: stdout (a test runner's report) as well as stderr.
function sh(cwd: string, file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

const HANDLER = `import { ServerStreamHandler, StreamFrame, StreamSender, registerServerStreamHandler } from "ixt-sdk-as";

class Echo extends ServerStreamHandler {
  override onData(stream: StreamSender, frame: StreamFrame): void {
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
    tarballPath = join(work, tarball);
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
        "./templates/init/package.json",
        "./templates/init/gitignore",
        "./templates/init/assembly/index.ts",
        "./templates/init/assembly/tsconfig.json",
        "./templates/init/tests/module.test.ts",
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

  it("ixt-as init writes a project that installs, passes its test, builds, checks and type-checks", () => {
    const first = join(work, "first-module");
    const init = sh(project, "npx", ["ixt-as", "init", first]);
    expect(init).toMatch(/npm install/);
    // The generated dependency on ixt-sdk-as names this version; install the packed one instead.
    const manifestPath = join(first, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    expect(manifest.devDependencies["ixt-sdk-as"]).toMatch(/^\^\d+\.\d+\.\d+/);
    manifest.devDependencies["ixt-sdk-as"] = `file:${tarballPath}`;
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    sh(first, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"]);

    expect(sh(first, "npm", ["test"]).replace(/\x1b\[[\d;]*m/g, "")).toMatch(/Tests +2 passed/);
    sh(first, "npm", ["run", "build"]);
    expect(sh(first, "npm", ["run", "check"])).toMatch(/ok: the module matches the ixt server-stream ABI/);
    expect(sh(first, "npx", ["ixt-as", "check", "build/module.wasm"])).not.toMatch(/FAIL/);
    const run = sh(first, "npx", ["ixt-as", "run", "build/module.wasm", "--data", "world", "--close"]);
    expect(run).toMatch(/<- Data {3}"hello, world"/);
    expect(run).toMatch(/<- Data {3}"greeted 1"/);
    expect(run).toMatch(/<- Close {2}Normal/);
    sh(first, "npm", ["run", "build:debug"]);
    expect(sh(first, "npx", ["tsc", "-p", "assembly", "--noEmit"])).toBe("");
  }, 600_000);
});
