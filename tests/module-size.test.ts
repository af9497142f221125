// The release echo's size (the preset's incremental runtime) against the budget recorded in
// bench/size-budget.json: fails when it grows more than the budget's headroom (10%). `npm run bench`
// prints the same sizes.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../bench/harness.js";
import { example } from "./helpers.js";

interface Budget {
  headroom: number;
  budgets: Record<string, number>;
}

const budget: Budget = JSON.parse(readFileSync(join(root, "bench/size-budget.json"), "utf8"));
describe("release module size", () => {
  it.each([["stream_echo (incremental runtime)", () => example("stream_echo")]])(
    "%s stays within its budget + 10%%",
    (name, path) => {
      const recorded = budget.budgets[name];
      expect(recorded, `no budget recorded for ${name}`).toBeGreaterThan(0);
      const size = statSync(path()).size;
      const limit = Math.floor(recorded * (1 + budget.headroom));
      expect(size, `${name} is ${size} bytes; budget ${recorded}, limit ${limit}`).toBeLessThanOrEqual(limit);
    },
  );
});
