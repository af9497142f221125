// Compiles every AssemblyScript entry file in a folder with asconfig.json's release target:
//   node scripts/build-wasm.mjs examples build          -> build/stream_echo.wasm, …
//   node scripts/build-wasm.mjs tests/fixtures build/fixtures
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { compileEach } from "./compile.mjs";

const [sourceDir, outDir, target = "release"] = process.argv.slice(2);
if (!sourceDir || !outDir) {
  console.error("usage: node scripts/build-wasm.mjs <source-dir> <out-dir> [target]");
  process.exit(2);
}

const entries = readdirSync(sourceDir).filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts")); // a test beside an example is not a module
if (entries.length === 0) {
  console.error(`no .ts entry files in ${sourceDir}`);
  process.exit(2);
}

const ok = await compileEach(
  entries.map((entry) => join(sourceDir, entry)),
  outDir,
  ["--target", target],
);
process.exit(ok ? 0 : 1);
