import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Builds the modules the tests load, skipped when none of their inputs changed.
    globalSetup: ["scripts/vitest-setup.mjs"],
    testTimeout: 60_000,
    // Hooks build modules (asc), which takes a while on a loaded machine.
    hookTimeout: 120_000,
    reporters: ["default", "./tests/summary-reporter.ts"],
  },
});
