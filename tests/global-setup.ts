// Compiles the examples and test fixtures once before the suite, so `vitest` alone works.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  for (const [source, out] of [
    ["examples", "build"],
    ["tests/fixtures", "build/fixtures"],
  ]) {
    execFileSync(process.execPath, ["scripts/build-wasm.mjs", source, out], { stdio: "inherit" });
  }
}
