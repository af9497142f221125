// The code blocks of the README and the guides come from files that CI compiles and tests, never pasted.
// A fenced block right after a marker line is generated:
//
//   <!-- code: examples/stream_ticker.ts -->          the whole file
//   <!-- code: examples/stream_sum.ts#fields -->      the lines between `// #region fields` and
//                                                     `// #endregion fields` in it, dedented
//   <!-- checked: tests/package.test.ts -->           written by hand, and that test compiles and runs it
//
// `npm run docs` rewrites every `code:` block from its source; `npm run docs:check` and tests/docs.test.ts
// fail when one differs.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The Markdown whose code blocks are checked: the README and every guide. */
export function documents(root) {
  const guides = readdirSync(join(root, "docs", "guides"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/guides/${name}`);
  return ["README.md", ...guides];
}

const MARKER = /^<!-- (code|checked): ([^#\s]+)(?:#([\w-]+))? -->\n```(\w*)\n([^]*?)```/gm;
const FENCE = /^```(\w*)\n([^]*?)^```/gm;

/** Every fenced block of `markdown`: its language, body, offset, and its marker if it has one. */
export function blocks(markdown) {
  const marked = new Map();
  for (const m of markdown.matchAll(MARKER)) {
    const fenceAt = m.index + m[0].indexOf("```");
    marked.set(fenceAt, { kind: m[1], path: m[2], region: m[3], at: m.index, length: m[0].length });
  }
  return [...markdown.matchAll(FENCE)].map((m) => ({
    lang: m[1],
    body: m[2],
    at: m.index,
    line: markdown.slice(0, m.index).split("\n").length,
    marker: marked.get(m.index),
  }));
}

/** The text a `code:` marker names: a whole file, or one region of it without its marker lines, dedented. */
export function sourceOf(root, path, region) {
  const text = readFileSync(join(root, path), "utf8");
  if (!region) return text;
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.trim() === `// #region ${region}`);
  const end = lines.findIndex((line) => line.trim() === `// #endregion ${region}`);
  if (start < 0 || end < start) throw new Error(`${path} has no region ${region}`);
  const body = lines.slice(start + 1, end).filter((line) => !/^\s*\/\/ #(end)?region /.test(line));
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return body.map((line) => line.slice(indent)).join("\n") + "\n";
}

/** `markdown` with every `code:` block rewritten from its source. */
export function syncBlocks(root, markdown) {
  return markdown.replace(MARKER, (whole, kind, path, region, lang) => {
    if (kind !== "code") return whole;
    const marker = `<!-- code: ${path}${region ? `#${region}` : ""} -->`;
    return `${marker}\n\`\`\`${lang}\n${sourceOf(root, path, region)}\`\`\``;
  });
}
