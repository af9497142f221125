// `npm run bench:runtimes`: the echo (examples/stream_echo.ts) built with each of AssemblyScript's runtimes, measured
// side by side against the WAT echo in one run of the bench (bench/run.ts), so that the memory design's choice of
// runtime is judged on ratios from interleaved rounds.
//
//   node dist/bench/runtimes.js [--runtimes minimal,incremental] [any option of bench/run.ts]
//
// Each build is asc with the repository's asconfig.json (the preset: same `use` list, release target) plus
// `--runtime <name>`, into build/bench/echo_<name>.wasm. The bench then runs with `--variants b` (the WAT echo; the
// builds here replace a), each build as `--variant <name>=…`, and `--results-prefix runtimes-`, so its JSON goes to
// bench/results/runtimes-{latest,wasmtime}.json; options given here are passed on and win.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { benchOut, buildSdkEcho, root } from "./harness.js";

const args = process.argv.slice(2);
const at = args.indexOf("--runtimes");
const runtimes = (at >= 0 ? args.splice(at, 2)[1] : "minimal,incremental").split(",").filter(Boolean);

const variantArgs: string[] = [];
for (const runtime of runtimes) {
  const out = join(benchOut, `echo_${runtime}.wasm`);
  console.log(`building ${out} (--runtime ${runtime})`);
  await buildSdkEcho(out, ["--runtime", runtime]);
  variantArgs.push("--variant", `${runtime}=${out}`);
}

const defaults = [
  ...(args.includes("--variants") ? [] : ["--variants", "b"]),
  ...(args.includes("--results-prefix") ? [] : ["--results-prefix", "runtimes-"]),
];
const run = spawnSync(
  process.execPath,
  ["--expose-gc", join(root, "dist/bench/run.js"), ...defaults, ...variantArgs, ...args],
  { stdio: "inherit" },
);
process.exit(run.status ?? 1);
