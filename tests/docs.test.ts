// The README and the guides (docs/guides/) as the CI keeps them honest: the README stays a road (at most
// 300 lines, a link to every guide); every code block is generated from a file CI compiles and tests
// (scripts/doc-blocks.mjs: `<!-- code: path#region -->`), or says which test compiles it
// (`<!-- checked: test -->`); every relative link resolves, in the repository and in what `npm pack` ships,
// and the shipped docs name no file the package leaves out.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a JavaScript module of the build scripts, without types
import { blocks, documents, sourceOf } from "../scripts/doc-blocks.mjs";
import { anchorsOf } from "./helpers.js";

interface Block {
  lang: string;
  body: string;
  line: number;
  marker?: { kind: "code" | "checked"; path: string; region?: string };
}

const root = fileURLToPath(new URL("..", import.meta.url));
const docs: string[] = documents(root);
const read = (path: string) => readFileSync(join(root, path), "utf8");
/** Languages whose blocks are code to compile; `sh` and `text` blocks are commands and their output. */
const CODE = new Set(["ts", "js", "json", "jsonc"]);

/** Every relative link of a Markdown file outside code blocks, as [target, path, anchor]. */
function linksOf(markdown: string): [string, string, string | undefined][] {
  const text = markdown.replace(/```[^]*?```/g, "").replace(/`[^`\n]*`/g, (m) => (m.includes("](") ? "" : m));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => {
      const [path, anchor] = target.split("#");
      return [target, path, anchor];
    });
}

/** The broken relative links of the Markdown files `files` (paths under `base`), `exists` deciding files. */
function brokenLinks(base: string, files: string[], exists: (path: string) => boolean): string[] {
  const broken: string[] = [];
  for (const file of files) {
    for (const [target, path, anchor] of linksOf(readFileSync(join(base, file), "utf8"))) {
      const resolved =
        path === "" ? file : normalize(join(dirname(file), decodeURI(path))).replace(/\/$/, "");
      if (resolved.startsWith("..") || !exists(resolved)) {
        broken.push(`${file}: ${target} (no such file)`);
      } else if (anchor) {
        const full = join(base, resolved);
        if (!statSync(full).isFile() || !anchorsOf(readFileSync(full, "utf8")).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
  }
  return broken;
}

/** Every Markdown file under `dir` (relative to the repository). */
function markdownUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(dir, name));
}

describe("the README and the guides", () => {
  it("the README is a road of at most 300 lines that links every guide", () => {
    const readme = read("README.md");
    expect(readme.split("\n").length - 1).toBeLessThanOrEqual(300);
    const guides = docs.filter((doc) => doc.startsWith("docs/guides/"));
    expect(guides.length).toBeGreaterThanOrEqual(6);
    for (const guide of guides) expect(readme, guide).toContain(`](${guide})`);
    // Statements the README keeps: why as-bind is not used, and the command CI runs.
    expect(readme).toMatch(/\*\*Why not as-bind:\*\*/);
    expect(readme).toMatch(/CI runs `npm run test:all`/);
  });

  it("every code block is generated from a file CI compiles and tests, or names the test that compiles it", () => {
    const unmarked: string[] = [];
    let generated = 0;
    for (const doc of docs) {
      for (const block of blocks(read(doc)) as Block[]) {
        const where = `${doc}:${block.line}`;
        if (!block.marker) {
          if (CODE.has(block.lang) || block.lang === "") unmarked.push(where);
          continue;
        }
        const { kind, path, region } = block.marker;
        expect(existsSync(join(root, path)), `${where}: ${path}`).toBe(true);
        if (kind === "checked") {
          // The test reads the block by the line before it in the README and compiles it.
          const before = read(doc).split("\n")[block.line - 3];
          expect(read(path), `${where}: ${path} does not read the block after ${before}`).toContain(
            JSON.stringify(before).slice(1, -1).replace(/\\"/g, '"'),
          );
          continue;
        }
        // Built and tested by CI: the examples and the guides' own (each with its test beside it), and the
        // project `ixt-as init` writes.
        expect(path, where).toMatch(/^(examples\/|docs\/guides\/examples\/|templates\/init\/)/);
        expect(
          block.body,
          `${where} differs from ${path}${region ? `#${region}` : ""}: run npm run docs`,
        ).toBe(sourceOf(root, path, region));
        generated++;
      }
    }
    expect(unmarked, "code blocks with no <!-- code: … --> or <!-- checked: … --> marker").toEqual([]);
    expect(generated).toBeGreaterThanOrEqual(12);
  });

  it("the README's ticker listing is the shipped file", () => {
    const ticker = (blocks(read("README.md")) as Block[]).find(
      (b) => b.marker?.path === "examples/stream_ticker.ts",
    );
    expect(ticker?.marker?.region).toBeUndefined();
    expect(ticker?.body).toBe(read("examples/stream_ticker.ts"));
  });

  it("every relative link in the repository's Markdown resolves, anchors included", () => {
    const files = [
      ...docs,
      "CONTRIBUTING.md",
      "CHANGELOG.md",
      "docs/ABI.md",
      ...markdownUnder("docs/reference"),
    ];
    expect(brokenLinks(root, files, (path) => existsSync(join(root, path)))).toEqual([]);
  });

  it("the packed package's Markdown links and names only files the package ships", () => {
    const [pack] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        cwd: root,
        encoding: "utf8",
      }),
    ) as { files: { path: string }[] }[];
    const shipped = new Set(pack.files.map((f) => f.path));
    const folders = new Set(
      [...shipped].flatMap((f) =>
        f
          .split("/")
          .slice(0, -1)
          .map((_, i, parts) => parts.slice(0, i + 1).join("/")),
      ),
    );
    const markdown = [...shipped].filter((f) => f.endsWith(".md"));
    expect(markdown).toEqual(expect.arrayContaining(docs));
    expect(brokenLinks(root, markdown, (path) => shipped.has(path) || folders.has(path))).toEqual([]);
    // A path in the text (not a link) that is a file of this repository must be shipped too; a path that is
    // not one here (tests/module.test.ts, build/module.wasm), or is under node_modules/, is in the reader's
    // own project.
    const named: string[] = [];
    for (const file of [...docs, "CHANGELOG.md"]) {
      const text = read(file).replace(/<!--[^]*?-->/g, "");
      for (const [path] of text.matchAll(/\b[\w.-]+(?:\/[\w.-]+)+\.(?:ts|mjs|js|py|json|md)\b/g)) {
        if (/(^|\/)node_modules\//.test(path)) continue; // the reader's installed packages
        const inRepo = normalize(join(dirname(file), path));
        const candidates = [path, inRepo].filter(
          (p) => existsSync(join(root, p)) && statSync(join(root, p)).isFile(),
        );
        if (candidates.length > 0 && !candidates.some((p) => shipped.has(p))) named.push(`${file}: ${path}`);
      }
      if (/\bthe repository\b/i.test(text)) named.push(`${file}: "the repository" (package.json names none)`);
    }
    expect(named).toEqual([]);
  }, 60_000);
});
