// scripts/compile.mjs builds incrementally: on a tiny AssemblyScript project, a module is compiled again
// exactly when what it compiles to could change (a changed function it calls, a changed config, a missing
// output, IXT_REBUILD=1), and not for a comment or a change to code it does not reach.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("incremental builds (scripts/compile.mjs)", () => {
  const project = mkdtempSync(join(tmpdir(), "ixt-incremental-"));
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  const write = (path: string, text: string) => writeFileSync(join(project, path), text);
  const lib = (used: string, unused: string, comment = "") =>
    [
      `// lib.ts${comment}`,
      "export const LIMIT: i32 = 100;",
      `export function used(x: i32): i32 { return x ${used}; }`,
      `export function unused(x: i32): i32 { return x ${unused}; }`,
      "",
    ].join("\n");

  /** Runs compileEach on the entry in the project; returns what it printed and the output's bytes. */
  function build(env: Record<string, string> = {}) {
    const script = [
      `import { compileEach } from ${JSON.stringify(join(root, "scripts/compile.mjs"))};`,
      'process.exit((await compileEach(["main.ts"], "out", ["--runtime", "stub"])) ? 0 : 1);',
    ].join("\n");
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, IXT_REBUILD: "", ...env },
    });
    expect(run.status, run.stderr).toBe(0);
    return { built: /^built out\/main\.wasm/m.test(run.stdout), stdout: run.stdout, wasm: readWasm() };
  }
  const readWasm = () => readFileSync(join(project, "out/main.wasm"));

  it("rebuilds a module exactly when its compiled code, its config or its output changes", () => {
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"), "dir");
    write("asconfig.json", JSON.stringify({ options: { optimizeLevel: 3 } }));
    write("lib.ts", lib("+ 1", "+ 2"));
    write("main.ts", 'import { used } from "./lib";\nexport function run(x: i32): i32 { return used(x); }\n');

    const first = build();
    expect(first.built).toBe(true);
    const run = (wasm: Buffer, x: number) =>
      (
        new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm))).exports.run as (
          x: number,
        ) => number
      )(x);
    expect(run(first.wasm, 1)).toBe(2);
    const manifest = JSON.parse(readFileSync(join(project, "out/.inputs.json"), "utf8"));
    expect(manifest.modules.main.files.map(([path]: [string]) => path)).toEqual(
      expect.arrayContaining(["asconfig.json", "lib.ts", "main.ts"]),
    );

    const again = build();
    expect(again.built, again.stdout).toBe(false);
    expect(again.stdout).toMatch(/1 up to date/);

    // A comment, and a function the module never calls: the unoptimized module is the same.
    write("lib.ts", lib("+ 1", "+ 2", " (a comment)"));
    expect(build().stdout).toMatch(/1 whose changed inputs compile to the same module/);
    write("lib.ts", lib("+ 1", "* 7", " (a comment)"));
    expect(build().built).toBe(false);
    expect(build().stdout).toMatch(/1 up to date/); // the probe recorded the new inputs

    // The function it calls: rebuilt, and the output computes the new result.
    write("lib.ts", lib("- 1", "* 7"));
    const changed = build();
    expect(changed.built).toBe(true);
    expect(run(changed.wasm, 1)).toBe(0);

    // A changed config rebuilds without probing; so do a missing output and IXT_REBUILD=1.
    write("asconfig.json", JSON.stringify({ options: { optimizeLevel: 2 } }));
    expect(build().stdout).toMatch(/built out\/main\.wasm \(asconfig\.json changed\)/);
    rmSync(join(project, "out/main.wasm"));
    expect(build().stdout).toMatch(/built out\/main\.wasm \(no output\)/);
    expect(build({ IXT_REBUILD: "1" }).stdout).toMatch(/built out\/main\.wasm \(IXT_REBUILD=1\)/);

    // asc looks for ./dep.ts before ./dep/index.ts: a dep.ts that appears later is an input that changed.
    mkdirSync(join(project, "dep"));
    write("dep/index.ts", lib("+ 1", "+ 2"));
    write("main.ts", 'import { used } from "./dep";\nexport function run(x: i32): i32 { return used(x); }\n');
    expect(run(build().wasm, 1)).toBe(2);
    write("dep.ts", lib("+ 5", "+ 2"));
    const shadowed = build();
    expect(shadowed.stdout).toMatch(/built out\/main\.wasm \(dep\.ts changed\)/);
    expect(run(shadowed.wasm, 1)).toBe(6);
  }, 300_000);
});
