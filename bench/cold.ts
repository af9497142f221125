// The cold request (issue 14): what one request costs a runtime that makes a new instance for it. wasmtime's
// figures come from bench/wasmtime/driver.c (step 4); V8's are measured here, in this process, the same way. This
// file also prints both, and the pages the first request touches, as tables.
import { readFileSync } from "node:fs";
import { type ColdTimes, coldRequester } from "./harness.js";
import {
  COLD_TARGET,
  type RatioSpread,
  type TargetRow,
  median,
  range,
  ratioSpread,
  tableHead,
  verdict,
} from "./targets.js";
import { COLD_PHASES, type DriverPages, type WasmtimeResult } from "./wasmtime.js";

/** One module's cold requests in one engine. Times are wall-clock µs, medians over rounds (and processes). */
export interface ColdFigures {
  /** Instantiate through the Close answered. */
  wallUs: number;
  wallUsMin: number;
  /** Thread CPU µs of the same span (wasmtime only). */
  cpuUs?: number;
  /** Per phase; `teardown` (deleting the store) is wasmtime's only and is not in `wallUs`. */
  phasesUs: Partial<Record<(typeof COLD_PHASES)[number], number>>;
  /** Each process's median `wallUs` (V8: one, this process). */
  wallUsPerProcess: number[];
  /** Each process's rounds, paired by index across modules. */
  wallUsSamplesPerProcess: number[][];
}

/**
 * Cold requests in V8 (see `coldRequester`): each module compiled once, then `warm` untimed and `rounds` timed
 * requests per module, interleaved (each round runs every module once, in an order that rotates from round to
 * round). `collect` runs before every request, untimed, so that no request pays for another's garbage (the last
 * instance's memory among it). Throws when a module does not echo.
 */
export function measureColdV8(
  paths: Record<string, string>,
  o: { rounds: number; warm: number; collect: () => void },
): Record<string, ColdFigures> {
  const keys = Object.keys(paths);
  const requests = keys.map((k) => coldRequester(new WebAssembly.Module(readFileSync(paths[k]))));
  for (let w = 0; w < o.warm; w++)
    for (let j = 0; j < keys.length; j++) {
      o.collect();
      requests[(w + j) % keys.length]();
    }
  const samples: ColdTimes[][] = keys.map(() => []);
  for (let r = 0; r < o.rounds; r++)
    for (let j = 0; j < keys.length; j++) {
      const i = (r + j) % keys.length;
      o.collect();
      samples[i].push(requests[i]());
    }
  return Object.fromEntries(
    keys.map((k, i) => {
      const totals = samples[i].map((t) => t.total);
      const figures: ColdFigures = {
        wallUs: median(totals),
        wallUsMin: Math.min(...totals),
        phasesUs: Object.fromEntries(
          (["instantiate", "open", "data", "close"] as const).map((p) => [
            p,
            median(samples[i].map((t) => t[p])),
          ]),
        ),
        wallUsPerProcess: [median(totals)],
        wallUsSamplesPerProcess: [totals],
      };
      return [k, figures];
    }),
  );
}

/** The cold request's ratio of `k` to the reference `ref` (the WAT echo), with its spread. */
export function coldRatio(
  figures: Record<string, ColdFigures>,
  k: string,
  ref = "b",
): RatioSpread | undefined {
  const x = figures[k];
  const b = figures[ref];
  if (!x || !b) return undefined;
  return ratioSpread(
    { perProcess: x.wallUsPerProcess, samples: x.wallUsSamplesPerProcess },
    { perProcess: b.wallUsPerProcess, samples: b.wallUsSamplesPerProcess },
  );
}

/** wasmtime's cold-request figures per module; undefined when the driver measured none. */
export function coldFiguresOf(w: WasmtimeResult): Record<string, ColdFigures> | undefined {
  const entries = Object.entries(w.modules).filter(([, m]) => m.cold);
  return entries.length ? Object.fromEntries(entries.map(([k, m]) => [k, m.cold!])) : undefined;
}

/**
 * The rows of the targets table: for each module of `w` in `targeted`, its ratios to the WAT echo (`b`) per
 * payload size and for the cold request, labelled `key: label`. Empty when `w` has no `b`.
 */
export function wasmtimeTargets(
  w: WasmtimeResult,
  targeted: ReadonlySet<string>,
  labels: Record<string, { label: string }>,
): (TargetRow & { key: string })[] {
  const cold = coldFiguresOf(w);
  return Object.keys(w.modules)
    .filter((k) => targeted.has(k) && w.modules.b)
    .map((k) => {
      const frames = new Map<number, RatioSpread>();
      for (const row of w.results) {
        const r = ratioSpread(
          { perProcess: row.nsPerFramePerProcess[k] },
          { perProcess: row.nsPerFramePerProcess.b },
        );
        if (r) frames.set(row.size, r);
      }
      return { key: k, label: `${k}: ${labels[k]?.label ?? k}`, frames, cold: cold && coldRatio(cold, k) };
    });
}

const us = (x: number | undefined): string => (x === undefined ? "" : x.toFixed(1));

/**
 * The cold-request table (markdown): per engine and module, the median wall µs and the fastest request, the
 * ratio to the WAT echo with its per-process range and the 25th–75th percentile of the per-round ratios, the
 * phases, and thread CPU µs. The ratio is marked against `COLD_TARGET` for the modules in `targeted`, in the
 * engines given as judged (wasmtime; V8 is reported, not judged).
 */
export function coldTable(
  engines: [engine: string, figures: Record<string, ColdFigures>, judged: boolean][],
  labels: Record<string, string>,
  targeted: ReadonlySet<string>,
): string {
  const head = [
    "cold request",
    "wall µs",
    "fastest µs",
    "ratio to WAT (processes)",
    "per-round ratio p25–p75",
    ...COLD_PHASES.map((p) => `${p} µs`),
    "CPU µs",
  ];
  const lines = tableHead(head);
  for (const [engine, figures, judged] of engines) {
    for (const [k, f] of Object.entries(figures)) {
      const r = k === "b" ? undefined : coldRatio(figures, k);
      const ratio = r
        ? (judged && targeted.has(k) ? verdict(r.ratio, COLD_TARGET) : r.ratio.toFixed(2)) +
          range(r.processes)
        : k === "b"
          ? "1 (the limit)"
          : "";
      const cells = [
        `${engine}: ${k}: ${labels[k] ?? k}`,
        us(f.wallUs),
        us(f.wallUsMin),
        ratio,
        r?.rounds ? `${r.rounds[0].toFixed(2)}–${r.rounds[1].toFixed(2)}` : "",
        ...COLD_PHASES.map((p) => us(f.phasesUs[p])),
        us(f.cpuUs),
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

const pair = ([a, b]: [number, number]): string => (a < 0 ? "n/a" : `${a} → ${b}`);

/** `0-2, 15`: sorted page indices with runs collapsed. */
export function pageList(pages: readonly number[]): string {
  const s = [...pages].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j === i ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

/**
 * The pages table (markdown), wasmtime: per module, memory.size in 64 KiB pages, the 4 KiB pages whose bytes
 * changed, the 4 KiB pages resident for the instance (each a page fault), each after instantiation → after the
 * first request's Close; the thread's minor faults during instantiation / during the request; and which 4 KiB
 * pages were resident at the end.
 */
export function pagesTable(
  pages: Record<string, DriverPages | undefined>,
  labels: Record<string, string>,
): string {
  const head = [
    "pages (wasmtime)",
    "memory.size (64 KiB)",
    "4 KiB pages changed",
    "4 KiB pages resident",
    "minor faults (inst. / request)",
    "resident pages (4 KiB index)",
  ];
  const lines = tableHead(head);
  for (const [k, p] of Object.entries(pages)) {
    if (!p) continue;
    const cells = [
      `${k}: ${labels[k] ?? k}`,
      pair(p.memoryPages),
      pair(p.changed4k),
      pair(p.resident4k),
      `${p.minorFaults[0]} / ${p.minorFaults[1]}`,
      p.resident4k[1] < 0 ? "n/a" : pageList(p.residentPages),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
