import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000, // a test's first loadModule builds the module with asc: a few seconds
    // Each test file runs against the debug build, then the release build (loadModule reads IXT_TARGET).
    projects: ["debug", "release"].map((t) => ({ extends: true, test: { name: t, env: { IXT_TARGET: t } } })),
  },
});
