import { defineConfig } from "vitest/config";

// Every test file runs twice: against the debug build, whose guards catch a StreamFrame kept past its
// callback or a send on an ended stream, and against the release build the runtime gets. loadModule
// builds the target named by IXT_TARGET. One of them alone: npx vitest run --project debug
export default defineConfig({
  test: {
    // A test's first loadModule builds the module with asc, which takes a few seconds; later loads of an
    // unchanged module come from the cache.
    testTimeout: 60_000,
    projects: ["debug", "release"].map((target) => ({
      extends: true,
      test: { name: target, include: ["tests/**/*.test.ts"], env: { IXT_TARGET: target } },
    })),
  },
});
