// Extra module builds to measure in the same run as the built-in variants (a, b, c, r, l, x): e.g. the echo built
// with `--runtime minimal` and with `--runtime incremental` (bench/runtimes.ts), so that their ratios to the WAT
// echo come from rounds interleaved with it.
//
//   IXT_BENCH_VARIANTS=minimal=build/bench/echo_minimal.wasm,incremental=build/bench/echo_incremental.wasm
//   node dist/bench/run.js --variant minimal=build/bench/echo_minimal.wasm --variant incremental=…
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** The built-in variant keys, which an extra variant may not take. */
export const BUILT_IN_KEYS: ReadonlySet<string> = new Set(["a", "b", "c", "r", "l", "x"]);

/** An extra module to measure: its name (the key in tables and JSON) and its path. */
export interface ExtraVariant {
  name: string;
  path: string;
}

/**
 * Parses `name=path[,name=path…]` (empty entries are ignored). Paths are resolved against `cwd`. Throws a
 * `RangeError` naming the entry when a name is not `[A-Za-z][A-Za-z0-9_-]*`, is a built-in key or is given twice,
 * when an entry has no `=` or no path, or when a file does not exist.
 */
export function parseVariants(specs: readonly string[], cwd: string = process.cwd()): ExtraVariant[] {
  const out: ExtraVariant[] = [];
  for (const entry of specs.flatMap((s) => s.split(",")).map((e) => e.trim())) {
    if (!entry) continue;
    const eq = entry.indexOf("=");
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const path = eq < 0 ? "" : entry.slice(eq + 1);
    if (!path) throw new RangeError(`variant "${entry}": expected name=path.wasm`);
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name))
      throw new RangeError(`variant "${entry}": a name is a letter, then letters, digits, _ or -`);
    if (BUILT_IN_KEYS.has(name))
      throw new RangeError(`variant "${entry}": ${name} is a built-in variant's key`);
    if (out.some((v) => v.name === name)) throw new RangeError(`variant "${entry}": ${name} is given twice`);
    const full = resolve(cwd, path);
    if (!existsSync(full)) throw new RangeError(`variant "${entry}": ${full} does not exist`);
    out.push({ name, path: full });
  }
  return out;
}

/** The extra variants of this run: `IXT_BENCH_VARIANTS`, then every `--variant` argument, in order. */
export function variantsFrom(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ExtraVariant[] {
  const specs = env.IXT_BENCH_VARIANTS ? [env.IXT_BENCH_VARIANTS] : [];
  argv.forEach((a, i) => {
    if (a === "--variant" && i + 1 < argv.length) specs.push(argv[i + 1]);
  });
  return parseVariants(specs);
}
