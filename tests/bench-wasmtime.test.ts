// The CI smoke version of `npm run bench`'s wasmtime part: builds the native driver (bench/wasmtime/driver.c)
// against the wasmtime wheel's libwasmtime and runs it for one tiny round on the SDK echo and the WAT echo. The
// driver itself checks each echo (every payload byte for byte, on the right stream, and Close answered with
// Close(Normal)) and exits non-zero otherwise; two broken echoes show that it does. No timing is judged.
// Skipped, with the reason in the test's name, only when there is no C compiler or no wasmtime wheel.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAYLOAD_SIZES, assembleWat, root, variants } from "../bench/harness.js";
import { coldFiguresOf, coldTable, pagesTable, wasmtimeTargets } from "../bench/cold.js";
import { targetsTable } from "../bench/targets.js";
import {
  COLD_PHASES,
  type Driver,
  buildDriver,
  buildRustEchoes,
  driverPrerequisites,
  findWasmRustc,
  runDriver,
  runProcesses,
} from "../bench/wasmtime.js";

const pre = driverPrerequisites();
const skipped = "skipped" in pre ? pre.skipped : undefined;
if (skipped) console.warn(`bench-wasmtime: skipped: ${skipped}`);
const suffix = skipped ? ` (skipped: ${skipped})` : "";

const dir = mkdtempSync(join(tmpdir(), "ixt-bench-wasmtime-"));
const wat = join(dir, "wat_echo.wasm");
let driver: Driver;

/** bench/echo.wat with text replacements (each of the first occurrence), assembled into `dir`. */
async function brokenWat(name: string, ...edits: [from: string, to: string][]): Promise<string> {
  let source = readFileSync(join(root, "bench/echo.wat"), "utf8");
  for (const [from, to] of edits) {
    expect(source).toContain(from);
    source = source.replace(from, to);
  }
  const watFile = join(dir, `${name}.wat`);
  writeFileSync(watFile, source);
  const out = join(dir, `${name}.wasm`);
  await assembleWat(watFile, out);
  return out;
}

describe.skipIf(skipped !== undefined)("the wasmtime bench driver", () => {
  beforeAll(async () => {
    const built = buildDriver(join(dir, "driver"));
    if ("skipped" in built) throw new Error(built.skipped);
    driver = built;
    await assembleWat("bench/echo.wat", wat);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`echoes every size through the SDK echo and the WAT echo, and times one round${suffix}`, () => {
    const report = runDriver(
      driver.path,
      { a: variants.a.path, b: wat },
      { rounds: 1, batchMs: 1, compiles: 1, instantiations: 20, coldRounds: 10 },
    );
    for (const name of ["a", "b"]) {
      const m = report.modules[name];
      expect(m.echo).toBe("ok");
      // Both send the payload where it lies in the inbound frame.
      for (const size of PAYLOAD_SIZES)
        if (size > 0) expect(m.zeroCopy[size], `${name} ${size} B`).toBe(true);
      expect(m.bytes).toBeGreaterThan(0);
      expect(m.compileCpuMs).toBeGreaterThan(0);
      expect(m.instantiateUs).toBeGreaterThan(0);
    }
    expect(report.results.map((r) => r.size)).toEqual([...PAYLOAD_SIZES]);
    for (const name of ["a", "b"]) {
      const cold = report.modules[name].cold!;
      expect(cold.rounds).toBe(10);
      expect(cold.wallUsSamples).toHaveLength(10);
      expect(cold.wallUsMin).toBeGreaterThan(0);
      expect(cold.wallUsMin).toBeLessThanOrEqual(cold.wallUs);
      for (const phase of COLD_PHASES) expect(cold.phasesUs[phase], phase).toBeGreaterThan(0);
      expect(cold.cpuUs).toBeGreaterThan(0);
    }
    // The WAT echo writes nothing while it is instantiated, then one frame buffer at 1024 (page 0).
    const watPages = report.modules.b.pages!;
    expect(watPages.memoryPages).toEqual([1, 1]);
    expect(watPages.changed4k).toEqual([0, 1]);
    if (watPages.resident4k[0] >= 0) {
      expect(watPages.resident4k).toEqual([0, 1]);
      expect(watPages.residentPages).toEqual([0]);
    }
    // The SDK echo may write nothing while it starts (the memory design's goal), but its first frame lands somewhere.
    const sdkPages = report.modules.a.pages!;
    expect(sdkPages.changed4k[1]).toBeGreaterThan(0);
    expect(sdkPages.changed4k[1]).toBeGreaterThanOrEqual(sdkPages.changed4k[0]);
    if (sdkPages.resident4k[1] >= 0) expect(sdkPages.residentPages).toHaveLength(sdkPages.resident4k[1]);
    for (const row of report.results) {
      expect(row.framesPerBatch).toBeGreaterThan(0);
      for (const name of ["a", "b"]) expect(row.nsPerFrame[name]).toBeGreaterThan(0);
    }
  });

  it(`fails on an echo that sends the wrong bytes${suffix}`, async () => {
    // Sends the payload one byte late: same length, wrong bytes (from 64 B on).
    const shifted = await brokenWat("shifted", [
      "(i32.add (local.get $ptr) (i32.const 17))",
      "(i32.add (local.get $ptr) (i32.const 18))",
    ]);
    expect(() => runDriver(driver.path, { shifted }, { checkOnly: true, compiles: 1 })).toThrow(
      /payload differs/,
    );
  });

  it(`fails on an echo that does not answer Close with Close(Normal)${suffix}`, async () => {
    const going = await brokenWat("going_away", [
      "(i32.add (local.get $ptr) (i32.const 1)) (i32.const 16) (i32.const 0)",
      "(i32.add (local.get $ptr) (i32.const 1)) (i32.const 16) (i32.const 1)",
    ]);
    expect(() => runDriver(driver.path, { going }, { checkOnly: true, compiles: 1 })).toThrow(
      /Close\(Normal\)/,
    );
  });

  it(`counts the pages that instantiation and the first request write, not the data segments' own${suffix}`, async () => {
    // A start function that reads the data segment's page (2) and writes page 5; the request's frame goes to page 0.
    const probe = await brokenWat("probe", [
      '(memory (export "memory") 1)',
      `(memory (export "memory") 1)
  (data (i32.const 8200) "image bytes")
  (func $start (i32.store (i32.const 20480) (i32.add (i32.load (i32.const 8200)) (i32.const 1))))
  (start $start)`,
    ]);
    const report = runDriver(
      driver.path,
      { probe },
      { rounds: 1, batchMs: 1, compiles: 1, instantiations: 20, sizes: [0, 64], coldRounds: 5 },
    );
    const pages = report.modules.probe.pages!;
    expect(pages.memoryPages).toEqual([1, 1]);
    expect(pages.changed4k).toEqual([1, 2]);
    if (pages.resident4k[0] >= 0) {
      // Page 2 was only read: an image page the instance shares, not one of its own.
      expect(pages.resident4k).toEqual([1, 2]);
      expect(pages.residentPages).toEqual([0, 5]);
    }
  });

  it(`fails on a cold request whose echo is wrong${suffix}`, async () => {
    // Sends the first Data payload of each instance one byte late. The check's first frame is 0 bytes, so only a
    // cold request (a new instance, then 64 bytes) shows it.
    const firstWrong = await brokenWat(
      "first_wrong",
      [
        '(memory (export "memory") 1)',
        '(memory (export "memory") 1)\n  (global $seen (mut i32) (i32.const 0))',
      ],
      [
        "(i32.add (local.get $ptr) (i32.const 17))",
        "(i32.add (local.get $ptr) (i32.sub (i32.const 18) (global.get $seen)))",
      ],
      [
        "(i32.sub (local.get $len) (i32.const 17))))",
        "(i32.sub (local.get $len) (i32.const 17))))\n        (global.set $seen (i32.const 1))",
      ],
    );
    expect(() =>
      runDriver(
        driver.path,
        { firstWrong },
        { rounds: 1, batchMs: 1, compiles: 1, sizes: [0, 64], coldRounds: 5 },
      ),
    ).toThrow(/cold request: expected one 64-byte echo/);
  });

  it(`prints the cold request, the pages and the targets for every module${suffix}`, () => {
    const result = runProcesses(
      driver,
      { a: variants.a.path, b: wat, extra: variants.a.path },
      { processes: 2, rounds: 1, batchMs: 1, compiles: 1, instantiations: 20, sizes: [0, 64], coldRounds: 5 },
    );
    // Each process lists the modules one further on (the first listed measures slower): the second
    // process starts with b, and both still report every module under its own name.
    expect(result.moduleOrderPerProcess).toEqual([
      ["a", "b", "extra"],
      ["b", "extra", "a"],
    ]);
    expect(Object.keys(result.results[0].nsPerFramePerProcess).sort()).toEqual(["a", "b", "extra"]);
    expect(result.results[0].nsPerFramePerProcess.a.every((ns) => ns > 0)).toBe(true);
    const labels = { a: { label: "SDK" }, b: { label: "WAT" }, extra: { label: "extra build" } };
    const rows = wasmtimeTargets(result, new Set(["a", "extra"]), labels);
    expect(rows.map((r) => r.key)).toEqual(["a", "extra"]);
    const targets = targetsTable(rows).split("\n");
    expect(targets[0]).toContain("cold request ≤ 1.25");
    for (const line of targets.slice(2)) {
      const cells = line.split("|").map((c) => c.trim());
      // label, 0 B, 64 B, three sizes not run (empty), cold
      expect(
        cells.slice(2, 4).every((c) => /^\d+\.\d{2,6} [✓✗]/.test(c)),
        line,
      ).toBe(true);
      expect(cells.slice(4, 7)).toEqual(["", "", ""]);
      expect(cells[7]).toMatch(/^\d+\.\d{2,6} [✓✗]/);
    }
    const cold = coldTable(
      [["wasmtime", coldFiguresOf(result)!, true]],
      { a: "SDK", b: "WAT", extra: "x" },
      new Set(["a", "extra"]),
    );
    expect(cold).toMatch(/wasmtime: b: WAT \| [\d.]+ \| [\d.]+ \| 1 \(the limit\)/);
    expect(cold).toMatch(/wasmtime: extra: x \| [\d.]+ \| [\d.]+ \| \d+\.\d{2,6} [✓✗]/);
    const pages = pagesTable(
      Object.fromEntries(Object.entries(result.modules).map(([k, m]) => [k, m.pages])),
      {},
    );
    expect(pages).toMatch(/\| b: b \| 1 → 1 \| 0 → 1 \|/);
    expect(pages.split("\n")).toHaveLength(5);
  });

  // The Rust echo (bench/rust_echo) only where a wasm32 Rust target is installed; CI need not have one.
  const rustc = findWasmRustc();
  const rustSkipped = "skipped" in rustc ? rustc.skipped : undefined;
  it.skipIf(rustSkipped !== undefined)(
    `checks the Rust echo too${rustSkipped ? ` (skipped: ${rustSkipped})` : ""}`,
    () => {
      const rust = buildRustEchoes(dir, "plain");
      if ("skipped" in rust) throw new Error(rust.skipped);
      const report = runDriver(driver.path, { r: rust.plain }, { checkOnly: true, compiles: 1 });
      expect(report.modules.r.echo).toBe("ok");
    },
  );
});
