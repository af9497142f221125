// A trap names the author's source line: with a debug build's source map, GuestTrap.frames and its message
// (and `ixt-as run`) give file:line:column of each frame, the module's own first, and the message's first
// line starts with the author's file:line:column (GuestTrap.authorFrame); a release build says
// that the line needs the debug build. The fixture's bugs are found by their marker comments.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import {
  GuestTrap,
  IxtHost,
  NO_SOURCE_MAP_HINT,
  type TrapFrame,
  buildModule,
  loadModule,
  streamIdOf,
} from "../host-shim/testing.js";
import { fixture } from "./helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const FILE = "tests/fixtures/bug_lines.ts";
const source = readFileSync(`${root}${FILE}`, "utf8").split("\n");

/** The line (from 1) of the fixture that carries `marker`, e.g. "BUG: index". */
function lineOf(marker: string): number {
  const index = source.findIndex((line) => line.includes(`// ${marker}`));
  if (index < 0) throw new Error(`no "${marker}" in ${FILE}`);
  return index + 1;
}

/** The GuestTrap that a Data frame with `command` throws on a fresh stream. */
function trapOn(host: IxtHost, command: string, n: number): GuestTrap {
  const id = streamIdOf(n);
  expect(host.open(id)).toBe(0);
  try {
    host.data(id, command);
  } catch (err) {
    expect(err).toBeInstanceOf(GuestTrap);
    return err as GuestTrap;
  }
  throw new Error(`"${command}" did not trap`);
}

const own = (trap: GuestTrap): TrapFrame[] => trap.frames.filter((f) => f.origin === "module");

/** What each command's trap must say: the fixture lines of the module's own frames, innermost first. */
const cases: [command: string, lines: () => number[], innermost: string][] = [
  ["index", () => [lineOf("BUG: index"), lineOf("CALL: index")], "readPast"],
  ["abort", () => [lineOf("BUG: abort")], "BugLines#onData"],
  ["assert", () => [lineOf("BUG: assert"), lineOf("CALL: assert")], "checkPositive"],
];

let debug = "";

beforeAll(async () => {
  debug = await buildModule(FILE, { target: "debug" });
}, 120_000);

describe("a debug build's trap", () => {
  it("buildModule keeps the source map next to the module", () => {
    expect(existsSync(`${debug}.map`)).toBe(true);
    expect(JSON.parse(readFileSync(`${debug}.map`, "utf8")).sources).toContain(FILE);
  });

  it.each(cases)(
    "%s: GuestTrap.frames and the message name the fixture's lines (IxtHost.load finds <path>.map)",
    async (command, lines, innermost) => {
      const host = await IxtHost.load(debug, { resumeAfterTrap: true });
      expect(host.logs).toEqual([{ level: "info", message: "bug_lines ready" }]); // start function moved
      const trap = trapOn(host, command, 1);
      expect(trap.hasSourceMap).toBe(true);
      expect(own(trap).map((f) => [f.file, f.line])).toEqual(lines().map((line) => [FILE, line]));
      expect(own(trap)[0].function).toBe(innermost);
      expect(own(trap)[0].column).toBeGreaterThan(1);
      // The SDK's frames are there too, marked: the abort that trapped and the dispatcher.
      expect(trap.frames.some((f) => f.origin === "sdk" && f.function === "__ixt_abort")).toBe(true);
      // The message: the author's line first, then what happened, then the module's frames, then the
      // others, marked. GuestTrap.authorFrame is the innermost frame of the module's own code.
      expect(trap.authorFrame).toEqual(own(trap)[0]);
      const [first, ...where] = trap.message.split("\n");
      const at = own(trap)[0];
      expect(first.startsWith(`${FILE}:${lines()[0]}:${at.column}: guest trapped (unreachable): `)).toBe(
        true,
      );
      const expected = lines().map((line) => new RegExp(` \\(${FILE}:${line}:\\d+\\)$`));
      where.slice(0, expected.length).forEach((text, i) => expect(text).toMatch(expected[i]));
      expect(where.slice(expected.length).every((text) => / \[(sdk|library)\]$/.test(text))).toBe(true);
    },
  );

  it("an out-of-bounds index: the std frame is marked [library], below the author's", async () => {
    const host = await IxtHost.load(debug);
    const trap = trapOn(host, "index", 1);
    expect(trap.abortMessage).toMatch(/^Index out of range at ~lib\/array\.ts:\d+$/);
    expect(trap.frames.find((f) => f.file === "~lib/array.ts")?.origin).toBe("library");
    // The column, from 1, of the expression that read past the end.
    const line = lineOf("BUG: index");
    expect(own(trap)[0].column).toBe(source[line - 1].indexOf("values[n]") + 1);
    expect(trap.frames.findIndex((f) => f.file === "~lib/array.ts")).toBeLessThan(
      trap.frames.findIndex((f) => f.origin === "module"),
    ); // innermost first in frames
  });

  it("loadModule with the debug target loads the map from the cache", async () => {
    const host = await loadModule(FILE, { target: "debug" });
    expect(own(trapOn(host, "index", 1))[0]).toMatchObject({ file: FILE, line: lineOf("BUG: index") });
  });

  it("takes the map as an option, also for a compiled module (whose code the shim does not move)", async () => {
    const bytes = new Uint8Array(readFileSync(debug));
    const noMap = await IxtHost.load(bytes);
    const bare = trapOn(noMap, "index", 1);
    expect(bare.hasSourceMap).toBe(false);
    expect(bare.frames).toEqual([]);

    const withMap = await IxtHost.load(bytes, { sourceMap: `${debug}.map` });
    expect(own(trapOn(withMap, "index", 1))[0].line).toBe(lineOf("BUG: index"));
    const compiled = await IxtHost.load(await WebAssembly.compile(bytes), { sourceMap: `${debug}.map` });
    expect(own(trapOn(compiled, "index", 1)).map((f) => f.line)).toEqual([
      lineOf("BUG: index"),
      lineOf("CALL: index"),
    ]);
    await expect(IxtHost.load(bytes, { sourceMap: `${debug}.nope` })).rejects.toThrow(
      /cannot read the source map/,
    );
  });

  it("ixt-as run prints the frames under the frame that trapped", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["run", debug, "--data", "assert"], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(code).toBe(1);
    const trapped = out.findIndex((l) => /-> Data {3}"assert" +dispatcher: trapped \(unreachable\)/.test(l));
    expect(trapped).toBeGreaterThan(0);
    expect(out[trapped + 1]).toMatch(
      new RegExp(`^ {7}at checkPositive \\(${FILE}:${lineOf("BUG: assert")}:\\d+\\)$`),
    );
    expect(out[trapped + 2]).toMatch(new RegExp(`\\(${FILE}:${lineOf("CALL: assert")}:\\d+\\)$`));
    // The author's line first (file:line:column, function), then the module's message.
    const bug = `${FILE}:${lineOf("BUG: assert")}`;
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      new RegExp(`^ixt-as: the module trapped at ${bug}:\\d+ \\(checkPositive\\): abort at ${bug}$`),
    );
  });
});

describe("a release build's trap", () => {
  it("says that the source line needs the debug build, in GuestTrap's message and in ixt-as run", async () => {
    const host = await IxtHost.load(fixture("bug_lines"));
    const trap = trapOn(host, "index", 1);
    expect(trap.hasSourceMap).toBe(false);
    expect(trap.frames).toEqual([]);
    expect(trap.authorFrame).toBeUndefined();
    const lines = trap.message.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^guest trapped \(unreachable\): Index out of range at ~lib\/array\.ts:\d+$/);
    expect(lines[1]).toBe(`    (${NO_SOURCE_MAP_HINT})`);
    expect(NO_SOURCE_MAP_HINT).toMatch(/npm run build:debug/);

    const out: string[] = [];
    await main(["run", fixture("bug_lines"), "--data", "abort"], { out: (l) => out.push(l), err: () => {} });
    const trapped = out.findIndex((l) => /dispatcher: trapped/.test(l));
    expect(out[trapped + 1]).toBe(`       (${NO_SOURCE_MAP_HINT})`);
  });
});
