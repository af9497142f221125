// docs/guides/testing.md shows what the scaffold tests: its TypeScript blocks are generated from regions of
// the scaffold's files (`<!-- code: file#region -->`, rewritten by `npm run docs` and compared by
// tests/docs.test.ts), which run in tests/init.test.ts and tests/package.test.ts; this checks that the guide
// shows each of them, and that the commands of its "In the README" section are the scaffold's scripts.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const GUIDE = "docs/guides/testing.md";
const MARKED = /<!-- code: ([^#\s]+)(?:#([\w-]+))? -->\n```(\w*)\n/g;

describe(GUIDE, () => {
  const guide = readFileSync(`${root}${GUIDE}`, "utf8");

  it("shows the scaffold's both-builds config, memory limit, slow credit, refusal and volume tests", () => {
    expect([...guide.matchAll(MARKED)].map((m) => `${m[1]}${m[2] ? `#${m[2]}` : ""}`)).toEqual([
      "templates/init/tests/module.test.ts#readme-memory",
      "templates/init/tests/module.test.ts#readme-credit",
      "templates/init/tests/module.test.ts#readme-refusal",
      "templates/init/vitest.config.ts",
      "templates/init/tests/module.test.ts#memory-limit",
      "templates/init/tests/module.test.ts#slow-credit",
      "templates/init/tests/module.test.ts#refusal",
      "templates/init/tests/module.test.ts#volume",
    ]);
  });

  it("the commands of its README section are the scaffold's scripts", () => {
    const from = guide.indexOf("## In the README");
    const section = guide.slice(from, guide.indexOf("\n## ", from + 5));
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
