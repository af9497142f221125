import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // A test's first loadModule builds the module with asc, which takes a few seconds; later loads of an
    // unchanged module come from the cache.
    testTimeout: 60_000,
  },
});
