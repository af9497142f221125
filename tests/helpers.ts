// Shared test helpers: where the built modules are, and how to read the probe fixture's log.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { IxtHost, type HostOptions } from "../host-shim/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Path of a built example, e.g. `example("stream_echo")`. */
export const example = (name: string): string => `${root}build/${name}.wasm`;
/** Path of a built test fixture. */
export const fixture = (name: string): string => `${root}build/fixtures/${name}.wasm`;

/** The golden vectors file. */
export interface Vectors {
  valid: { name: string; hex: string; trailingHex?: string; frame: Record<string, string | number> }[];
  malformed: { name: string; hex: string; result: number; rule: number }[];
}
export const vectors: Vectors = JSON.parse(readFileSync(`${root}tests/vectors/frames.json`, "utf8"));

/** Loads the probe fixture. */
export const loadProbe = (options?: HostOptions): Promise<IxtHost> => IxtHost.load(fixture("probe"), options);

/** One line of the probe's log. */
export type ProbeEntry = Record<string, string | number>;

/** Takes (and clears) the probe's log of callbacks. */
export function takeLog(host: IxtHost): ProbeEntry[] {
  const e = host.instance.exports as { probe_log_take(): number; probe_log_len(): number };
  const ptr = e.probe_log_take() >>> 0;
  const text = new TextDecoder().decode(new Uint8Array(host.memory.buffer, ptr, e.probe_log_len()));
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ProbeEntry);
}

/** GitHub's anchors for a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.replace(/```[^]*?```/g, "").matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** The environment a test's commands run with: a clean npm one, not the one `npm test` hands its children. */
export const commandEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
);

/** Runs `file args` in `cwd` and returns its stdout; a failure throws with its stdout and stderr. */
export function sh(cwd: string, file: string, args: string[]): string {
  try {
    return execFileSync(file, args, {
      cwd,
      env: commandEnv,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}
