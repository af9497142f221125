// Builds or checks every module of the project: each `assembly/*.ts` file that exports the ABI
// (`export * from "ixt-sdk-as/exports"`) is one module. `assembly/index.ts` builds to build/module.wasm,
// `assembly/<name>.ts` to build/<name>.wasm (`--debug`: build/<name>.debug.wasm, the debug target).
// Helpers a module imports go in the same folder or a subfolder; they are not modules.
//
//   node scripts/modules.mjs build [--debug]   (npm run build, npm run build:debug)
//   node scripts/modules.mjs check             (npm run check: ixt-as check on every built module)
//   node scripts/modules.mjs list              (each module: its entry, release and debug outputs)
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The modules in assembly/, as `moduleEntries()` of ixt-sdk-as/testing finds them (the tests use that). */
function moduleEntries(dir = "assembly") {
  const exportsLine = /^\s*export\s+\*\s+from\s+["']ixt-sdk-as\/exports["']/m;
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .sort()
    .filter((file) => exportsLine.test(readFileSync(join(dir, file), "utf8")))
    .map((file) => {
      const name = file.slice(0, -3);
      const out = name === "index" ? "module" : name;
      return {
        entry: `${dir}/${file}`,
        name,
        wasm: `build/${out}.wasm`,
        debugWasm: `build/${out}.debug.wasm`,
      };
    });
}

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
} else if (command === "list") {
  for (const m of modules) console.log(`${m.entry} ${m.wasm} ${m.debugWasm}`);
} else {
  console.error("usage: node scripts/modules.mjs build [--debug] | check | list");
  process.exit(2);
}
