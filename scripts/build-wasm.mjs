// Compiles every AssemblyScript entry file in a folder with asconfig.json's release target:
//   node scripts/build-wasm.mjs examples build          -> build/stream_echo.wasm, …
//   node scripts/build-wasm.mjs tests/fixtures build/fixtures
import asc from "assemblyscript/asc";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

const [sourceDir, outDir, target = "release"] = process.argv.slice(2);
if (!sourceDir || !outDir) {
  console.error("usage: node scripts/build-wasm.mjs <source-dir> <out-dir> [target]");
  process.exit(2);
}

const entries = readdirSync(sourceDir).filter((name) => name.endsWith(".ts"));
if (entries.length === 0) {
  console.error(`no .ts entry files in ${sourceDir}`);
  process.exit(2);
}

let failed = false;
for (const entry of entries) {
  const outFile = join(outDir, `${basename(entry, ".ts")}.wasm`);
  const { error, stderr } = await asc.main([
    join(sourceDir, entry),
    "--target",
    target,
    "--outFile",
    outFile,
  ]);
  if (error) {
    console.error(`${entry}: ${error.message}\n${stderr.toString()}`);
    failed = true;
  } else {
    console.log(`built ${outFile}`);
  }
}
process.exit(failed ? 1 : 0);
