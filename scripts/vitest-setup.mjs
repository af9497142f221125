// vitest's global setup: builds the examples, the test fixtures and the WASI-profile modules before the
// suite (scripts/build-wasm.mjs, scripts/build-wasi.mjs). The builds are incremental (scripts/compile.mjs):
// each output folder's `.inputs.json` records the files asc read for every module (its entry, what it
// imports transitively, the asc configs) with their hashes, and the compiler's version; only the modules
// whose recorded inputs changed are compiled again, so a change to one file under assembly/ rebuilds the
// modules that import it and nothing else. IXT_REBUILD=1 builds every module anyway; a fresh clone (CI) has
// no build/ and builds everything.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export default function setup() {
  const started = Date.now();
  const node = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  node(["scripts/build-wasm.mjs", "examples", "build"]);
  node(["scripts/build-wasm.mjs", "tests/fixtures", "build/fixtures"]);
  node(["scripts/build-wasi.mjs"]);
  console.log(`modules ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
