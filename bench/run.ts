// `npm run bench`: the echo benchmark of issues 5 and 10. A benchmark, not a test: it prints medians and
// ratios and writes them to bench/results/latest.json (V8) and bench/results/wasmtime.json (wasmtime); nothing
// here passes or fails on time.
//
//   node dist/bench/run.js [--rounds N] [--batch-ms MS] [--variants a,b,c,r,l] [--modes shim,lean]
//                          [--candidate path.wasm] [--variant name=path.wasm]... [--no-write] [--record-sizes]
//                          [--engines v8,wasmtime] [--processes N] [--wasmtime-rounds N] [--no-rust]
//                          [--v8-clock wall|cpu] [--cold-rounds N] [--results-prefix P]
//
// bench/README.md describes the method, the figures and the targets they are printed against.
//
// Two engines: V8 (this process, the drivers below) and wasmtime (bench/wasmtime/driver.c, a native host on
// wasmtime's C API, built here with the system C compiler; see bench/wasmtime.ts). The wasmtime part is skipped
// with a message when there is no C compiler or no `wasmtime` Python wheel (which ships libwasmtime).
// The Rust echo (r, and l built with LTO; bench/rust_echo) joins both engines when a wasm32 Rust target is
// installed, and is skipped with a message otherwise.
//
// `--candidate` adds a module as variant x (e.g. an SDK change built elsewhere), measured in the same rounds.
// `--variant name=path.wasm` (repeatable) and `IXT_BENCH_VARIANTS=name=path,…` add more, each under its name
// (bench/variants.ts); every one of them, and a and x, is held against the issue's targets (bench/targets.ts).
// `--cold-rounds N` (default 300; 0: none) sets the cold requests per module in each engine (bench/cold.ts).
// `--results-prefix P` writes bench/results/P{latest,wasmtime}.json instead.
// `--record-sizes` writes the echo's current release sizes to bench/size-budget.json (the budget that
// tests/module-size.test.ts guards with 10% headroom): for a deliberate change of size.
//
// For each driver mode and payload size it runs every variant (see harness.ts) on one stream, interleaved:
// each round runs each variant once for the same number of frames, in an order that rotates from round to
// round, and the table reports the median ns per frame over the rounds.
//   shim  frames go through the host shim (IxtHost.dispatch), as the issue describes
//   lean  a minimal runtime loop (alloc, copy in, dispatch, dealloc; the import only checks bounds), where
//         the guest's share of the time is not hidden by the shim's bookkeeping
import { cpus, loadavg, totalmem, type as osType, release as osRelease } from "node:os";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
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
import { type WasmtimeResult, buildDriver, buildRustEchoes, runProcesses, toolVersions } from "./wasmtime.js";
import {
  type ColdFigures,
  coldFiguresOf,
  coldTable,
  measureColdV8,
  pagesTable,
  wasmtimeTargets,
} from "./cold.js";
import { pairedTable, targetsTable } from "./targets.js";
import { variantsFrom } from "./variants.js";

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
let keys = option("variants", "a,b,c")
  .split(",")
  .concat(candidate ? ["x"] : []);
const extras = variantsFrom(process.argv);
for (const v of extras)
  all[v.name] = { key: v.name, label: relative(root, v.path), path: v.path, zeroCopy: true };
/** The modules held against the targets: the SDK echo, the candidate and the extra variants. */
const targeted = new Set(["a", "x", ...extras.map((v) => v.name)]);
const engines = option("engines", "v8,wasmtime").split(",");
const processes = Number(option("processes", "3"));
const wasmtimeRounds = Number(option("wasmtime-rounds", String(rounds)));
const withRust = !process.argv.includes("--no-rust");
// `--v8-clock cpu` times V8 batches in process CPU time (process.cpuUsage, µs resolution) instead of wall time:
// steadier on a loaded machine (Node 20 has no per-thread CPU clock; V8's helper threads count too).
const cpuClock = option("v8-clock", "wall") === "cpu";
const modes = option("modes", "shim,lean").split(",") as Mode[];
const write = !process.argv.includes("--no-write");
const recordSizes = process.argv.includes("--record-sizes");
const coldRounds = Number(option("cold-rounds", "300"));
const resultsPrefix = option("results-prefix", "");

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
  const cpu = cpuClock ? process.cpuUsage() : undefined;
  const start = process.hrtime.bigint();
  const results = driver.run(n);
  const wall = Number(process.hrtime.bigint() - start);
  const used = cpu && process.cpuUsage(cpu);
  const ns = used ? (used.user + used.system) * 1e3 : wall;
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
  for (const k of ["r", "l", "x", ...extras.map((v) => v.name)])
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
    ...(rows[0].abRoundRange ? ["a/b per round"] : []),
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---:").join("|")}|`];
  for (const row of rows) {
    const cells = [
      sizeLabel(row.size),
      ...keys.map((k) => fmt(row.nsPerFrame[k])),
      ...keys.map((k) => (row.size === 0 ? "–" : fmt(row.mbPerSec[k]))),
      ...Object.values(row.ratios).map((x) => fmt(x, 2)),
      ...(row.abRoundRange ? [`${fmt(row.abRoundRange[0], 2)}–${fmt(row.abRoundRange[1], 2)}`] : []),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

const moduleSizes = (): Record<string, number> => ({
  ...(existsSync(variants.a.path)
    ? { "stream_echo (incremental runtime)": statSync(variants.a.path).size }
    : {}),
  "hand-written WAT echo": statSync(variants.b.path).size,
  "plain AS echo (incremental runtime)": statSync(variants.c.path).size,
  ...(all.r ? { "Rust echo": statSync(all.r.path).size } : {}),
  ...(all.l ? { "Rust echo + LTO": statSync(all.l.path).size } : {}),
  ...Object.fromEntries(extras.map((v) => [`${v.name} (${all[v.name].label})`, statSync(v.path).size])),
});

/** Writes `value` as JSON formatted the way `prettier --check` expects. */
async function writeJson(file: string, value: unknown): Promise<void> {
  const config = await prettier.resolveConfig(file);
  writeFileSync(file, await prettier.format(JSON.stringify(value), { ...config, parser: "json" }));
}

/** Row labels of the side-by-side table, in its order. */
const SIDE_BY_SIDE: [string, string][] = [
  ["b", "WAT echo (limit)"],
  ["a", "SDK echo"],
  ["x", "candidate"],
  ["r", "Rust echo"],
  ["l", "Rust echo + LTO"],
  ["c", "plain AS echo"],
];

const ns0 = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: 0 });

/** ns per frame of each variant per size, both engines, with the ratio to the WAT echo (b) of the same engine. */
function sideBySide(
  engineRows: [string, { size: number; nsPerFrame: Record<string, number | undefined> }[]][],
): string {
  const head = ["ns/frame", ...PAYLOAD_SIZES.map(sizeLabel)];
  const lines = [`| ${head.join(" | ")} |`, `|---|${PAYLOAD_SIZES.map(() => "---:").join("|")}|`];
  for (const [engine, rows] of engineRows) {
    for (const [k, label] of [...SIDE_BY_SIDE, ...extras.map((v): [string, string] => [v.name, v.name])]) {
      if (!rows.some((r) => r.nsPerFrame[k] !== undefined)) continue;
      const cells = PAYLOAD_SIZES.map((size) => {
        const ns = rows.find((r) => r.size === size)?.nsPerFrame;
        const x = ns?.[k];
        if (x === undefined) return "";
        return k === "b" || ns?.b === undefined ? ns0(x) : `${ns0(x)} (${(x / ns.b).toFixed(2)}×)`;
      });
      lines.push(`| ${engine}: ${label} | ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

/** Builds and runs the wasmtime driver; undefined (with a message) when it cannot be built here. */
function runWasmtime(): WasmtimeResult | undefined {
  const driver = buildDriver();
  if ("skipped" in driver) {
    console.log(`\nwasmtime: skipped: ${driver.skipped}`);
    return undefined;
  }
  const modules: Record<string, string> = {};
  for (const k of ["a", "b", "r", "l", "x", ...extras.map((v) => v.name)])
    if (all[k] && (keys.includes(k) || k === "b")) modules[k] = all[k].path;
  console.log(
    `\nwasmtime ${driver.lib.version} (${relative(root, driver.path)}): ${Object.keys(modules).join(", ")}; ` +
      `${processes} processes x ${wasmtimeRounds} rounds, ~${batchMs} ms per batch, thread CPU time; ` +
      "the module order rotated from process to process",
  );
  const result = runProcesses(
    driver,
    modules,
    { processes, rounds: wasmtimeRounds, batchMs, coldRounds },
    (m) => console.log(m),
  );
  const rows = [
    "| module | bytes | compile (CPU) ms | compile (wall) ms | instantiate µs |",
    "|---|---:|---:|---:|---:|",
    ...Object.entries(result.modules).map(
      ([k, m]) =>
        `| ${k}: ${all[k].label} | ${m.bytes} | ${m.compileCpuMs.toFixed(1)} | ${m.compileWallMs.toFixed(1)} | ` +
        `${m.instantiateUs.toFixed(1)} |`,
    ),
  ];
  console.log(`\nwasmtime, per module (medians over ${processes} processes):\n${rows.join("\n")}`);
  return result;
}

/** Cold figures without their per-round samples (for the JSON files; the ratios keep their spread). */
function withoutSamples(
  figures: Record<string, ColdFigures>,
): Record<string, Omit<ColdFigures, "wallUsSamplesPerProcess">> {
  return Object.fromEntries(
    Object.entries(figures).map(([k, f]) => {
      const { wallUsSamplesPerProcess: _, ...rest } = f;
      return [k, rest];
    }),
  );
}

async function main(): Promise<void> {
  await buildBenchModules();
  let rustc = "none";
  if (withRust) {
    const rust = buildRustEchoes();
    if ("skipped" in rust) {
      console.log(`Rust echo: skipped: ${rust.skipped}`);
    } else {
      all.r = { key: "r", label: "Rust echo", path: rust.plain, zeroCopy: true };
      all.l = { key: "l", label: "Rust echo + LTO", path: rust.lto, zeroCopy: true };
      if (!process.argv.includes("--variants"))
        keys = [...keys.filter((k) => k !== "x"), "r", "l", ...(candidate ? ["x"] : [])];
      rustc = rust.rustc;
      console.log(`Rust echo built with ${rustc}`);
    }
  }
  keys.push(...extras.map((v) => v.name));
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

  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${osRelease()}`,
    node: process.version,
  };
  const dir = join(root, "bench/results");
  const allRows: Row[] = [];
  let coldV8: Record<string, ColdFigures> | undefined;
  if (engines.includes("v8")) {
    for (const k of keys) {
      const { problems } = await checkEcho(all[k].path);
      if (problems.length) throw new Error(`${all[k].label} does not echo: ${problems.join("; ")}`);
    }
    console.log(`\nV8: variants ${keys.map((k) => `${k} = ${all[k].label}`).join(", ")}`);
    console.log(
      `${rounds} rounds, ~${batchMs} ms per batch (${cpuClock ? "process CPU" : "wall"} time), medians; ` +
        "ratios are of the medians.",
    );

    for (const mode of modes) {
      const rows: Row[] = [];
      for (const size of PAYLOAD_SIZES) rows.push(await measure(mode, size));
      allRows.push(...rows);
      console.log(`\n${mode === "shim" ? "Through the host shim" : "Lean runtime loop"}:\n${table(rows)}`);
    }

    if (coldRounds > 0) {
      console.log(`\nV8 cold requests: ${coldRounds} rounds per module, interleaved, wall time`);
      coldV8 = measureColdV8(Object.fromEntries(keys.map((k) => [k, all[k].path])), {
        rounds: coldRounds,
        warm: Math.max(5, Math.round(coldRounds / 10)),
        collect,
      });
    }

    if (write) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${resultsPrefix}latest.json`);
      await writeJson(file, {
        date: new Date().toISOString(),
        machine,
        rounds,
        batchMs,
        clock: cpuClock ? "process CPU" : "wall",
        variants: Object.fromEntries(keys.map((k) => [k, all[k].label])),
        moduleSizes: sizes,
        results: allRows,
        ...(coldV8 ? { cold: { rounds: coldRounds, modules: withoutSamples(coldV8) } } : {}),
      });
      console.log(`\nwrote ${file}`);
    }
  }

  const wasmtime = engines.includes("wasmtime") ? runWasmtime() : undefined;
  const targets = wasmtime ? wasmtimeTargets(wasmtime, targeted, all) : [];
  if (wasmtime && write) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${resultsPrefix}wasmtime.json`);
    const modules = Object.fromEntries(
      Object.entries(wasmtime.modules).map(([k, m]) => [
        k,
        { ...m, ...(m.cold ? { cold: withoutSamples({ k: m.cold }).k } : {}) },
      ]),
    );
    await writeJson(file, {
      date: new Date().toISOString(),
      machine,
      tools: { ...toolVersions(), rustc },
      variants: Object.fromEntries(Object.keys(wasmtime.modules).map((k) => [k, all[k].label])),
      ...wasmtime,
      modules,
      coldRounds,
      targets: Object.fromEntries(
        targets.map((t) => [
          t.key,
          { frames: Object.fromEntries(t.frames), ...(t.cold ? { cold: t.cold } : {}) },
        ]),
      ),
    });
    console.log(`\nwrote ${file}`);
  }

  const engineRows: Parameters<typeof sideBySide>[0] = [];
  if (wasmtime) engineRows.push(["wasmtime", wasmtime.results]);
  const v8Mode = modes.includes("lean") ? "lean" : modes[0];
  if (allRows.length) engineRows.push([`V8 ${v8Mode}`, allRows.filter((r) => r.mode === v8Mode)]);
  if (engineRows.length)
    console.log(`\nSide by side (ratios to the WAT echo in the same engine):\n${sideBySide(engineRows)}`);
  if (
    wasmtime &&
    all.x &&
    wasmtime.results.length &&
    "x" in wasmtime.results[0].nsPerFrameSamplesPerProcess
  ) {
    const others = Object.keys(wasmtime.modules).filter((k) => k !== "x" && k !== "b");
    console.log(
      "\nwasmtime, each build against the candidate x (median over processes of the median per-round ratio; " +
        "per-process range):\n" +
        pairedTable(
          wasmtime.results,
          "x",
          others.map((k) => [k, all[k].label]),
        ),
    );
  }

  const labels = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.label]));
  const coldEngines: Parameters<typeof coldTable>[0] = [];
  const coldWasmtime = wasmtime && coldFiguresOf(wasmtime);
  if (coldWasmtime) coldEngines.push(["wasmtime", coldWasmtime, true]);
  if (coldV8) coldEngines.push(["V8", coldV8, false]);
  if (coldEngines.length)
    console.log(
      "\nCold request (a new store and instance, Open, one 64-byte Data, Close; wall time, medians; rounds " +
        "interleaved; teardown, deleting the store, is not in the total):\n" +
        coldTable(coldEngines, labels, targeted),
    );
  if (wasmtime && Object.values(wasmtime.modules).some((m) => m.pages))
    console.log(
      "\nPages touched by instantiation → the first request (4 KiB pages of linear memory; resident: from " +
        "/proc/self/pagemap, each one a page fault):\n" +
        pagesTable(
          Object.fromEntries(Object.entries(wasmtime.modules).map(([k, m]) => [k, m.pages])),
          labels,
        ),
    );
  if (targets.length)
    console.log(
      `\nTargets (issue 14), wasmtime, ratio to the WAT echo (per-process range):\n${targetsTable(targets)}`,
    );
  else console.log("\nTargets: not judged (they are wasmtime's, and wasmtime did not run)");
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}; ` +
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")} (a shared machine: read the ratios of interleaved rounds, not the absolute times)`,
  );
}

await main();
