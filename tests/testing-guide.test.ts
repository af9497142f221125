// docs/guides/testing.md stays true: each code block marked `<!-- from: file#region -->` is a copy of that
// region (between `// #region name` and `// #endregion name`, dedented) or, without a region, of the whole
// file; the scaffold's files it copies run in tests/init.test.ts and tests/package.test.ts. The blocks of
// its "In the README" section are lines of the scaffold's test, and its commands are the scaffold's scripts.
// `IXT_WRITE_GUIDE=1 npx vitest run tests/testing-guide.test.ts` rewrites the marked blocks from the files.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const GUIDE = "docs/guides/testing.md";
const MARKED = /<!-- from: ([^#\s]+)(?:#([\w-]+))? -->\n```(\w*)\n([^]*?)```\n/g;

/** The text of a file, or of its region `name`, without the region's common indentation. */
function source(file: string, region?: string): string {
  const text = readFileSync(`${root}${file}`, "utf8");
  if (region === undefined) return text;
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
  const end = lines.findIndex((l) => l.trim() === `// #endregion ${region}`);
  if (start < 0 || end < start) throw new Error(`${file} has no region ${region}`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join("\n") + "\n";
}

describe(GUIDE, () => {
  const guide = readFileSync(`${root}${GUIDE}`, "utf8");

  it("copies its marked blocks from the scaffold's files, unchanged", () => {
    const blocks = [...guide.matchAll(MARKED)];
    expect(blocks.map((m) => m[2] ?? m[1])).toEqual([
      "templates/init/vitest.config.ts",
      "memory-limit",
      "slow-credit",
      "refusal",
      "volume",
    ]);
    if (process.env.IXT_WRITE_GUIDE === "1") {
      const written = guide.replace(
        MARKED,
        (_, file: string, region: string | undefined, lang: string) =>
          `<!-- from: ${file}${region ? `#${region}` : ""} -->\n\`\`\`${lang}\n${source(file, region)}\`\`\`\n`,
      );
      writeFileSync(`${root}${GUIDE}`, written);
      return;
    }
    for (const [, file, region, , body] of blocks)
      expect(body, `${file}#${region}`).toBe(source(file, region));
  });

  it("the README's few lines are lines of the scaffold's test and its commands are the scaffold's scripts", () => {
    const section = guide.slice(
      guide.indexOf("## In the README"),
      guide.indexOf("\n## ", guide.indexOf("## In the README") + 5),
    );
    // Compared without trailing comments and indentation.
    const bare = (line: string) => line.replace(/\s*\/\/ .*$/, "").trim();
    const test = source("templates/init/tests/module.test.ts").split("\n").map(bare);
    const ts = [...section.matchAll(/```ts\n([^]*?)```/g)].flatMap((m) => m[1].trim().split("\n"));
    expect(ts.length).toBeGreaterThan(5);
    for (const line of ts) expect(test, line).toContain(bare(line));
    const scripts = JSON.parse(readFileSync(`${root}templates/init/package.json`, "utf8")).scripts as Record<
      string,
      string
    >;
    const sh = [...section.matchAll(/```sh\n([^]*?)```/g)].flatMap((m) => m[1].trim().split("\n"));
    const commands = sh.map((l) => l.replace(/#.*/, "").trim());
    expect(commands).toEqual([
      "npm test",
      "npx vitest run --project debug",
      "npx vitest run --project release",
    ]);
    expect([scripts.test, scripts["test:debug"], scripts["test:release"]]).toEqual(
      commands.map((c) => c.replace(/^npm test$/, "vitest run").replace(/^npx /, "")),
    );
  });
});
