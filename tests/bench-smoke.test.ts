// The CI smoke version of `npm run bench`: builds the bench's variants from bench/ and checks that each one
// echoes correctly (and copies, or not, as it should), that V8's cold request runs and checks its echo, and that
// the ratios, targets and variant lists the bench prints are computed right. No timing is judged.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coldRatio, coldTable, measureColdV8, pageList } from "../bench/cold.js";
import {
  COLD_PAYLOAD,
  PAYLOAD_SIZES,
  type VariantKey,
  assembleWat,
  buildBenchModules,
  checkEcho,
  coldRequester,
  leanDriver,
  payloadOf,
  root,
  shimDriver,
  variants,
} from "../bench/harness.js";
import {
  COLD_TARGET,
  pairedRatio,
  pairedTable,
  quantile,
  ratioSpread,
  targetsTable,
  verdict,
} from "../bench/targets.js";
import { parseVariants, variantsFrom } from "../bench/variants.js";

const keys: VariantKey[] = ["a", "b", "c"];

// b and c, for every describe below; a is build/stream_echo.wasm from the global setup. asc is slow on a loaded
// machine: more than the default 10 s hook timeout.
beforeAll(async () => {
  await buildBenchModules();
}, 120_000);

describe("bench variants", () => {
  it.each(keys)("%s echoes every payload size byte for byte and answers Close", async (key) => {
    const { problems, zeroCopy } = await checkEcho(variants[key].path);
    expect(problems).toEqual([]);
    // The SDK and the WAT echo send the inbound bytes themselves; the plain echo sends its copy.
    for (const size of PAYLOAD_SIZES) {
      if (size > 0) expect(zeroCopy[size], `${size} B`).toBe(variants[key].zeroCopy);
    }
  });

  it.each(keys)("%s runs under both of the runner's drivers", async (key) => {
    for (const size of [0, 1024]) {
      for (const driver of [shimDriver, leanDriver]) {
        const run = await driver(variants[key].path, payloadOf(size));
        expect(run.run(100)).toBe(0);
      }
    }
  });
});

describe("the cold request in V8", () => {
  const dir = mkdtempSync(join(tmpdir(), "ixt-bench-cold-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const moduleOf = (path: string): WebAssembly.Module => new WebAssembly.Module(readFileSync(path));

  /** bench/echo.wat with one replacement, assembled into `dir`. */
  async function editedWat(name: string, from: string, to: string): Promise<string> {
    const source = readFileSync(join(root, "bench/echo.wat"), "utf8");
    expect(source).toContain(from);
    writeFileSync(join(dir, `${name}.wat`), source.replace(from, to));
    await assembleWat(join(dir, `${name}.wat`), join(dir, `${name}.wasm`));
    return join(dir, `${name}.wasm`);
  }

  it.each(keys)("%s answers a cold request, and each request is a new instance", (key) => {
    const request = coldRequester(moduleOf(variants[key].path));
    for (let i = 0; i < 3; i++) {
      const t = request();
      expect(t.total).toBeGreaterThan(0);
      expect(t.instantiate + t.open + t.data + t.close).toBeCloseTo(t.total, 6);
    }
  });

  it("throws on a wrong echo and on a Close that is not Close(Normal)", async () => {
    const shifted = await editedWat(
      "shifted",
      "(i32.add (local.get $ptr) (i32.const 17))",
      "(i32.add (local.get $ptr) (i32.const 18))",
    );
    expect(() => coldRequester(moduleOf(shifted))()).toThrow(/cold request: 1 Data \(64 bytes\)/);
    const going = await editedWat(
      "going_away",
      "(i32.add (local.get $ptr) (i32.const 1)) (i32.const 16) (i32.const 0)",
      "(i32.add (local.get $ptr) (i32.const 1)) (i32.const 16) (i32.const 1)",
    );
    expect(() => coldRequester(moduleOf(going))()).toThrow(/Close \(reason 1\)/);
  });

  it("measures interleaved rounds and prints them with the ratio to the WAT echo, not judged in V8", () => {
    const figures = measureColdV8(
      { a: variants.a.path, b: variants.b.path },
      { rounds: 6, warm: 2, collect: () => {} },
    );
    for (const k of ["a", "b"]) {
      expect(figures[k].wallUsSamplesPerProcess[0]).toHaveLength(6);
      expect(figures[k].wallUsMin).toBeLessThanOrEqual(figures[k].wallUs);
    }
    expect(coldRatio(figures, "a")!.ratio).toBeCloseTo(figures.a.wallUs / figures.b.wallUs, 9);
    const table = coldTable([["V8", figures, false]], { a: "SDK", b: "WAT" }, new Set(["a"]));
    expect(table).toMatch(/\| V8: a: SDK \| [\d.]+ \| [\d.]+ \| \d+\.\d\d \|/);
    expect(table).not.toMatch(/[✓✗]/);
    expect(COLD_PAYLOAD).toBe(64);
  });
});

describe("ratios and targets", () => {
  it("takes the ratio of the medians, the per-process range and the quartiles of paired rounds", () => {
    const r = ratioSpread(
      {
        perProcess: [3, 6],
        samples: [
          [2, 4],
          [6, 6],
        ],
      },
      {
        perProcess: [2, 3],
        samples: [
          [1, 4],
          [3, 3],
        ],
      },
    )!;
    expect(r.ratio).toBe(4.5 / 2.5); // median over median
    expect(r.processes).toEqual([1.5, 2]);
    // Round r over round r of the same process: 2, 1, 2, 2 (pairing them any other way gives 0.5 and 4).
    expect(r.rounds).toEqual([quantile([2, 1, 2, 2], 0.25), quantile([2, 1, 2, 2], 0.75)]);
    expect(r.rounds).toEqual([1.75, 2]);
    expect(ratioSpread({ perProcess: [] }, { perProcess: [1] })).toBeUndefined();
  });

  it("pairs rounds within a process for the ratio to a reference build: median per process, then over them", () => {
    // Process 0's rounds over the reference's: 2, 1, 3 (median 2); process 1's: 1.5, 1.5 (the round
    // without a reference round, and the one over 0, left out); process 2's: 1.
    const x = [[4, 3, 9], [3, 6, 7, 1], [5]];
    const ref = [[2, 3, 3], [2, 4, 0], [5]];
    expect(pairedRatio(x, ref)).toEqual({ ratio: 1.5, processes: [1, 2] });
    expect(pairedRatio([], [])).toBeUndefined();
    const table = pairedTable(
      [
        { size: 0, nsPerFrameSamplesPerProcess: { a: x, x: ref } },
        { size: 1024, nsPerFrameSamplesPerProcess: { a: [[1]], x: [[1]] } },
      ],
      "x",
      [
        ["a", "SDK"],
        ["c", "not measured"],
      ],
    ).split("\n");
    expect(table[0]).toBe("| ns per frame over x's, paired by round | 0 B | 1 KiB |");
    expect(table[2]).toBe("| a: SDK | 1.500 (1.000–2.000) | 1.000 |");
    expect(table[3]).toBe("| c: not measured |  |  |");
  });

  it("marks a ratio at the target ✓ and one above it ✗", () => {
    expect(verdict(COLD_TARGET, COLD_TARGET)).toBe("1.25 ✓");
    expect(verdict(1.2501, COLD_TARGET)).toBe("1.2501 ✗");
    expect(verdict(1.0247, 1.02)).toBe("1.025 ✗");
    expect(verdict(1.0199, 1.02)).toBe("1.02 ✓");
    expect(verdict(1.63, COLD_TARGET)).toBe("1.63 ✗");
    const table = targetsTable([
      {
        label: "a: SDK",
        frames: new Map([
          [0, { ratio: 1.08, processes: [1.05, 1.1] as [number, number] }],
          [64, { ratio: 1.09, processes: [1.09, 1.09] as [number, number] }],
        ]),
        cold: { ratio: 1.63, processes: [1.6, 1.7] },
      },
    ]);
    expect(table.split("\n")[2]).toBe(
      "| a: SDK | 1.08 ✓ (1.05–1.10) | 1.09 ✗ |  |  |  | 1.63 ✗ (1.60–1.70) |",
    );
  });

  it("lists pages with runs collapsed", () => {
    expect(pageList([15, 0, 2, 1, 8])).toBe("0-2, 8, 15");
    expect(pageList([])).toBe("");
  });
});

describe("extra variants", () => {
  const a = variants.a.path;

  it("reads name=path lists from IXT_BENCH_VARIANTS and --variant, in order", () => {
    const got = variantsFrom(["--variant", `inc=${a}`, "--rounds", "3", "--variant", `x2=${a}`], {
      IXT_BENCH_VARIANTS: `min=${a}, ,other=${a}`,
    });
    expect(got.map((v) => v.name)).toEqual(["min", "other", "inc", "x2"]);
    expect(got.every((v) => v.path === a)).toBe(true);
  });

  it.each([
    [`a=${"$"}A`, /built-in/],
    [`m=${"$"}A,m=${"$"}A`, /given twice/],
    ["m", /expected name=path/],
    ["m=", /expected name=path/],
    [`9m=${"$"}A`, /a name is a letter/],
    ["m=/no/such/file.wasm", /does not exist/],
  ])("refuses %s", (spec, error) => {
    expect(() => parseVariants([spec.replaceAll("$A", a)])).toThrow(error);
  });
});
