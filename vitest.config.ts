import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts", "tests/global-setup-wasi.ts"],
    testTimeout: 60_000,
    reporters: ["default", "./tests/summary-reporter.ts"],
  },
});
