// The wasmtime side of `npm run bench` (issue 10), shared with tests/bench-wasmtime.test.ts: building the native
// driver (bench/wasmtime/driver.c) against the libwasmtime that the `wasmtime` Python wheel ships, building the
// Rust echo (bench/rust_echo) when a wasm32 Rust target is installed, and running the driver in several
// processes. Each part answers `{ skipped: reason }` instead of throwing when its tools are missing, so the V8
// benchmark still runs.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { benchOut, root } from "./harness.js";

export type Skipped = { skipped: string };

const run = (
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): { ok: boolean; out: string; err: string } => {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: env ?? process.env, maxBuffer: 64 << 20 });
  const err = r.error?.message ?? (r.stderr || `exit status ${r.status}`);
  return { ok: !r.error && r.status === 0, out: r.stdout ?? "", err };
};

// ---- libwasmtime from the Python wheel ----

export interface Libwasmtime {
  /** The directory that holds the shared library (the driver's rpath). */
  dir: string;
  /** Its file name, e.g. `_libwasmtime.so`. */
  file: string;
  /** The wheel's version. */
  version: string;
}

/**
 * Finds the shared library in the `wasmtime` wheel (conformance/requirements.txt pins it) without loading it:
 * `<package>/<platform>-<arch>/_libwasmtime.so`. `IXT_LIBWASMTIME` (a path to the library) overrides the search.
 */
export function findLibwasmtime(): Libwasmtime | Skipped {
  const override = process.env.IXT_LIBWASMTIME;
  if (override) {
    if (!existsSync(override)) return { skipped: `IXT_LIBWASMTIME=${override} does not exist` };
    const at = override.lastIndexOf("/");
    return { dir: override.slice(0, at), file: override.slice(at + 1), version: "unknown" };
  }
  const python = process.env.PYTHON ?? "python3";
  const probe = run(python, [
    "-c",
    "import importlib.util, importlib.metadata; s = importlib.util.find_spec('wasmtime'); " +
      "print(s.submodule_search_locations[0] if s else ''); " +
      "print(importlib.metadata.version('wasmtime') if s else '')",
  ]);
  if (!probe.ok) return { skipped: `${python} is not available (${probe.err.trim().split("\n").pop()})` };
  const [pkg, version] = probe.out.trim().split("\n");
  if (!pkg)
    return {
      skipped:
        "the wasmtime Python wheel is not installed (python3 -m pip install -r conformance/requirements.txt)",
    };
  for (const sub of readdirSync(pkg, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    const file = readdirSync(join(pkg, sub.name)).find((f) => /^_?libwasmtime\.(so|dylib)$/.test(f));
    if (file) return { dir: join(pkg, sub.name), file, version: version ?? "unknown" };
  }
  return { skipped: `no libwasmtime shared library in the wasmtime wheel at ${pkg}` };
}

// ---- the native driver ----

export interface Driver {
  path: string;
  lib: Libwasmtime;
}

/** Where the driver is built (build/ is not committed). */
export const driverPath = join(benchOut, "wasmtime-driver");

/** What building the driver needs: a C compiler and the wheel's libwasmtime. Cheap; builds nothing. */
export function driverPrerequisites(): { cc: string; lib: Libwasmtime } | Skipped {
  const lib = findLibwasmtime();
  if ("skipped" in lib) return lib;
  const cc = process.env.CC ?? "cc";
  if (!run(cc, ["--version"]).ok) return { skipped: `no C compiler (${cc}) on PATH` };
  return { cc, lib };
}

/**
 * Compiles bench/wasmtime/driver.c with the system C compiler (`CC`, default `cc`) against the wheel's
 * libwasmtime, with an rpath to it.
 */
export function buildDriver(out: string = driverPath): Driver | Skipped {
  const pre = driverPrerequisites();
  if ("skipped" in pre) return pre;
  const { cc, lib } = pre;
  mkdirSync(dirname(out), { recursive: true });
  const src = join(root, "bench/wasmtime");
  const built = run(cc, [
    "-O2",
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-o",
    out,
    join(src, "driver.c"),
    `-I${src}`,
    `-L${lib.dir}`,
    `-l:${lib.file}`,
    `-Wl,-rpath,${lib.dir}`,
  ]);
  if (!built.ok) throw new Error(`building the wasmtime driver failed:\n${built.err}`);
  return { path: out, lib };
}

// ---- the Rust echo ----

export interface RustEchoes {
  /** `-C opt-level=3 -C panic=abort`. */
  plain: string;
  /** The same with `-C lto=fat -C codegen-units=1`. */
  lto: string;
  rustc: string;
}

/** A rustc with the wasm32-unknown-unknown standard library: `IXT_RUSTC`, then `rustc` on PATH, then Debian's. */
export function findWasmRustc(): { rustc: string; version: string } | Skipped {
  const tried: string[] = [];
  for (const rustc of [process.env.IXT_RUSTC, "rustc", "/usr/bin/rustc"]) {
    if (!rustc) continue;
    const version = run(rustc, ["--version"]);
    const sysroot = run(rustc, ["--print", "sysroot"]);
    if (!version.ok || !sysroot.ok) continue;
    if (existsSync(join(sysroot.out.trim(), "lib/rustlib/wasm32-unknown-unknown/lib")))
      return { rustc, version: version.out.trim() };
    tried.push(`${rustc} (${version.out.trim()}) has no wasm32-unknown-unknown target`);
  }
  return {
    skipped:
      (tried.length ? tried.join("; ") : "no rustc") +
      " (Debian: apt-get install rustc libstd-rust-dev-wasm32; or IXT_RUSTC=/path/to/rustc)",
  };
}

/**
 * Builds bench/rust_echo/src/lib.rs twice (without and with LTO) into `outDir` (build/bench/), or only without
 * LTO.
 */
export function buildRustEchoes(outDir: string = benchOut, only?: "plain"): RustEchoes | Skipped {
  const found = findWasmRustc();
  if ("skipped" in found) return found;
  const [major, minor] = (/(\d+)\.(\d+)/.exec(found.version) ?? ["", "0", "0"]).slice(1).map(Number);
  // Before 1.68 a no_std crate that uses `alloc` needs the (then unstable) default allocation error handler.
  const old = major === 1 && minor < 68;
  const env = old ? { ...process.env, RUSTC_BOOTSTRAP: "1" } : process.env;
  mkdirSync(outDir, { recursive: true });
  const paths = { plain: join(outDir, "rust_echo.wasm"), lto: join(outDir, "rust_echo_lto.wasm") };
  const common = [
    "--edition",
    "2021",
    "--target",
    "wasm32-unknown-unknown",
    "--crate-type",
    "cdylib",
    "-C",
    "opt-level=3",
    "-C",
    "panic=abort",
    "-C",
    "strip=symbols",
    ...(old ? ["--cfg", "ixt_old_rustc"] : []),
    join(root, "bench/rust_echo/src/lib.rs"),
  ];
  for (const variant of only ? [only] : (["plain", "lto"] as const)) {
    const lto = variant === "lto" ? ["-C", "lto=fat", "-C", "codegen-units=1"] : [];
    const built = run(found.rustc, [...common, ...lto, "-o", paths[variant]], env);
    if (!built.ok) return { skipped: `${found.rustc} could not build the Rust echo: ${built.err.trim()}` };
  }
  return { ...paths, rustc: found.version };
}

// ---- running the driver ----

/** What one driver process reports (see bench/wasmtime/driver.c). */
export interface DriverReport {
  engine: "wasmtime";
  rounds: number;
  batchMs: number;
  /** The order each process listed the modules in: rotated by one from process to process. */
  moduleOrderPerProcess: string[][];
  modules: Record<
    string,
    {
      path: string;
      bytes: number;
      echo: string;
      zeroCopy: Record<string, boolean>;
      compileCpuMs: number;
      compileWallMs: number;
      instantiateUs: number;
      /** The cold request (absent with --check-only, --no-frames or --cold-rounds 0). */
      cold?: DriverCold;
      /** The pages the first request touches (with `cold`). */
      pages?: DriverPages;
    }
  >;
  results: {
    size: number;
    framesPerBatch: number;
    nsPerFrame: Record<string, number>;
    samples: Record<string, number[]>;
  }[];
}

/** The phases of a cold request, in the order they happen. */
export const COLD_PHASES = ["instantiate", "open", "data", "close", "teardown"] as const;

/** One process's cold requests of one module (wall-clock µs; medians over its rounds). */
export interface DriverCold {
  rounds: number;
  /** From a new store to the Close answered: instantiate + open + data + close. */
  wallUs: number;
  wallUsMin: number;
  /** The same span in thread CPU time. */
  cpuUs: number;
  phasesUs: Record<(typeof COLD_PHASES)[number], number>;
  /** Every round's wall µs; round r of every module ran next to round r of the others. */
  wallUsSamples: number[];
}

/**
 * Linear memory around one cold request. Each pair is [after instantiation, after the Close].
 * `memoryPages`: memory.size (64 KiB pages). `changed4k`: 4 KiB pages whose bytes differ from zeros and the
 * active data segments (-1: a data section the driver cannot read). `resident4k`: 4 KiB pages the kernel holds
 * privately for the instance, from /proc/self/pagemap (-1: no pagemap); each cost a fault. `minorFaults`: the
 * thread's minor faults during instantiation and during the request (median of 5 requests), host side included.
 * `residentPages`: the indices of the resident pages after the Close.
 */
export interface DriverPages {
  memoryPages: [number, number];
  changed4k: [number, number];
  resident4k: [number, number];
  minorFaults: [number, number];
  residentPages: number[];
}

export interface DriverOptions {
  rounds?: number;
  batchMs?: number;
  sizes?: readonly number[];
  compiles?: number;
  instantiations?: number;
  /** Cold requests per module and process (the driver's default is 300; 0: none). */
  coldRounds?: number;
  checkOnly?: boolean;
}

const driverArgs = (modules: Record<string, string>, o: DriverOptions): string[] => [
  ...(o.rounds !== undefined ? ["--rounds", String(o.rounds)] : []),
  ...(o.batchMs !== undefined ? ["--batch-ms", String(o.batchMs)] : []),
  ...(o.sizes ? ["--sizes", o.sizes.join(",")] : []),
  ...(o.compiles !== undefined ? ["--compiles", String(o.compiles)] : []),
  ...(o.instantiations !== undefined ? ["--instantiations", String(o.instantiations)] : []),
  ...(o.coldRounds !== undefined ? ["--cold-rounds", String(o.coldRounds)] : []),
  ...(o.checkOnly ? ["--check-only"] : []),
  ...Object.entries(modules).map(([name, path]) => `${name}=${path}`),
];

/** Runs the driver once; throws with its stderr when it fails (a wrong echo, a trap, a refused Open). */
export function runDriver(
  driver: string,
  modules: Record<string, string>,
  o: DriverOptions = {},
): DriverReport {
  const r = spawnSync(driver, driverArgs(modules, o), { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0)
    throw new Error(`wasmtime driver failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  if (r.stderr) process.stderr.write(r.stderr);
  return JSON.parse(r.stdout) as DriverReport;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The medians of `processes` driver runs. */
export interface WasmtimeResult {
  wasmtime: string;
  processes: number;
  rounds: number;
  batchMs: number;
  /** The order each process listed the modules in: rotated by one from process to process. */
  moduleOrderPerProcess: string[][];
  modules: Record<
    string,
    {
      path: string;
      bytes: number;
      zeroCopy: Record<string, boolean>;
      /** Medians over processes of each process's median. */
      compileCpuMs: number;
      compileWallMs: number;
      instantiateUs: number;
      instantiateUsPerProcess: number[];
      cold?: ColdSummary;
      /** The first process's pages probe, with the median of the processes' minor faults. */
      pages?: DriverPages;
    }
  >;
  results: {
    size: number;
    framesPerBatch: number[];
    /** Median over processes of each process's median over its rounds. */
    nsPerFrame: Record<string, number>;
    nsPerFramePerProcess: Record<string, number[]>;
    /** Every process's rounds, for paired ratios (round r of each module ran next to the others' round r). */
    nsPerFrameSamplesPerProcess: Record<string, number[][]>;
  }[];
}

/** One module's cold requests over all processes. */
export interface ColdSummary {
  /** Median over processes of each process's median wall µs (instantiate through close). */
  wallUs: number;
  wallUsPerProcess: number[];
  /** The fastest single request of all processes. */
  wallUsMin: number;
  /** Median over processes of the thread CPU µs. */
  cpuUs: number;
  /** Median over processes of each phase's median wall µs (teardown: deleting the store, not in `wallUs`). */
  phasesUs: Record<(typeof COLD_PHASES)[number], number>;
  /** Every process's rounds, for paired ratios (round r of each module ran next to the others' round r). */
  wallUsSamplesPerProcess: number[][];
}

/** The cold-request summary of one module's per-process reports. */
export function summarizeCold(per: DriverCold[]): ColdSummary {
  return {
    wallUs: median(per.map((c) => c.wallUs)),
    wallUsPerProcess: per.map((c) => c.wallUs),
    wallUsMin: Math.min(...per.map((c) => c.wallUsMin)),
    cpuUs: median(per.map((c) => c.cpuUs)),
    phasesUs: Object.fromEntries(
      COLD_PHASES.map((p) => [p, median(per.map((c) => c.phasesUs[p]))]),
    ) as ColdSummary["phasesUs"],
    wallUsSamplesPerProcess: per.map((c) => c.wallUsSamples),
  };
}

/**
 * Runs the driver in `processes` processes, one after another (a process's own medians are over its rounds;
 * the figures here are the medians of those).
 */
export function runProcesses(
  driver: Driver,
  modules: Record<string, string>,
  o: DriverOptions & { processes: number },
  progress: (msg: string) => void = () => {},
): WasmtimeResult {
  const reports: DriverReport[] = [];
  const names = Object.keys(modules);
  const orders: string[][] = [];
  for (let p = 0; p < o.processes; p++) {
    progress(`  wasmtime driver, process ${p + 1} of ${o.processes}`);
    // The module listed first measures a few percent slower than the same file listed later (seen at 0 B to
    // 1 KiB: ~0.05 of the ratio to the WAT echo), so each process starts the list one module further on.
    const order = names.map((_, i) => names[(i + p) % names.length]);
    orders.push(order);
    reports.push(runDriver(driver.path, Object.fromEntries(order.map((n) => [n, modules[n]])), o));
  }
  const first = reports[0];
  const out: WasmtimeResult = {
    wasmtime: driver.lib.version,
    processes: o.processes,
    rounds: first.rounds,
    batchMs: first.batchMs,
    moduleOrderPerProcess: orders,
    modules: {},
    results: [],
  };
  for (const name of names) {
    const per = reports.map((r) => r.modules[name]);
    out.modules[name] = {
      path: relative(root, per[0].path),
      bytes: per[0].bytes,
      zeroCopy: per[0].zeroCopy,
      compileCpuMs: median(per.map((m) => m.compileCpuMs)),
      compileWallMs: median(per.map((m) => m.compileWallMs)),
      instantiateUs: median(per.map((m) => m.instantiateUs)),
      instantiateUsPerProcess: per.map((m) => m.instantiateUs),
    };
    if (per.every((m) => m.cold)) out.modules[name].cold = summarizeCold(per.map((m) => m.cold!));
    if (per[0].pages) {
      const faults = (i: 0 | 1): number => median(per.map((m) => m.pages?.minorFaults[i] ?? 0));
      out.modules[name].pages = { ...per[0].pages, minorFaults: [faults(0), faults(1)] };
    }
  }
  first.results.forEach((row, i) => {
    const per = reports.map((r) => r.results[i]);
    const nsPerFramePerProcess = Object.fromEntries(names.map((n) => [n, per.map((r) => r.nsPerFrame[n])]));
    out.results.push({
      size: row.size,
      framesPerBatch: per.map((r) => r.framesPerBatch),
      nsPerFrame: Object.fromEntries(names.map((n) => [n, median(nsPerFramePerProcess[n])])),
      nsPerFramePerProcess,
      nsPerFrameSamplesPerProcess: Object.fromEntries(names.map((n) => [n, per.map((r) => r.samples[n])])),
    });
  });
  return out;
}

/** The C compiler's and libwasmtime's versions, for the record. */
export function toolVersions(): { cc: string } {
  try {
    return { cc: execFileSync(process.env.CC ?? "cc", ["--version"], { encoding: "utf8" }).split("\n")[0] };
  } catch {
    return { cc: "none" };
  }
}
