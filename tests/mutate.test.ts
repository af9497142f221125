// scripts/mutate.mjs: which mutants it makes from a source (never in comments, strings, imports or
// decorators), and, end to end on a tiny AssemblyScript project, that a mutant a test catches is killed
// and an equivalent one survives and is reported with its diff and the kill rate.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without types
import { describe as describeMutant, mutantsOf, sample } from "../scripts/mutate.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

interface Mutant {
  file: string;
  line: number;
  operator: string;
  original: string;
  mutated: string;
}

describe("mutants of a source", () => {
  const source = [
    'import { a } from "./a";', // 1: an import: nothing
    "/** Doc: x < y and 1 + 2. */", // 2: JSDoc: nothing
    "// @ts-ignore: decorator", // 3: a comment: nothing
    "@inline", // 4: a decorator: nothing
    "export function f(x: i32): bool {", // 5: nothing
    '  log("a < b" + s); // x == 1', // 6: the string and comment are masked: only the + mutates
    "  if (x == load<u8>(p)) total += 2;", // 7
    "  return x >= 16;", // 8
    "}",
  ].join("\n");
  const mutants: Mutant[] = mutantsOf(source, "m.ts");
  const at = (line: number) => mutants.filter((m) => m.line === line).map((m) => m.mutated.trim());

  it("skips imports, comments, JSDoc and decorators, and masks strings", () => {
    expect(new Set(mutants.map((m) => m.line))).toEqual(new Set([6, 7, 8]));
    expect(at(6)).toEqual(['log("a < b" - s); // x == 1', "/* removed */"]);
  });

  it("mutates operators, conditions and constants, but not type arguments", () => {
    expect(at(7)).toEqual([
      "if (x != load<u8>(p)) total += 2;",
      "if (x == load<u8>(p)) total -= 2;",
      "if (!(x == load<u8>(p))) total += 2;",
      "if (x == load<u8>(p)) total += 3;",
      "if (x == load<u8>(p)) total += 1;",
    ]);
    expect(at(8)).toEqual(["return x > 16;", "return x >= 17;", "return x >= 15;"]);
    expect(describeMutant(mutants.find((m) => m.line === 8))).toBe(
      "m.ts:8: - return x >= 16;  + return x > 16;",
    );
  });

  it("draws a seeded sample, in source order", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const drawn: number[] = sample(items, 10, 7);
    expect(drawn).toEqual(sample(items, 10, 7));
    expect(drawn).not.toEqual(sample(items, 10, 8));
    expect(drawn).toHaveLength(10);
    expect([...drawn].sort((a, b) => a - b)).toEqual(drawn);
  });
});

describe("npm run mutate, end to end on a tiny project", () => {
  let project = "";
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("kills a mutant a test catches, reports an equivalent one as a survivor, and prints the kill rate", () => {
    project = mkdtempSync(join(tmpdir(), "ixt-mutate-test-"));
    const write = (path: string, text: string) => {
      mkdirSync(join(project, path, ".."), { recursive: true });
      writeFileSync(join(project, path), text);
    };
    write("package.json", '{ "type": "module" }\n');
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"), "dir");
    mkdirSync(join(project, "scripts"));
    copyFileSync(join(root, "scripts/compile.mjs"), join(project, "scripts/compile.mjs"));
    const source =
      "let calls: i32 = 0;\n\nexport function isAdult(age: i32): bool {\n  calls += 1;\n  return age >= 18;\n}\n";
    write("assembly/adult.ts", source);
    write(
      "tests/adult.test.ts",
      [
        'import { readFileSync } from "node:fs";',
        'import { expect, it } from "vitest";',
        'it("is 18 or more", async () => {',
        '  const { instance } = await WebAssembly.instantiate(readFileSync("build/adult.wasm"), { env: { abort() {} } });',
        "  const isAdult = instance.exports.isAdult as (age: number) => number;",
        "  expect([isAdult(17), isAdult(18)]).toEqual([0, 1]);",
        "});",
      ].join("\n"),
    );
    write(
      "mutate.config.json",
      JSON.stringify({
        files: ["assembly/adult.ts"],
        outDirs: { assembly: "build" },
        ascArgs: [],
        stages: [{ name: "unit", modules: ["assembly/adult.ts"], tests: ["tests/adult.test.ts"] }],
      }),
    );
    const all: Mutant[] = mutantsOf(source, "assembly/adult.ts");
    const id = (mutated: string) => String(all.findIndex((m) => m.mutated.trim() === mutated) + 1);
    const killed = id("return age > 18;"); // isAdult(18) becomes false
    const equivalent = id("calls -= 1;"); // `calls` is never read
    const run = spawnSync(
      process.execPath,
      ["scripts/mutate.mjs", "--root", project, "--config", join(project, "mutate.config.json")].concat(
        "--mutant",
        killed,
        "--mutant",
        equivalent,
      ),
      { cwd: root, encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^baseline: every stage passes/m);
    expect(run.stdout).toMatch(new RegExp(`#${killed} killed .*return age > 18;.*\\(unit`));
    expect(run.stdout).toMatch(new RegExp(`#${equivalent} survived`));
    expect(run.stdout).toMatch(
      new RegExp(
        `^survivors:\\n  #${equivalent} assembly/adult.ts:4: - calls \\+= 1;  \\+ calls -= 1;$`,
        "m",
      ),
    );
    expect(run.stdout).toMatch(/^kill rate: 1\/2 killed \(50\.0%\); 0 invalid/m);
  }, 180_000);
});
