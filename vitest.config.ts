import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts", "tests/global-setup-wasi.ts"],
    testTimeout: 60_000,
    // Hooks build modules (asc), which takes a while on a loaded machine.
    hookTimeout: 120_000,
    reporters: ["default", "./tests/summary-reporter.ts"],
  },
});
