// Builds modules with the WASI profile (asconfig.wasi.json) into build/wasi/:
//   node scripts/build-wasi.mjs [target]
// It builds the echo (examples/stream_echo.ts), examples/wasi/*.ts and the runtime_hooks fixture (abort, trace
// and seed under WASI).
//
// asconfig.wasi.json is written for an installed package: its "lib" points at the sibling
// node_modules/@assemblyscript/wasi-shim. Here the shim sits in ./node_modules, so this script compiles with
// a copy of the preset whose "lib" points there (asc joins an absolute "lib" onto its base directory, so
// the path has to stay relative).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { compileEach } from "./compile.mjs";

const target = process.argv[2] ?? "release";
const outDir = "build/wasi";
mkdirSync(outDir, { recursive: true });

const preset = JSON.parse(readFileSync("asconfig.wasi.json", "utf8"));
preset.options.lib = [relative(outDir, "node_modules/@assemblyscript/wasi-shim/assembly")];
const config = join(outDir, "asconfig.json");
writeFileSync(config, JSON.stringify(preset, null, 2));

const tsIn = (dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => join(dir, name));
const entries = [
  "examples/stream_echo.ts",
  ...tsIn("examples/wasi"),
  "tests/fixtures/runtime_hooks.ts",
  "tests/fixtures/logger.ts",
];

const ok = await compileEach(entries, outDir, ["--config", config, "--target", target]);
process.exit(ok ? 0 : 1);
