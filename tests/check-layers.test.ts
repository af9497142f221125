// scripts/check-layers.mjs on small made-up SDK folders: a clean one, a cycle, an upward import, and a
// table that does not cover the files (or names a file that does not exist).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without types
import { checkLayers } from "../scripts/check-layers.mjs";

/** Writes `files` (path -> source) and a layer table into a new folder; returns the folder. */
function sdk(
  files: Record<string, string>,
  layers: { name: string; files?: string[]; folders?: string[] }[],
): string {
  const dir = mkdtempSync(join(tmpdir(), "ixt-layers-"));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  writeFileSync(join(dir, "layers.json"), JSON.stringify({ layers }));
  return dir;
}

const check = (dir: string): { problems: string[]; edges: number } =>
  checkLayers(dir, join(dir, "layers.json"));

const LAYERS = [
  { name: "low", files: ["enums.ts", "heap.ts"] },
  { name: "mid", files: ["sub/*.ts"] },
  { name: "top", files: ["index.ts"] },
];

describe("scripts/check-layers.mjs", () => {
  it("passes a graph that only imports down or sideways, whatever the import form", () => {
    const dir = sdk(
      {
        "enums.ts": "export enum A { X = 0 }\n",
        "heap.ts": 'import { A } from "./enums";\n// import { B } from "./sub/b"; a comment is no import\n',
        "sub/a.ts": 'import "../heap";\nexport { A } from "../enums";\nimport { b } from "./b";\n',
        "sub/b.ts": "/* import { a } from './a'; */ export const b = 1;\n",
        "index.ts": 'export * from "./sub/a";\nimport {\n  b,\n} from "./sub/b";\n',
      },
      LAYERS,
    );
    expect(check(dir)).toMatchObject({ problems: [], edges: 6 });
  });

  it("takes a layer's files from its folders, at any depth, and says when a folder holds none", () => {
    const files = {
      "low/enums.ts": "",
      "low/deep/heap.ts": 'import "../enums";\n',
      "mid/a.ts": 'import "../low/deep/heap";\n',
      "index.ts": 'import "./mid/a";\n',
    };
    const layers = [
      { name: "low", folders: ["low"] },
      { name: "mid", folders: ["mid"] },
      { name: "top", files: ["index.ts"] },
    ];
    expect(check(sdk(files, layers))).toMatchObject({ problems: [], edges: 3 });
    const upward = { ...files, "low/enums.ts": 'import "../mid/a";\n' };
    expect(check(sdk(upward, layers)).problems).toContain(
      "upward import: low/enums.ts (layer low) imports mid/a.ts (layer mid)",
    );
    const stale = [...layers, { name: "more", folders: ["gone"] }];
    expect(check(sdk(files, stale)).problems).toEqual(['layers: "gone/**.ts" (layer more) matches no file']);
  });

  it("prints every import cycle, also one inside a layer", () => {
    const dir = sdk(
      {
        "enums.ts": 'import "./heap";\n',
        "heap.ts": 'import { A } from "./enums";\n',
        "sub/a.ts": 'import { b } from "./b";\n',
        "sub/b.ts": 'import { a } from "./a";\n',
        "index.ts": "",
      },
      LAYERS,
    );
    expect(check(dir).problems).toEqual([
      "import cycle: enums.ts → heap.ts → enums.ts",
      "import cycle: sub/a.ts → sub/b.ts → sub/a.ts",
    ]);
  });

  it("rejects an import that goes up the table", () => {
    const dir = sdk(
      { "enums.ts": "", "heap.ts": 'import { a } from "./sub/a";\n', "sub/a.ts": "", "index.ts": "" },
      LAYERS,
    );
    expect(check(dir).problems).toEqual(["upward import: heap.ts (layer low) imports sub/a.ts (layer mid)"]);
  });

  it("rejects a table that leaves a file out, lists one twice or names one that does not exist", () => {
    const dir = sdk({ "enums.ts": "", "heap.ts": "", "sub/a.ts": "", "index.ts": "", "extra.ts": "" }, [
      ...LAYERS,
      { name: "more", files: ["gone.ts", "heap.ts"] },
    ]);
    expect(check(dir).problems).toEqual([
      'layers: "gone.ts" (layer more) matches no file',
      "layers: heap.ts is in two layers, low and more",
      "layers: extra.ts is in no layer",
    ]);
  });

  it("exits 1 and prints the problems from the command line", () => {
    const dir = sdk({ "enums.ts": 'import "./heap";\n', "heap.ts": 'import "./enums";\n', "index.ts": "" }, [
      { name: "low", files: ["enums.ts", "heap.ts"] },
      { name: "top", files: ["index.ts"] },
    ]);
    let output = "";
    try {
      execFileSync(process.execPath, ["scripts/check-layers.mjs", "--dir", dir], { stdio: "pipe" });
    } catch (err) {
      const { status, stderr } = err as { status: number; stderr: Buffer };
      expect(status).toBe(1);
      output = stderr.toString();
    }
    expect(output).toMatch(/^import cycle: enums\.ts → heap\.ts → enums\.ts$/m);
  });
});
