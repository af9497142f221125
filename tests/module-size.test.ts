// The release echo's size, with the default (incremental) runtime and with `--runtime stub`, against the
// budget recorded in bench/size-budget.json: fails when either grows more than the budget's headroom (10%).
// `npm run bench` prints the same sizes.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { benchOut, buildSdkEcho, root } from "../bench/harness.js";
import { example } from "./helpers.js";

interface Budget {
  headroom: number;
  budgets: Record<string, number>;
}

const budget: Budget = JSON.parse(readFileSync(join(root, "bench/size-budget.json"), "utf8"));
// Its own output path: the bench smoke test builds a stub echo of its own in parallel.
const stubPath = join(benchOut, "size", "stream_echo_stub.wasm");

describe("release module size", () => {
  beforeAll(async () => {
    await buildSdkEcho(stubPath, ["--runtime", "stub"]);
  });

  it.each([
    ["stream_echo (incremental runtime)", () => example("stream_echo")],
    ["stream_echo (stub runtime)", () => stubPath],
  ])("%s stays within its budget + 10%%", (name, path) => {
    const recorded = budget.budgets[name];
    expect(recorded, `no budget recorded for ${name}`).toBeGreaterThan(0);
    const size = statSync(path()).size;
    const limit = Math.floor(recorded * (1 + budget.headroom));
    expect(size, `${name} is ${size} bytes; budget ${recorded}, limit ${limit}`).toBeLessThanOrEqual(limit);
  });
});
