// vitest's global setup: builds the examples, the test fixtures and the WASI-profile modules before the
// suite (scripts/build-wasm.mjs, scripts/build-wasi.mjs), unless nothing they are built from changed since
// the last build. A SHA-256 of every input file (the SDK, the examples, the fixtures, the asc configs, the
// build scripts, the compiler's version) is kept in build/.inputs.sha256; IXT_REBUILD=1 builds anyway.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const STAMP = join(root, "build", ".inputs.sha256");
const INPUT_DIRS = ["assembly", "examples", "tests/fixtures"];
const INPUT_FILES = [
  "index.ts",
  "exports.ts",
  "asconfig.json",
  "asconfig.preset.json",
  "asconfig.wasi.json",
  "scripts/compile.mjs",
  "scripts/build-wasm.mjs",
  "scripts/build-wasi.mjs",
  "node_modules/assemblyscript/package.json",
  "node_modules/@assemblyscript/wasi-shim/package.json",
  "node_modules/json-as/package.json",
];
/** One output of each build: a build missing any of them runs again. */
const OUTPUTS = ["build/stream_echo.wasm", "build/fixtures/probe.wasm", "build/wasi/stream_echo.wasm"];

/** Every file under `dir` (relative to the repository), sorted. */
function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out.sort();
}

/** A SHA-256 over the names and bytes of every input file (a missing one counts as empty). */
export function inputsHash() {
  const hash = createHash("sha256");
  for (const path of [...INPUT_DIRS.flatMap(filesUnder), ...INPUT_FILES]) {
    const file = join(root, path);
    hash.update(`${path}\0`);
    if (existsSync(file) && statSync(file).isFile()) hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

export default function setup() {
  const hash = inputsHash();
  const fresh =
    process.env.IXT_REBUILD !== "1" &&
    OUTPUTS.every((path) => existsSync(join(root, path))) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, "utf8").trim() === hash;
  if (fresh) {
    console.log("modules up to date (build/.inputs.sha256); IXT_REBUILD=1 builds them anyway");
    return;
  }
  const node = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  node(["scripts/build-wasm.mjs", "examples", "build"]);
  node(["scripts/build-wasm.mjs", "tests/fixtures", "build/fixtures"]);
  node(["scripts/build-wasi.mjs"]);
  writeFileSync(STAMP, `${hash}\n`);
}
