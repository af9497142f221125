// The targets the memory design is judged by (issue 14), and the ratios that are held against them: in wasmtime,
// each SDK build's time over the hand-written WAT echo's (bench/echo.wat), measured side by side in one run. The
// bench prints each figure with ✓ or ✗; it is a report, never a failing test.

/** Highest ratio to the WAT echo per Data payload size (bytes), ns per frame on one open stream, in wasmtime. */
export const FRAME_TARGETS: ReadonlyMap<number, number> = new Map([
  [0, 1.08],
  [64, 1.08],
  [1024, 1.05],
  [64 * 1024, 1.02],
  [1024 * 1024, 1.02],
]);

/** Highest ratio to the WAT echo for a cold request (new store and instance, Open, 64-byte Data, Close), wall time. */
export const COLD_TARGET = 1.25;

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The `q` quantile of `xs` (0 ≤ q ≤ 1), linear between order statistics; NaN when `xs` is empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

/** A ratio of one module's time to the reference's, and how much it moves. */
export interface RatioSpread {
  /** Median over processes of the module's time over median over processes of the reference's. */
  ratio: number;
  /** Lowest and highest per-process ratio (each process's median over the reference's median). */
  processes: [number, number];
  /** 25th and 75th percentile of the per-round ratios (round r of the module over round r of the reference, in
   *  the same process), pooled over processes; absent when there are no per-round samples. */
  rounds?: [number, number];
}

/**
 * The ratio of `x` to `ref`, given each one's per-process medians and, optionally, each one's per-process
 * per-round samples (paired by index: the rounds ran interleaved). Returns undefined when either has no process.
 */
export function ratioSpread(
  x: { perProcess: readonly number[]; samples?: readonly (readonly number[])[] },
  ref: { perProcess: readonly number[]; samples?: readonly (readonly number[])[] },
): RatioSpread | undefined {
  const n = Math.min(x.perProcess.length, ref.perProcess.length);
  if (n === 0) return undefined;
  const perProcess = x.perProcess.slice(0, n).map((v, p) => v / ref.perProcess[p]);
  const out: RatioSpread = {
    ratio: median(x.perProcess) / median(ref.perProcess),
    processes: [Math.min(...perProcess), Math.max(...perProcess)],
  };
  if (x.samples && ref.samples) {
    const paired = roundRatios(x.samples, ref.samples).flat();
    if (paired.length) out.rounds = [quantile(paired, 0.25), quantile(paired, 0.75)];
  }
  return out;
}

/**
 * Per process, round r of `x` over round r of `ref` (the rounds ran interleaved, so they pair by index);
 * a round without a positive reference round is left out.
 */
function roundRatios(x: readonly (readonly number[])[], ref: readonly (readonly number[])[]): number[][] {
  return x.map((rounds, p) =>
    rounds.flatMap((v, r) => {
      const b = ref[p]?.[r];
      return b !== undefined && b > 0 ? [v / b] : [];
    }),
  );
}

/** A build's time over another's from rounds that ran side by side, and how far it can be trusted. */
export interface PairedRatio {
  /** Median over processes of each process's median per-round ratio. */
  ratio: number;
  /** Lowest and highest of those per-process medians. */
  processes: [number, number];
}

/**
 * `x`'s time over `ref`'s, paired by round: in each process the median of round r of `x` over round r of
 * `ref` (they ran next to each other, so a slow patch of the machine slows both), then the median over
 * processes. Steadier than a ratio of medians for telling two builds of one module apart. Undefined
 * without samples.
 */
export function pairedRatio(
  x: readonly (readonly number[])[],
  ref: readonly (readonly number[])[],
): PairedRatio | undefined {
  const perProcess = roundRatios(x, ref)
    .filter((ratios) => ratios.length > 0)
    .map(median);
  if (perProcess.length === 0) return undefined;
  return { ratio: median(perProcess), processes: [Math.min(...perProcess), Math.max(...perProcess)] };
}

/**
 * `1.06 ✓` or `1.63 ✗`: the ratio against its target, with two decimals, or as many more (up to six) as it takes
 * for a ratio above the target not to print as the target (`1.0247 ✗` against 1.02, not `1.02 ✗`).
 */
export function verdict(ratio: number, target: number): string {
  const ok = ratio <= target;
  let digits = 2;
  while (!ok && digits < 6 && Number(ratio.toFixed(digits)) <= target) digits++;
  return `${ratio.toFixed(digits)} ${ok ? "✓" : "✗"}`;
}

/** `(1.55–1.70)`, or nothing when the range is a single process's. */
export function range([lo, hi]: [number, number]): string {
  return lo === hi ? "" : ` (${lo.toFixed(2)}–${hi.toFixed(2)})`;
}

/** One module's row of the targets table. */
export interface TargetRow {
  label: string;
  /** Per payload size, the ratio to the WAT echo of ns per frame (missing sizes print empty). */
  frames: Map<number, RatioSpread>;
  /** The cold request's ratio to the WAT echo's. */
  cold?: RatioSpread;
}

const sizeLabel = (size: number): string =>
  size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;

/** A Markdown table's header: `head` as its first row, the first column left-aligned, the rest right. */
export function tableHead(head: readonly string[]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `|---|${head
      .slice(1)
      .map(() => "---:")
      .join("|")}|`,
  ];
}

/**
 * The targets table (markdown): a column per payload size and one for the cold request, headed by the target; each
 * cell the ratio with ✓ (within the target) or ✗, and the per-process range in parentheses.
 */
export function targetsTable(rows: readonly TargetRow[]): string {
  const sizes = [...FRAME_TARGETS.keys()];
  const head = [
    "ratio to the WAT echo (wasmtime)",
    ...sizes.map((s) => `${sizeLabel(s)} ≤ ${FRAME_TARGETS.get(s)!.toFixed(2)}`),
    `cold request ≤ ${COLD_TARGET.toFixed(2)}`,
  ];
  const lines = tableHead(head);
  for (const row of rows) {
    const cells = sizes.map((s) => {
      const r = row.frames.get(s);
      return r ? verdict(r.ratio, FRAME_TARGETS.get(s)!) + range(r.processes) : "";
    });
    cells.push(row.cold ? verdict(row.cold.ratio, COLD_TARGET) + range(row.cold.processes) : "");
    lines.push(`| ${row.label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/**
 * The per-frame table against a reference build (markdown): a row per module, a column per payload size, each
 * cell `pairedRatio` with three decimals and its per-process range. `results` are the wasmtime rows.
 */
export function pairedTable(
  results: readonly { size: number; nsPerFrameSamplesPerProcess: Record<string, number[][]> }[],
  ref: string,
  rows: readonly [key: string, label: string][],
): string {
  const lines = tableHead([
    `ns per frame over ${ref}'s, paired by round`,
    ...results.map((r) => sizeLabel(r.size)),
  ]);
  for (const [key, label] of rows) {
    const cells = results.map((r) => {
      const x = r.nsPerFrameSamplesPerProcess[key];
      const b = r.nsPerFrameSamplesPerProcess[ref];
      const paired = x && b ? pairedRatio(x, b) : undefined;
      if (!paired) return "";
      const [lo, hi] = paired.processes;
      return `${paired.ratio.toFixed(3)}${lo === hi ? "" : ` (${lo.toFixed(3)}–${hi.toFixed(3)})`}`;
    });
    lines.push(`| ${key}: ${label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
