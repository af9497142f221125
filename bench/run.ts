// `npm run bench`: the echo benchmark of issue 5. A benchmark, not a test: it prints medians and ratios
// and writes them to bench/results/latest.json; nothing here passes or fails on time.
//
//   node dist/bench/run.js [--rounds N] [--batch-ms MS] [--variants a,b,c,s] [--modes shim,lean]
//                          [--candidate path.wasm] [--no-write] [--record-sizes]
//
// `--candidate` adds a module as variant x (e.g. an SDK change built elsewhere), measured in the same rounds.
// `--record-sizes` writes the echo's current release sizes to bench/size-budget.json (the budget that
// tests/module-size.test.ts guards with 10% headroom): for a deliberate change of size.
//
// For each driver mode and payload size it runs every variant (see harness.ts) on one stream, interleaved:
// each round runs each variant once for the same number of frames, in an order that rotates from round to
// round, and the table reports the median ns per frame over the rounds.
//   shim  frames go through the host shim (IxtHost.dispatch), as the issue describes
//   lean  a minimal runtime loop (alloc, copy in, dispatch, dealloc; the import only checks bounds), where
//         the guest's share of the time is not hidden by the shim's bookkeeping
import { cpus, totalmem, type as osType, release as osRelease } from "node:os";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import {
  type Driver,
  type Variant,
  PAYLOAD_SIZES,
  buildBenchModules,
  checkEcho,
  leanDriver,
  payloadOf,
  root,
  shimDriver,
  variants,
} from "./harness.js";

type Mode = "shim" | "lean";

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const rounds = Number(option("rounds", "15"));
const batchMs = Number(option("batch-ms", "20"));
const candidate = option("candidate", "");
const all: Record<string, Variant> = { ...variants };
if (candidate) all.x = { key: "x", label: `candidate ${candidate}`, path: candidate, zeroCopy: true };
const keys = option("variants", "a,b,c")
  .split(",")
  .concat(candidate ? ["x"] : []);
const modes = option("modes", "shim,lean").split(",") as Mode[];
const write = !process.argv.includes("--no-write");
const recordSizes = process.argv.includes("--record-sizes");

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// With `node --expose-gc` (as `npm run bench` runs it), every batch starts on a collected heap, so one
// variant's garbage (the shim's payload copies) is not collected during another's batch.
const collect = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

/** Nanoseconds per frame for `n` frames. */
function time(driver: Driver, n: number): number {
  collect();
  const start = process.hrtime.bigint();
  const results = driver.run(n);
  const ns = Number(process.hrtime.bigint() - start);
  if (results !== 0) throw new Error(`dispatcher returned non-zero (${results}) during the benchmark`);
  return ns / n;
}

/** Frames per batch so that the fastest variant's batch takes about `batchMs`. */
function calibrate(drivers: Driver[]): number {
  let n = 1;
  for (;;) {
    const fastest = Math.min(...drivers.map((d) => time(d, n) * n));
    if (fastest >= batchMs * 1e6 || n >= 1 << 24)
      return Math.max(1, Math.round((n * batchMs * 1e6) / fastest));
    n *= 2;
  }
}

const sizeLabel = (size: number): string =>
  size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;
/** MB/s of payload (10^6 bytes per second). */
const mbps = (size: number, ns: number): number => (size * 1e3) / ns;

interface Row {
  mode: Mode;
  size: number;
  framesPerBatch: number;
  nsPerFrame: Record<string, number>;
  mbPerSec: Record<string, number>;
  /** Every round's ns per frame, per variant. */
  samples: Record<string, number[]>;
  ratios: Record<string, number>;
  /** Lowest and highest per-round a/b, as a noise indication. */
  abRoundRange?: [number, number];
}

async function measure(mode: Mode, size: number): Promise<Row> {
  const payload = payloadOf(size);
  const make = mode === "shim" ? shimDriver : leanDriver;
  const drivers = await Promise.all(keys.map((k) => make(all[k].path, payload)));
  // Warm up: let V8 tier up every variant's code and the driver loop.
  for (let w = 0; w < 3; w++)
    for (const d of drivers) time(d, Math.max(1, Math.min(2000, (1 << 24) / (size + 1))));
  const n = calibrate(drivers);
  const samples = keys.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < keys.length; j++) {
      const i = (r + j) % keys.length;
      samples[i].push(time(drivers[i], n));
    }
  }
  const row: Row = { mode, size, framesPerBatch: n, nsPerFrame: {}, mbPerSec: {}, samples: {}, ratios: {} };
  keys.forEach((k, i) => {
    row.nsPerFrame[k] = median(samples[i]);
    row.mbPerSec[k] = mbps(size, row.nsPerFrame[k]!);
    row.samples[k] = samples[i];
  });
  const ns = row.nsPerFrame;
  if (ns.a !== undefined && ns.b !== undefined) {
    row.ratios["a/b"] = ns.a / ns.b;
    const perRound = samples[keys.indexOf("a")].map((a, r) => a / samples[keys.indexOf("b")][r]);
    row.abRoundRange = [Math.min(...perRound), Math.max(...perRound)];
  }
  if (ns.a !== undefined && ns.c !== undefined) row.ratios["a/c"] = ns.a / ns.c;
  for (const k of ["s", "x"])
    if (ns[k] !== undefined && ns.b !== undefined) row.ratios[`${k}/b`] = ns[k] / ns.b;
  if (ns.x !== undefined && ns.a !== undefined) row.ratios["x/a"] = ns.x / ns.a;
  return row;
}

const fmt = (x: number | undefined, digits = 0): string => (x === undefined ? "" : x.toFixed(digits));

function table(rows: Row[]): string {
  const head = [
    "payload",
    ...keys.map((k) => `${k} ns/frame`),
    ...keys.map((k) => `${k} MB/s`),
    ...Object.keys(rows[0].ratios),
    "a/b per round",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---:").join("|")}|`];
  for (const row of rows) {
    const cells = [
      sizeLabel(row.size),
      ...keys.map((k) => fmt(row.nsPerFrame[k])),
      ...keys.map((k) => (row.size === 0 ? "–" : fmt(row.mbPerSec[k]))),
      ...Object.values(row.ratios).map((x) => fmt(x, 2)),
      row.abRoundRange ? `${fmt(row.abRoundRange[0], 2)}–${fmt(row.abRoundRange[1], 2)}` : "",
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

const moduleSizes = (): Record<string, number> => ({
  "stream_echo (incremental runtime)": statSync(variants.a.path).size,
  "stream_echo (stub runtime)": statSync(variants.s.path).size,
  "hand-written WAT echo": statSync(variants.b.path).size,
  "plain AS echo (incremental runtime)": statSync(variants.c.path).size,
});

/** Writes `value` as JSON formatted the way `prettier --check` expects. */
async function writeJson(file: string, value: unknown): Promise<void> {
  const config = await prettier.resolveConfig(file);
  writeFileSync(file, await prettier.format(JSON.stringify(value), { ...config, parser: "json" }));
}

async function main(): Promise<void> {
  await buildBenchModules();
  const sizes = moduleSizes();
  console.log("Release module sizes (bytes):");
  for (const [name, bytes] of Object.entries(sizes)) console.log(`  ${name.padEnd(40)} ${bytes}`);
  if (recordSizes) {
    const file = join(root, "bench/size-budget.json");
    const budget = JSON.parse(readFileSync(file, "utf8"));
    for (const name of Object.keys(budget.budgets)) budget.budgets[name] = sizes[name];
    await writeJson(file, budget);
    console.log(`recorded the echo's sizes in ${file}`);
  }

  for (const k of keys) {
    const { problems } = await checkEcho(all[k].path);
    if (problems.length) throw new Error(`${all[k].label} does not echo: ${problems.join("; ")}`);
  }
  console.log(`\nVariants: ${keys.map((k) => `${k} = ${all[k].label}`).join(", ")}`);
  console.log(`${rounds} rounds, ~${batchMs} ms per batch, medians; ratios are of the medians.`);

  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${osRelease()}`,
    node: process.version,
  };
  const allRows: Row[] = [];
  for (const mode of modes) {
    const rows: Row[] = [];
    for (const size of PAYLOAD_SIZES) rows.push(await measure(mode, size));
    allRows.push(...rows);
    console.log(`\n${mode === "shim" ? "Through the host shim" : "Lean runtime loop"}:\n${table(rows)}`);
  }

  if (write) {
    const dir = join(root, "bench/results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "latest.json");
    await writeJson(file, {
      date: new Date().toISOString(),
      machine,
      rounds,
      batchMs,
      variants: Object.fromEntries(keys.map((k) => [k, all[k].label])),
      moduleSizes: sizes,
      results: allRows,
    });
    console.log(`\nwrote ${file}`);
  }
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}`);
}

await main();
