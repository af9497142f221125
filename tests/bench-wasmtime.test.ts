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
import {
  type Driver,
  buildDriver,
  buildRustEchoes,
  driverPrerequisites,
  findWasmRustc,
  runDriver,
} from "../bench/wasmtime.js";

const pre = driverPrerequisites();
const skipped = "skipped" in pre ? pre.skipped : undefined;
if (skipped) console.warn(`bench-wasmtime: skipped: ${skipped}`);
const suffix = skipped ? ` (skipped: ${skipped})` : "";

const dir = mkdtempSync(join(tmpdir(), "ixt-bench-wasmtime-"));
const wat = join(dir, "wat_echo.wasm");
let driver: Driver;

/** bench/echo.wat with one text replacement, assembled into `dir`. */
async function brokenWat(name: string, from: string, to: string): Promise<string> {
  const source = readFileSync(join(root, "bench/echo.wat"), "utf8");
  expect(source).toContain(from);
  const watFile = join(dir, `${name}.wat`);
  writeFileSync(watFile, source.replace(from, to));
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
      { rounds: 1, batchMs: 1, compiles: 1, instantiations: 20 },
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
    for (const row of report.results) {
      expect(row.framesPerBatch).toBeGreaterThan(0);
      for (const name of ["a", "b"]) expect(row.nsPerFrame[name]).toBeGreaterThan(0);
    }
  });

  it(`fails on an echo that sends the wrong bytes${suffix}`, async () => {
    // Sends the payload one byte late: same length, wrong bytes (from 64 B on).
    const shifted = await brokenWat(
      "shifted",
      "(i32.add (local.get $ptr) (i32.const 17))",
      "(i32.add (local.get $ptr) (i32.const 18))",
    );
    expect(() => runDriver(driver.path, { shifted }, { checkOnly: true, compiles: 1 })).toThrow(
      /payload differs/,
    );
  });

  it(`fails on an echo that does not answer Close with Close(Normal)${suffix}`, async () => {
    const going = await brokenWat(
      "going_away",
      "(i32.add (local.get $ptr) (i32.const 1)) (i32.const 16) (i32.const 0)",
      "(i32.add (local.get $ptr) (i32.const 1)) (i32.const 16) (i32.const 1)",
    );
    expect(() => runDriver(driver.path, { going }, { checkOnly: true, compiles: 1 })).toThrow(
      /Close\(Normal\)/,
    );
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
