// In-language unit tests (tests/unit/*.ts): each file is compiled with the preset on its own, without the
// dispatcher, and every exported `test_*` function is called; it returns 0 when it passed, otherwise the
// number of the check that failed. They test one layer of the SDK at a time: the queue, the table, the heap.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { benchOut, compileAs, root } from "../bench/harness.js";

const units = readdirSync(join(root, "tests/unit")).filter((f) => f.endsWith(".ts"));
const built = new Map<string, WebAssembly.Instance>();

beforeAll(async () => {
  for (const unit of units) {
    const out = join(benchOut, "unit", unit.replace(/\.ts$/, ".wasm"));
    await compileAs(`tests/unit/${unit}`, out, [
      "--config",
      join(root, "asconfig.json"),
      "--target",
      "release",
    ]);
    const refuse = () => 2; // the ixt imports: nothing here sends
    const { instance } = await WebAssembly.instantiate(readFileSync(out), {
      ixt: { stream_send_data: refuse, stream_send_close: refuse, stream_send_error: refuse },
    });
    built.set(unit, instance);
  }
}, 240_000);

for (const unit of units) {
  describe(`tests/unit/${unit}`, () => {
    it("every test_* export returns 0", () => {
      const exports = built.get(unit)!.exports as Record<string, unknown>;
      const tests = Object.keys(exports).filter((name) => name.startsWith("test_"));
      expect(tests.length).toBeGreaterThan(0);
      const results = Object.fromEntries(tests.map((name) => [name, (exports[name] as () => number)()]));
      expect(results).toEqual(Object.fromEntries(tests.map((name) => [name, 0])));
    });
  });
}
