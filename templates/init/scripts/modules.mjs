// Builds or checks every module of the project: each `assembly/*.ts` file that exports the ABI
// (`export * from "ixt-sdk-as/exports"`) is one module. `assembly/index.ts` builds to build/module.wasm,
// `assembly/<name>.ts` to build/<name>.wasm (`--debug`: build/<name>.debug.wasm, the debug target).
// Helpers a module imports go in the same folder or a subfolder; they are not modules.
//
//   node scripts/modules.mjs build [--debug]   (npm run build, npm run build:debug)
//   node scripts/modules.mjs check             (npm run check: ixt-as check on every built module)
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { moduleEntries } from "ixt-sdk-as/testing";

const [command, ...flags] = process.argv.slice(2);
const debug = flags.includes("--debug");
const modules = moduleEntries();
if (modules.length === 0) {
  console.error(
    'no module in assembly/: a module is a .ts file there with export * from "ixt-sdk-as/exports"',
  );
  process.exit(1);
}
const require = createRequire(import.meta.url);
const run = (script, args) => {
  const result = spawnSync(process.execPath, [script, ...args], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

if (command === "build") {
  for (const { entry, wasm, debugWasm } of modules) {
    const out = debug ? debugWasm : wasm;
    console.log(`${entry} -> ${out}`);
    run(require.resolve("assemblyscript/bin/asc.js"), [
      entry,
      "--target",
      debug ? "debug" : "release",
      "--outFile",
      out,
    ]);
  }
} else if (command === "check") {
  const sdk = dirname(require.resolve("ixt-sdk-as/package.json"));
  run(join(sdk, "dist", "cli", "ixt-as.js"), ["check", ...modules.map((m) => m.wasm)]);
} else {
  console.error("usage: node scripts/modules.mjs build [--debug] | check");
  process.exit(2);
}
