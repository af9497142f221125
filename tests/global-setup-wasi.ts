// Builds the WASI-profile modules (build/wasi/, scripts/build-wasi.mjs) once before the suite, after
// tests/global-setup.ts has built the examples and fixtures.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build-wasi.mjs"], { stdio: "inherit" });
}
