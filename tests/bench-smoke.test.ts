// The CI smoke version of `npm run bench`: builds the bench's variants from bench/ and checks only that
// each one echoes correctly (and copies, or not, as it should). No timing.
import { beforeAll, describe, expect, it } from "vitest";
import {
  PAYLOAD_SIZES,
  type VariantKey,
  buildBenchModules,
  checkEcho,
  leanDriver,
  payloadOf,
  shimDriver,
  variants,
} from "../bench/harness.js";

const keys: VariantKey[] = ["a", "b", "c"];

describe("bench variants", () => {
  beforeAll(async () => {
    // b and c; a is build/stream_echo.wasm from the global setup.
    await buildBenchModules();
  });

  it.each(keys)("%s echoes every payload size byte for byte and answers Close", async (key) => {
    const { problems, zeroCopy } = await checkEcho(variants[key].path);
    expect(problems).toEqual([]);
    // The SDK and the WAT echo send the inbound bytes themselves; the plain echo sends its copy.
    for (const size of PAYLOAD_SIZES) {
      if (size > 0) expect(zeroCopy[size], `${size} B`).toBe(variants[key].zeroCopy);
    }
  });

  it.each(keys)("%s runs under both of the runner's drivers", async (key) => {
    for (const size of [0, 1024]) {
      for (const driver of [shimDriver, leanDriver]) {
        const run = await driver(variants[key].path, payloadOf(size));
        expect(run.run(100)).toBe(0);
      }
    }
  });
});
