import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The examples' tests import "ixt-sdk-as/testing" as an author's do: here it is the repository's own
  // source, so the suite needs no build of dist/ first.
  resolve: {
    alias: { "ixt-sdk-as/testing": fileURLToPath(new URL("host-shim/testing.ts", import.meta.url)) },
  },
  test: {
    include: ["tests/**/*.test.ts", "examples/**/*.test.ts", "docs/guides/examples/**/*.test.ts"],
    // Builds the modules the tests load, skipped when none of their inputs changed.
    globalSetup: ["scripts/vitest-setup.mjs"],
    testTimeout: 60_000,
    // Hooks build modules (asc), which takes a while on a loaded machine.
    hookTimeout: 120_000,
    reporters: ["default", "./tests/summary-reporter.ts"],
  },
});
