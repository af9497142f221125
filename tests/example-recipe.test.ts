// An example is a recipe: copied into a project that `ixt-as init` wrote with the packed package, the module
// into assembly/ and its test into tests/ (the one edit the guides name: MODULE says "assembly/…"), it
// type-checks in the author's editor configuration and its test passes there. And a shipped example builds
// as it is, from node_modules, with the project's asconfig.json (docs/guides/troubleshooting.md).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sh } from "./helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "ixt-sdk-as-recipe-"));
const project = join(work, "ticker-module");
const EXAMPLE = "stream_ticker";
const versions = Object.fromEntries(
  ["assemblyscript", "typescript", "vitest"].map((name) => [
    name,
    JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version as string,
  ]),
);

describe(`examples/${EXAMPLE}.ts as a recipe`, () => {
  beforeAll(() => {
    sh(root, "npm", ["pack", "--pack-destination", work, "--silent"]);
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack wrote no tarball");
    sh(work, process.execPath, [join(root, "dist", "cli", "ixt-as.js"), "init", project]);
    // The packed ixt-sdk-as instead of the registry's, and the versions this checkout tests with.
    const manifestPath = join(project, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest.devDependencies = {
      ...manifest.devDependencies,
      "ixt-sdk-as": `file:${join(work, tarball)}`,
      assemblyscript: versions.assemblyscript,
      typescript: versions.typescript,
      vitest: versions.vitest,
    };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    sh(project, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"]);
    // The copy, from the installed package as a reader would take it.
    const shipped = join(project, "node_modules", "ixt-sdk-as", "examples");
    writeFileSync(
      join(project, "assembly", `${EXAMPLE}.ts`),
      readFileSync(join(shipped, `${EXAMPLE}.ts`), "utf8"),
    );
    const test = readFileSync(join(shipped, `${EXAMPLE}.test.ts`), "utf8");
    const moved = test.replace(
      `const MODULE = "examples/${EXAMPLE}.ts";`,
      `const MODULE = "assembly/${EXAMPLE}.ts";`,
    );
    expect(moved).not.toBe(test);
    writeFileSync(join(project, "tests", `${EXAMPLE}.test.ts`), moved);
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("type-checks in the project's editor configuration, and its test passes there", () => {
    expect(sh(project, "npx", ["tsc", "-p", "assembly", "--noEmit"])).toBe("");
    const report = sh(project, "npx", ["vitest", "run", `tests/${EXAMPLE}.test.ts`]).replace(
      /\x1b\[[\d;]*m/g,
      "",
    );
    expect(report).toMatch(/Tests +4 passed/); // its 2 tests, against the debug and the release build
  }, 300_000);

  it("shipped examples build as they are from node_modules, pass ixt-as check and run", () => {
    // An example, and the bytes guide's own, with the commands the guides give.
    const builds: [string, string][] = [
      [`node_modules/ixt-sdk-as/examples/${EXAMPLE}.ts`, `build/${EXAMPLE}.wasm`],
      ["node_modules/ixt-sdk-as/docs/guides/examples/stream_sum.ts", "build/stream_sum.wasm"],
    ];
    for (const [entry, out] of builds) {
      sh(project, "npx", ["asc", entry, "--target", "release", "--outFile", out]);
      expect(sh(project, "npx", ["ixt-as", "check", out])).toMatch(
        /ok: the module matches the ixt server-stream ABI/,
      );
    }
    const ticks = sh(project, "npx", ["ixt-as", "run", builds[0][1], "--payload", "3"]);
    expect([...ticks.matchAll(/<- Data {3}"(\d+)"/g)].map((m) => m[1])).toEqual(["1", "2", "3"]);
    const sums = sh(project, "npx", ["ixt-as", "run", builds[1][1], "--data", "12 7  30", "--data", "1 2x"]);
    expect(sums).toMatch(/<- Data {3}"sum=49 count=3"/);
    expect(sums).toMatch(/<- Error +InvalidArgument.*not a number at byte 3/);
  }, 180_000);
});
