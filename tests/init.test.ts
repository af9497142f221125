// `ixt-as init`: writes the project from templates/init/, refuses a folder that is not empty, and the
// project's module builds with its asconfig.json, type-checks with its assembly/tsconfig.json and greets
// through the shim. The package test installs a generated project from the packed package and runs its
// own npm scripts; here the project's node_modules links to this checkout instead.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CloseReason, IxtHost, streamIdOf } from "../host-shim/index.js";
import { main } from "../cli/main.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "ixt-as-init-"));
const sdk = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

async function ixtAs(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Every file under `dir`, relative, sorted. */
function filesIn(dir: string, under = ""): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesIn(dir, join(under, e.name)) : [join(under, e.name)]))
    .sort();
}

const PROJECT_FILES = [
  ".gitignore",
  "README.md",
  "asconfig.json",
  "assembly/index.ts",
  "assembly/tsconfig.json",
  "package.json",
  "scripts/modules.mjs",
  "tests/module.test.ts",
  "tests/modules.test.ts",
  "vitest.config.ts",
];

/**
 * The project's node_modules/ixt-sdk-as as npm would install it, from this checkout, except that its
 * JavaScript entries are the TypeScript sources (vitest runs them; dist/ may not be built yet): links to
 * the checkout's files and a package.json whose exports name host-shim/*.ts.
 */
function linkSdk(project: string): string {
  const sdkDir = join(project, "node_modules", "ixt-sdk-as");
  mkdirSync(sdkDir, { recursive: true });
  for (const name of ["index.ts", "exports.ts", "assembly", "host-shim", "asconfig.preset.json", "templates"])
    symlinkSync(join(root, name), join(sdkDir, name));
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  manifest.exports = {
    ".": "./host-shim/index.ts",
    "./testing": "./host-shim/testing.ts",
    "./asconfig.preset.json": "./asconfig.preset.json",
    "./package.json": "./package.json",
  };
  writeFileSync(join(sdkDir, "package.json"), JSON.stringify(manifest));
  return sdkDir;
}

describe("ixt-as init", () => {
  const project = join(work, "My Module");
  const links = [join(project, "node_modules", "assemblyscript"), join(project, "node_modules", "vitest")];

  afterAll(() => {
    // The links to this checkout go first, so that nothing can follow them (rmSync removes a link, never
    // what it points to, but this is cheap insurance).
    for (const link of links) if (existsSync(link)) unlinkSync(link);
    rmSync(join(project, "node_modules", "ixt-sdk-as"), { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("writes the project into a new folder, named after it, and says what to run next", async () => {
    const { code, out, err } = await ixtAs("init", project);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(filesIn(project)).toEqual(PROJECT_FILES);
    expect(out.split("\n")[0]).toMatch(
      /^Wrote a module project into .*My Module\/ \(package name my-module\):$/,
    );
    expect(out).toMatch(/^ {2}cd "?.*My Module"?$/m);
    expect(out).toMatch(/npm install\n.*npm test/);

    const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    expect(manifest).toMatchObject({ name: "my-module", private: true, type: "module" });
    expect(manifest.devDependencies).toEqual({
      "ixt-sdk-as": `^${sdk.version}`,
      assemblyscript: "0.28.20", // the release tested: the SDK mirrors its allocator
      typescript: expect.stringMatching(/^\^5\./),
      vitest: expect.stringMatching(/^\^4\./),
    });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.scripts).toEqual({
      build: "node scripts/modules.mjs build",
      "build:debug": "node scripts/modules.mjs build --debug",
      test: "vitest run",
      "test:debug": "vitest run --project debug",
      "test:release": "vitest run --project release",
      check: "node scripts/modules.mjs check",
      typecheck: "tsc -p assembly --noEmit",
    });
    expect(JSON.parse(readFileSync(join(project, "asconfig.json"), "utf8"))).toEqual({
      extends: "./node_modules/ixt-sdk-as/asconfig.preset.json",
    });
    expect(readFileSync(join(project, ".gitignore"), "utf8").split("\n")).toEqual(
      expect.arrayContaining(["node_modules/", "build/"]),
    );
    expect(readFileSync(join(project, "README.md"), "utf8")).toMatch(/^# my-module\n/);

    const handler = readFileSync(join(project, "assembly/index.ts"), "utf8");
    expect(handler).toMatch(/from "ixt-sdk-as";/);
    expect(handler).toMatch(/export \* from "ixt-sdk-as\/exports";/);
    // Every callback the handler defines overrides the SDK's, and says so.
    const callbacks = [...handler.matchAll(/^ {2}(override )?(on[A-Z]\w*)\(/gm)];
    expect(callbacks.map((m) => m[2])).toEqual(["onOpen", "onData", "onClose"]);
    expect(callbacks.every((m) => m[1] === "override ")).toBe(true);

    const test = readFileSync(join(project, "tests/module.test.ts"), "utf8");
    expect(test).toMatch(/from "ixt-sdk-as\/testing";/);
  });

  it("builds the project's module and the README's first handler with its asconfig.json, type-checks both with tsc, and runs them", async () => {
    // The project's node_modules, as npm install would make it, from this checkout.
    linkSdk(project);
    symlinkSync(join(root, "node_modules", "assemblyscript"), links[0], "dir");
    symlinkSync(join(root, "node_modules", "vitest"), links[1], "dir");
    const node = (script: string, ...args: string[]): string => {
      const result = spawnSync(process.execPath, [join(root, "node_modules", script), ...args], {
        cwd: project,
        encoding: "utf8",
      });
      if (result.status !== 0) throw new Error(`${script} failed:\n${result.stdout}${result.stderr}`);
      return result.stdout;
    };
    // The README's first handler, pasted into the project.
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const firstHandler = readme.slice(readme.indexOf("`assembly/index.ts`, an echo:"));
    const readmeHandler = /```ts\n([^]*?)```/.exec(firstHandler)?.[1] ?? "";
    expect(readmeHandler).toMatch(/from "ixt-sdk-as";/);
    writeFileSync(join(project, "assembly", "readme.ts"), readmeHandler);
    for (const name of ["index", "readme"]) {
      const out = `build/${name === "index" ? "module" : name}.wasm`;
      node("assemblyscript/bin/asc.js", `assembly/${name}.ts`, "--target", "release", "--outFile", out);
    }
    expect(node("typescript/bin/tsc", "-p", "assembly", "--noEmit")).toBe("");

    const host = await IxtHost.load(join(project, "build/module.wasm"));
    const id = streamIdOf(1);
    expect(host.open(id, { method: "greet" })).toBe(0);
    host.data(id, "world");
    host.close(id, CloseReason.Normal);
    const sent = host.sentOn(id);
    expect(sent.map((c) => (c.kind === "Data" ? new TextDecoder().decode(c.payload) : c.kind))).toEqual([
      "hello, world",
      "greeted 1",
      "Close",
    ]);
    expect((await ixtAs("check", join(project, "build/module.wasm"))).code).toBe(0);

    const echo = await IxtHost.load(join(project, "build/readme.wasm"));
    echo.open(id);
    echo.data(id, "hi");
    expect(
      echo.sentOn(id).map((c) => (c.kind === "Data" ? new TextDecoder().decode(c.payload) : c.kind)),
    ).toEqual(["hi"]);
  }, 120_000);

  it("npm run build builds a second module in assembly/ as it is, and the project's tests pass in both builds", () => {
    rmSync(join(project, "assembly", "readme.ts")); // the README's handler above: not part of this project
    const greeter = readFileSync(join(project, "assembly", "index.ts"), "utf8");
    writeFileSync(join(project, "assembly", "shout.ts"), greeter.replace('"hello, "', '"HELLO, "'));
    const run = (args: string[]) => {
      const env = { ...process.env };
      delete env.IXT_TARGET;
      const result = spawnSync(process.execPath, args, { cwd: project, encoding: "utf8", env });
      const output = `${result.stdout}${result.stderr}`.replace(/\x1b\[[\d;]*m/g, "");
      if (result.status !== 0) throw new Error(`${args.join(" ")} failed:\n${output}`);
      return output;
    };
    const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    expect(manifest.scripts.build).toBe("node scripts/modules.mjs build");
    const built = run(["scripts/modules.mjs", "build"]);
    expect(built).toMatch(/assembly\/index\.ts -> build\/module\.wasm/);
    expect(built).toMatch(/assembly\/shout\.ts -> build\/shout\.wasm/);
    for (const file of ["build/module.wasm", "build/shout.wasm"])
      expect(existsSync(join(project, file))).toBe(true);
    expect(run(["scripts/modules.mjs", "build", "--debug"])).toMatch(/build\/shout\.debug\.wasm/);
    expect(existsSync(join(project, "build/shout.debug.wasm.map"))).toBe(true);

    // npm test: every test file against the debug build, then the release build (vitest projects).
    const tested = run([join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter", "verbose"]);
    expect(tested).toMatch(/ debug .*tests\/module\.test\.ts/);
    expect(tested).toMatch(/ release .*tests\/module\.test\.ts/);
    expect(tested).toMatch(/assembly\/shout\.ts builds and has the ABI's exports/);
    expect(tested).toMatch(/Tests +\d+ passed/);
    expect(tested).not.toMatch(/failed/);
  }, 600_000);

  it("writes into the current folder by default, and a folder holding only .git is empty", async () => {
    const here = join(work, "here");
    mkdirSync(join(here, ".git"), { recursive: true });
    const cwd = process.cwd();
    process.chdir(here);
    try {
      const { code, out } = await ixtAs("init");
      expect(code).toBe(0);
      expect(out.split("\n")[0]).toBe("Wrote a module project into the current folder:");
      expect(out).not.toMatch(/ cd /);
    } finally {
      process.chdir(cwd);
    }
    expect(filesIn(here).filter((f) => !f.startsWith(".git/"))).toEqual(PROJECT_FILES);
  });

  it("refuses a folder that is not empty, or a file, and writes nothing (exit 2)", async () => {
    const full = join(work, "full");
    mkdirSync(full);
    writeFileSync(join(full, "notes.txt"), "mine");
    const refused = await ixtAs("init", full);
    expect(refused).toMatchObject({ code: 2, out: "" });
    expect(refused.err).toMatch(/^ixt-as: init: .*full is not empty \(notes\.txt\)/);
    expect(filesIn(full)).toEqual(["notes.txt"]);

    const again = await ixtAs("init", project);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/is not empty/);

    const file = join(work, "file.txt");
    writeFileSync(file, "");
    expect(await ixtAs("init", file)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/file\.txt exists and is not a folder/),
    });
  });

  it("has --help, is in the command's usage, and exits 2 on bad usage", async () => {
    const help = await ixtAs("init", "--help");
    expect(help).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: ixt-as init \[dir\]/) });
    expect(help.out).toMatch(/installs nothing/);
    expect((await ixtAs("--help")).out).toMatch(/^ {2}init \[dir\] /m);
    for (const args of [
      ["init", "a", "b"],
      ["init", "--bogus"],
    ]) {
      const { code, err } = await ixtAs(...args);
      expect(code, args.join(" ")).toBe(2);
      expect(err, args.join(" ")).toMatch(/^ixt-as: init: [^]*Run "ixt-as init --help" for usage\.$/);
    }
    expect(existsSync(join(root, "a"))).toBe(false);
  });
});
