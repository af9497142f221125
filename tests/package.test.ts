// The installable package, end to end as the README says: `npm pack`, then the README's "By hand" steps run
// as written in a fresh folder (its npm install takes the tarball instead of the registry's ixt-sdk-as), with
// the README's own assembly/tsconfig.json, vitest.config.ts (both equal to what `init` writes), handler and
// test: the project type-checks clean, its test passes, and its module builds with only the preset, passes
// `ixt-as check` and echoes a frame through the shim (`ixt-as run` and the package's JavaScript API). The
// WASI preset is built the same way. Then `ixt-as init` from the installed package writes a project, which
// installs, tests (in the debug and the release build), builds, checks and type-checks with its own scripts;
// a second module added to it (a handler that keeps its StreamFrame, one that sends a BOM, one that needs
// 32 MiB under a 16 MiB memoryLimit) builds and checks unedited, and its tests fail only where the debug
// build catches the kept frame, with the SDK's message. And every relative link in the
// packed Markdown (README, CHANGELOG, docs/ABI.md, the API reference) resolves inside the package.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorsOf, commandEnv, sh } from "./helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "ixt-sdk-as-package-"));
const project = join(work, "my-module");
let tarballPath = "";
const asVersion = (await import("assemblyscript/package.json", { with: { type: "json" } })).default.version;
const shimVersion = (await import("@assemblyscript/wasi-shim/package.json", { with: { type: "json" } }))
  .default.version;
const tsVersion = (await import("typescript/package.json", { with: { type: "json" } })).default.version;
const vitestVersion = (await import("vitest/package.json", { with: { type: "json" } })).default.version;
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The body of the first fenced code block after the first `marker` in the README. */
function readmeBlock(marker: string): string {
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`the README has no ${JSON.stringify(marker)}`);
  const block = /```\w*\n([^]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`no code block after ${JSON.stringify(marker)} in the README`);
  return block[1];
}

describe("npm package", () => {
  beforeAll(() => {
    sh(root, "npm", ["pack", "--pack-destination", work, "--silent"]);
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack wrote no tarball");
    tarballPath = join(work, tarball);
    // The README's "By hand" commands, one by one (a trailing backslash continues a line).
    mkdirSync(project);
    const commands = readmeBlock("### By hand")
      .replace(/\\\n\s*/g, "")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"));
    expect(commands).toContain("npm install --save-dev ixt-sdk-as assemblyscript@0.28.20 typescript vitest");
    for (const command of commands) {
      if (!command.startsWith("npm install")) {
        sh(project, "sh", ["-c", command]);
        continue;
      }
      // The packed ixt-sdk-as instead of the registry's, the versions this checkout tests with, and the
      // WASI shim for the WASI test below.
      sh(project, "npm", [
        "install",
        "--save-dev",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tarballPath,
        `assemblyscript@${asVersion}`,
        `typescript@${tsVersion}`,
        `vitest@${vitestVersion}`,
        `@assemblyscript/wasi-shim@${shimVersion}`,
      ]);
    }
    const files: [string, string][] = [
      ["assembly/tsconfig.json", readmeBlock("`assembly/tsconfig.json`:")],
      ["vitest.config.ts", readmeBlock("`vitest.config.ts`:")],
      ["assembly/index.ts", readmeBlock("`assembly/index.ts`, an echo:")],
      ["tests/module.test.ts", readmeBlock("for [the echo](#your-first-handler):")],
    ];
    for (const [file, text] of files) writeFileSync(join(project, file), text);
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("the README's assembly/tsconfig.json and vitest.config.ts are the ones ixt-as init writes", () => {
    for (const file of ["assembly/tsconfig.json", "vitest.config.ts"]) {
      expect(readFileSync(join(project, file), "utf8"), file).toBe(
        readFileSync(join(root, "templates", "init", file), "utf8"),
      );
    }
  });

  it("the by-hand project type-checks clean in an editor's view and passes the README's test", () => {
    expect(sh(project, "npm", ["run", "--silent", "typecheck"])).toBe("");
    // The README's vitest.config.ts is the scaffold's: its one test runs against both builds.
    expect(sh(project, "npm", ["test"]).replace(/\x1b\[[\d;]*m/g, "")).toMatch(/Tests +2 passed/);
  }, 300_000);

  it("ships the SDK sources, the presets, the built shim and command, the examples and the docs, not the tests", () => {
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
        "./examples/stream_echo.ts",
        "./examples/wasi/echo_log.ts",
        "./docs/ABI.md",
        "./docs/reference/README.md",
        "./LICENSE",
        "./CHANGELOG.md",
      ]),
    );
    expect(files.filter((f) => /^\.\/(tests|bench|conformance|docs\/drafts)\//.test(f))).toEqual([]);
    expect(readFileSync(join(project, "node_modules", "ixt-sdk-as", "LICENSE"), "utf8")).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 the ixt-sdk-as contributors\n/,
    );
  });

  it("every relative link in the packed Markdown resolves inside the package, anchors included", () => {
    const pkg = join(project, "node_modules", "ixt-sdk-as");
    const markdown = sh(pkg, "find", [".", "-name", "*.md", "-type", "f"]).trim().split("\n");
    expect(markdown).toEqual(expect.arrayContaining(["./README.md", "./CHANGELOG.md", "./docs/ABI.md"]));
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdown) {
      const text = readFileSync(join(pkg, file), "utf8").replace(/```[^]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        checked++;
        const [path, anchor] = target.split("#");
        const resolved = path === "" ? join(pkg, file) : join(pkg, dirname(file), decodeURI(path));
        if (
          !relative(pkg, resolved)
            .split("/")
            .every((part) => part !== "..") ||
          !existsSync(resolved)
        ) {
          broken.push(`${file}: ${target} (no such file in the package)`);
        } else if (
          anchor &&
          !(statSync(resolved).isFile() && anchorsOf(readFileSync(resolved, "utf8")).has(anchor))
        ) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it("builds the handler with asc and only the preset, and the module passes ixt-as check", () => {
    sh(project, "npm", ["run", "build"]);
    const report = sh(project, "npx", ["ixt-as", "check", "build/module.wasm"]);
    expect(report).toMatch(/ok: the module matches the ixt server-stream ABI/);
    expect(report).not.toMatch(/env\./);
  }, 120_000);

  it("echoes a frame through the shim: ixt-as run and the package's JavaScript API", () => {
    const run = sh(project, "npx", ["ixt-as", "run", "build/module.wasm", "--data", "hello", "--close"]);
    expect(run).toMatch(/<- Data {3}"hello" +010100000000000000000000000000000068656c6c6f/);
    expect(run).toMatch(/<- Close {2}Normal/);

    writeFileSync(
      join(project, "echo.mjs"),
      `import { IxtHost, streamIdOf, toHex, outboundFrame } from "ixt-sdk-as";
const host = await IxtHost.load("build/module.wasm");
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

    // Every test file twice (the debug build, then the release build): module.test.ts and modules.test.ts.
    const tested = sh(first, "npm", ["test"]).replace(/\x1b\[[\d;]*m/g, "");
    expect(tested).toMatch(/Tests +18 passed/);
    expect(tested).toMatch(/ debug /);
    expect(tested).toMatch(/ release /);
    sh(first, "npm", ["run", "build"]);
    expect(sh(first, "npm", ["run", "check"])).toMatch(/ok: the module matches the ixt server-stream ABI/);
    expect(sh(first, "npx", ["ixt-as", "check", "build/module.wasm"])).not.toMatch(/FAIL/);
    const run = sh(first, "npx", ["ixt-as", "run", "build/module.wasm", "--data", "world", "--close"]);
    expect(run).toMatch(/<- Data {3}"hello, world"/);
    expect(run).toMatch(/<- Data {3}"greeted 1"/);
    expect(run).toMatch(/<- Close {2}Normal/);
    sh(first, "npm", ["run", "build:debug"]);
    expect(sh(first, "npx", ["tsc", "-p", "assembly", "--noEmit"])).toBe("");

    // A second module with the mistakes the runtime's weather catches, and its tests.
    writeFileSync(join(first, "assembly", "probe.ts"), PROBE_MODULE);
    writeFileSync(join(first, "tests", "probe.test.ts"), PROBE_TEST);
    const failed = shFails(first, "npm", ["test"]);
    // The kept StreamFrame passes in the release build and fails the debug run with the SDK's message,
    // naming the author's line first.
    expect(failed).toMatch(/FAIL +debug +tests\/probe\.test\.ts > assembly\/probe\.ts > keep/);
    expect(failed).not.toMatch(/FAIL +release /);
    expect(failed).toMatch(
      /assembly\/probe\.ts:\d+:\d+: guest trapped \(unreachable\): StreamFrame\.method\(\) used after its callback returned/,
    );
    // The BOM and the memory limit hold in both builds: only the kept frame failed.
    expect(failed).toMatch(/Tests +1 failed \| 25 passed/);
    // npm run build and check take the new module as it is.
    expect(sh(first, "npm", ["run", "build"])).toMatch(/assembly\/probe\.ts -> build\/probe\.wasm/);
    expect(sh(first, "npm", ["run", "check"])).toMatch(/build\/probe\.wasm[^]*ok: the module matches/);
  }, 900_000);
});

/** A command that must fail: its output (stdout and stderr, colours removed). */
function shFails(cwd: string, file: string, args: string[]): string {
  try {
    execFileSync(file, args, { cwd, env: commandEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}`.replace(/\x1b\[[\d;]*m/g, "");
  }
  throw new Error(`${file} ${args.join(" ")} passed in ${cwd}; it should have failed`);
}

/** A second module for the scaffold: a handler that keeps its Open's frame, one that sends a BOM, one that allocates what it is asked. */
const PROBE_MODULE = `import { OpenDecision, ServerStreamHandler, StreamFrame, StreamSender, registerMethod } from "ixt-sdk-as";

class KeepsFrame extends ServerStreamHandler {
  opened: StreamFrame | null = null;

  override onOpen(stream: StreamSender, frame: StreamFrame): OpenDecision {
    this.opened = frame; // the mistake: a frame is valid only during its callback
    return OpenDecision.accept();
  }

  override onData(stream: StreamSender, frame: StreamFrame): void {
    stream.sendTextOrFail("method=" + this.opened!.method() + " payload=" + frame.payloadText());
  }
}

class Bom extends ServerStreamHandler {
  override onData(stream: StreamSender, frame: StreamFrame): void {
    stream.sendTextOrFail("\\uFEFF" + frame.payloadText());
  }
}

class Hog extends ServerStreamHandler {
  private blocks: Uint8Array[] = [];

  override onData(stream: StreamSender, frame: StreamFrame): void {
    const block = new Uint8Array(I32.parseInt(frame.payloadText()));
    block[block.length - 1] = 1;
    this.blocks.push(block);
    stream.sendTextOrFail("ok");
  }
}

registerMethod("keep", () => new KeepsFrame());
registerMethod("bom", () => new Bom());
registerMethod("hog", () => new Hog());

export * from "ixt-sdk-as/exports";
`;

/** Its tests, as an author writes them: the kept frame's passes in a release build only. */
const PROBE_TEST = `import { GuestTrap, StreamErrorCode, dataTexts, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const id = streamIdOf(1);

describe("assembly/probe.ts", () => {
  it("keep: answers each Data frame", async () => {
    const host = await loadModule("assembly/probe.ts");
    host.open(id, { method: "keep" });
    host.data(id, "x");
    expect(dataTexts(host, id)).toHaveLength(1);
  });

  it("bom: the reply starts with the BOM the module sent", async () => {
    const host = await loadModule("assembly/probe.ts");
    host.open(id, { method: "bom" });
    host.data(id, "hi");
    expect(dataTexts(host, id)).toEqual(["\\uFEFFhi"]);
  });

  it("hog: 32 MiB under a 16 MiB limit fails the stream with ResourceExhausted; 1 MiB is fine", async () => {
    const host = await loadModule("assembly/probe.ts", { memoryLimit: 16 * 1024 * 1024, resumeAfterTrap: true });
    host.open(id, { method: "hog" });
    expect(() => host.data(id, String(32 * 1024 * 1024))).toThrow(GuestTrap);
    expect(host.sentOn(id)).toEqual([expect.objectContaining({ kind: "Error", code: StreamErrorCode.ResourceExhausted })]);
    const next = streamIdOf(2);
    host.open(next, { method: "hog" });
    host.data(next, String(1024 * 1024));
    expect(dataTexts(host, next)).toEqual(["ok"]);
  });
});
`;
