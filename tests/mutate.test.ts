// scripts/mutate.mjs: which mutants it makes from a source (never in comments, strings, imports or
// decorators), and, end to end on a tiny AssemblyScript project, that a mutant a test catches is killed
// and an equivalent one survives and is reported with its diff and the kill rate.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without types
import { describe as describeMutant, groupsOf, mutantsOf, runStage, sample } from "../scripts/mutate.mjs";

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

describe("groups: which stages run for which files", () => {
  const stages = [
    { name: "fast", tests: ["a"] },
    { name: "json", tests: ["b"] },
    { name: "json-wasmtime", wasmtime: true, command: ["true"] },
  ];
  const names = (groups: { name: string; files: string[]; stages: { name: string }[] }[]) =>
    groups.map((g) => [g.name, g.files, g.stages.map((st) => st.name)]);

  it("resolves each group's stages by name, the wasmtime ones only when asked", () => {
    const config = {
      stages,
      groups: [
        { name: "core", files: ["x.ts"], stages: ["fast"] },
        { name: "toolkit-json", files: ["j.ts"], stages: ["json", "json-wasmtime"] },
      ],
    };
    expect(names(groupsOf(config, false))).toEqual([
      ["core", ["x.ts"], ["fast"]],
      ["toolkit-json", ["j.ts"], ["json"]],
    ]);
    expect(names(groupsOf(config, true))[1]).toEqual(["toolkit-json", ["j.ts"], ["json", "json-wasmtime"]]);
    expect(() => groupsOf({ stages, groups: [{ name: "g", files: [], stages: ["nope"] }] }, false)).toThrow(
      /group g names no stage nope/,
    );
  });

  it("reads a config without groups as one group of its files, stages and wasmtime stage", () => {
    const config = {
      files: ["x.ts"],
      stages: stages.slice(0, 2),
      wasmtime: { name: "wasm", command: ["true"] },
    };
    expect(names(groupsOf(config, false))).toEqual([["all", ["x.ts"], ["fast", "json"]]]);
    expect(names(groupsOf(config, true))).toEqual([["all", ["x.ts"], ["fast", "json", "wasm"]]]);
  });

  it("groups every toolkit file of the repository's config, each file once", () => {
    const config = JSON.parse(readFileSync(join(root, "scripts/mutate.config.json"), "utf8"));
    type Group = { name: string; files: string[]; stages: { name: string }[] };
    const groups: Group[] = groupsOf(config, true);
    const files = groups.flatMap((g) => g.files);
    expect(new Set(files).size).toBe(files.length);
    const toolkit = groups.filter((g) => g.name.startsWith("toolkit")).flatMap((g) => g.files);
    for (const file of [
      "assembly/json/reader.ts",
      "assembly/json/writer.ts",
      "assembly/text/utf8.ts",
      "assembly/text/utf8-stream.ts",
      "assembly/text/utf8-valid.ts",
      "assembly/text/lines.ts",
      "assembly/sending/bytes.ts",
      "assembly/text/decimal.ts",
      "assembly/text/find-byte.ts",
      "assembly/handlers/producer.ts",
    ])
      expect(toolkit).toContain(file);
    for (const file of files) expect(existsSync(join(root, file)), file).toBe(true);
    for (const group of groups) expect(group.stages.length, group.name).toBeGreaterThan(0);
  });
});

describe("a stage that runs too long", () => {
  it("is a timeout, and leaves nothing it started running (a test worker in an endless loop)", () => {
    const marker = `sleep ${(31 + Math.random()).toFixed(6)}`; // a command line no other process has
    const stage = { name: "slow", command: ["sh", "-c", `${marker} & wait`] };
    expect(runStage(tmpdir(), stage, 500).outcome).toBe("timeout");
    const left = spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout.split("\n");
    expect(left.filter((line) => line.includes(marker))).toEqual([]);
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
      "let calls: i32 = 0;\n\nexport function isAdult(age: i32): bool {\n  calls += 1;\n  return age >= 18;\n}\n\n" +
      "function neverCalled(x: i32): i32 {\n  return x + 1;\n}\n";
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
    const unreached = id("return x - 1;"); // no export calls neverCalled
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

    // The same with groups, and a stage whose tests load only its module: a mutant of a function no export
    // calls leaves the module as it was, so its tests are skipped and it survives as reached by no test module.
    write(
      "mutate.groups.json",
      JSON.stringify({
        outDirs: { assembly: "build" },
        ascArgs: ["--optimizeLevel", "3"],
        groups: [{ name: "adult", files: ["assembly/adult.ts"], stages: ["unit"] }],
        stages: [
          { name: "unit", modules: ["assembly/adult.ts"], tests: ["tests/adult.test.ts"], onlyModules: true },
        ],
      }),
    );
    const grouped = spawnSync(
      process.execPath,
      ["scripts/mutate.mjs", "--root", project, "--config", join(project, "mutate.groups.json")].concat(
        "--group",
        "adult",
        "--mutant",
        killed,
        "--mutant",
        unreached,
      ),
      { cwd: root, encoding: "utf8" },
    );
    expect(grouped.status, grouped.stderr).toBe(0);
    expect(grouped.stdout).toMatch(new RegExp(`#${killed} killed .*\\(unit: `));
    expect(grouped.stdout).toMatch(
      new RegExp(`#${unreached} survived .*\\(unit: no module changed: no test reaches it\\)`),
    );
    expect(grouped.stdout).toMatch(/^kill rate: 1\/2 killed \(50\.0%\)/m);
  }, 300_000);
});
