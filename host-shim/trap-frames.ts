// Where a trap happened, in the AssemblyScript source: V8's stack of a wasm trap names each frame by its
// module byte offset (`wasm://wasm/<hash>:wasm-function[N]:0x<offset>`), and a debug build's source map
// (`<name>.wasm.map`, written by asc with the preset's `debug` target) maps those offsets to lines.
//
// asc's (Binaryen's) source maps put the whole module on generated line 1 and use the byte offset from the
// start of the module as the generated column, the same offset V8 prints. A frame's offset is the call
// instruction (or, innermost, the trapping one); the mapping at or before it is its source position. Code
// with no debug location (a 1-field segment: a call the compiler made, such as a failed assert's abort)
// takes the last position before it in the same function body; a frame with none is left out.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve, sep } from "node:path";
import type { SourceMapConsumer } from "source-map";
import { packageRoot } from "./package-root.js";

/**
 * Who wrote the code of a frame: the module's author, the SDK (`ixt-sdk-as`'s own sources), or a library
 * under `~lib/` (AssemblyScript's standard library, or another package such as json-as).
 */
export type FrameOrigin = "module" | "sdk" | "library";

/** One frame of a trap's stack, in the AssemblyScript source. */
export interface TrapFrame {
  /** The source file as asc named it: relative to the folder asc ran in, or `~lib/…` for a library. */
  file: string;
  /** The line, from 1. */
  line: number;
  /** The column, from 1 (as editors and asc's diagnostics count). */
  column: number;
  /** The function, as the module's name section says it (`readPast`, `Echo#onData`), when known. */
  function?: string;
  /** Whose code it is. */
  origin: FrameOrigin;
}

/** A wasm frame of V8's stack: the function's name (when the module has a name section) and byte offset. */
interface WasmFrame {
  name: string | undefined;
  offset: number;
}

/** The wasm frames of a V8 stack trace, innermost first. */
function wasmFramesOf(stack: string): WasmFrame[] {
  const frames: WasmFrame[] = [];
  for (const line of stack.split("\n")) {
    const match = /^\s*at (?:(.*) \()?wasm:\/\/wasm\/[^\s]*:wasm-function\[\d+\]:0x([0-9a-f]+)\)?\s*$/.exec(
      line,
    );
    if (match) frames.push({ name: match[1], offset: parseInt(match[2], 16) });
  }
  return frames;
}

/** The SDK's own AssemblyScript: `~lib/ixt-sdk-as/…` from node_modules, or the package's files by path. */
function originOf(file: string): FrameOrigin {
  if (file.startsWith("~lib/ixt-sdk-as/")) return "sdk";
  if (file.startsWith("~lib/")) return "library";
  const path = resolve(file); // asc names sources relative to the folder it ran in: the cwd, for buildModule
  const root = packageRoot();
  const inSdk =
    path.startsWith(resolve(root, "assembly") + sep) ||
    path === resolve(root, "index.ts") ||
    path === resolve(root, "exports.ts");
  return inSdk ? "sdk" : "module";
}

/** `tests/fixtures/bug/readPast` in `tests/fixtures/bug.ts` is `readPast`; a name from another file stays whole. */
function shortName(name: string | undefined, file: string): string | undefined {
  if (name === undefined) return undefined;
  const prefix = `${file.replace(/\.ts$/, "")}/`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** Reads an unsigned LEB128 integer at `at`: its value and the offset after it. */
function leb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) break;
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: at };
  }
  throw new RangeError("malformed LEB128 integer");
}

/** The byte offsets where the module's function bodies start, ascending (read from its code section). */
function functionStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const size = leb(bytes, at + 1);
    if (id === 10) {
      let count = leb(bytes, size.next);
      for (let pos = count.next, n = count.value; n > 0; n--) {
        const body = leb(bytes, pos);
        starts.push(pos);
        pos = body.next + body.value;
      }
      break;
    }
    at = size.next + size.value;
  }
  return starts;
}

/** The last index of `sorted` whose value is at most `value`, or -1. */
function lastAtMost(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The mappings of a source map, by generated column (the module offset); `source` -1 for code without one. */
interface OffsetTable {
  offsets: number[];
  source: number[];
  line: number[];
  column: number[];
  files: string[];
}

// A consumer holds the map in source-map's wasm memory until destroyed: destroy an unused one with its host.
const consumers = new FinalizationRegistry<SourceMapConsumer>((consumer) => consumer.destroy());

/** Maps the wasm frames of a trap to source lines with a debug build's source map. */
export class TrapLocator {
  private table: OffsetTable | null = null;
  private consumer: SourceMapConsumer | null;
  private readonly starts: number[];

  private constructor(
    consumer: SourceMapConsumer,
    bytes: Uint8Array | null,
    private readonly shift: number,
  ) {
    this.consumer = consumer;
    this.starts = bytes ? functionStarts(bytes) : [];
  }

  /**
   * Reads the source map at `path`. `bytes` is the module as built (its code section bounds each frame's
   * search; without it, a frame whose own offset has no source position is left out). `shift` is what the
   * host added to every code offset by rewriting the module before compiling it (the shim moves a debug
   * build's start function; 0 otherwise). Throws when the file cannot be read or is not a source map.
   */
  static async load(path: string, bytes: Uint8Array | null = null, shift = 0): Promise<TrapLocator> {
    let raw: { sourceRoot?: string; mappings?: unknown };
    try {
      raw = JSON.parse(await readFile(path, "utf8"));
    } catch (err) {
      throw new Error(`cannot read the source map ${path}: ${(err as Error).message}`);
    }
    if (typeof raw?.mappings !== "string") throw new Error(`${path} is not a source map (no "mappings")`);
    // asc's sourceRoot is "./<name>", which would prefix every file: keep the files as asc named them.
    delete raw.sourceRoot;
    const { SourceMapConsumer } = await import("source-map"); // only for a build that has a map
    const consumer = (await new SourceMapConsumer(raw as never)) as SourceMapConsumer;
    return new TrapLocator(consumer, bytes, shift);
  }

  /** Destroys the source map's consumer once `owner` (the host) is collected, if no trap has done so. */
  ownedBy(owner: object): this {
    if (this.consumer) consumers.register(owner, this.consumer, this);
    return this;
  }

  /** The mappings, read at the first trap; the consumer is then no longer needed. */
  private offsets(): OffsetTable {
    if (this.table) return this.table;
    const table: OffsetTable = { offsets: [], source: [], line: [], column: [], files: [] };
    const fileIndex = new Map<string, number>();
    this.consumer!.eachMapping((m) => {
      let source = -1;
      if (m.source !== null && m.originalLine !== null) {
        source = fileIndex.get(m.source) ?? table.files.push(m.source) - 1;
        fileIndex.set(m.source, source);
      }
      table.offsets.push(m.generatedColumn);
      table.source.push(source);
      table.line.push(m.originalLine ?? 0);
      table.column.push(m.originalColumn ?? 0);
    });
    this.consumer!.destroy();
    consumers.unregister(this);
    this.consumer = null;
    this.table = table;
    return table;
  }

  /**
   * The source position of the code at module offset `offset`: the mapping at or before it; when that
   * code has no source position (a call the compiler made, such as the abort of a failed assert), the last
   * one before it in the same function body.
   */
  private positionAt(offset: number, ownFile = -1): { file: string; line: number; column: number } | null {
    const t = this.offsets();
    const body = lastAtMost(this.starts, offset);
    const floor = body >= 0 ? this.starts[body] : -1; // -1: bodies unknown, the exact mapping only
    let i = lastAtMost(t.offsets, offset);
    if (floor >= 0) while (i >= 0 && t.source[i] < 0 && t.offsets[i] >= floor) i--;
    if (i < 0 || t.source[i] < 0 || t.offsets[i] < floor) return null;
    // A call site: code inlined into the caller's argument list (a default parameter's value, written in
    // the callee's file) comes just before the call; the caller's own last position is the call's line.
    if (ownFile >= 0 && floor >= 0 && t.source[i] !== ownFile) {
      let j = i;
      while (j >= 0 && t.offsets[j] >= floor && t.source[j] !== ownFile) j--;
      if (j >= 0 && t.offsets[j] >= floor) i = j;
    }
    return { file: t.files[t.source[i]], line: t.line[i], column: t.column[i] + 1 };
  }

  /**
   * The source file of a function by its name in the name section, which asc spells as the file's path
   * without `.ts`, then `/`, then the function (`tests/fixtures/bug/readPast`): its index in the map's
   * files, or -1.
   */
  private fileOfFunction(name: string | undefined): number {
    if (name === undefined) return -1;
    const files = this.offsets().files;
    let best = -1;
    for (let k = 0; k < files.length; k++) {
      const prefix = `${files[k].replace(/\.ts$/, "")}/`;
      if (name.startsWith(prefix) && (best < 0 || files[best].length < files[k].length)) best = k;
    }
    return best;
  }

  /** The source frames of a trap (its engine error), innermost first; frames the map does not cover are left out. */
  framesOf(error: unknown): TrapFrame[] {
    const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
    const frames: TrapFrame[] = [];
    for (const [index, { name, offset }] of wasmFramesOf(stack).entries()) {
      // The innermost frame is where the trap happened, exactly; an outer one is a call, in its own file.
      const at = this.positionAt(offset - this.shift, index === 0 ? -1 : this.fileOfFunction(name));
      if (at === null) continue;
      const frame: TrapFrame = { ...at, origin: originOf(at.file) };
      const fn = shortName(name, at.file);
      if (fn !== undefined) frame.function = fn;
      frames.push(frame);
    }
    return frames;
  }
}

/** The default source map of a module file: `<path>.map` when that file exists (asc writes it there). */
export function sourceMapNextTo(wasmPath: string): string | undefined {
  const path = `${wasmPath}.map`;
  return existsSync(path) ? path : undefined;
}

/** At most this many frames are printed of each kind (the module's own, then the SDK's and libraries'). */
const PRINTED_FRAMES = 6;

/**
 * A trap's frames as lines to print: the module's own frames first (innermost first), then the SDK's and
 * libraries' marked `[sdk]` or `[library]`, each `at function (file:line:column)`, indented by `indent`.
 */
export function formatTrapFrames(frames: readonly TrapFrame[], indent = "    "): string[] {
  const line = (f: TrapFrame) => {
    const where = `${f.file}:${f.line}:${f.column}`;
    const mark = f.origin === "module" ? "" : ` [${f.origin}]`;
    return `${indent}at ${f.function ? `${f.function} (${where})` : where}${mark}`;
  };
  const own = frames.filter((f) => f.origin === "module");
  const other = frames.filter((f) => f.origin !== "module");
  const out = [...own.slice(0, PRINTED_FRAMES).map(line), ...other.slice(0, PRINTED_FRAMES).map(line)];
  const left = Math.max(0, own.length - PRINTED_FRAMES) + Math.max(0, other.length - PRINTED_FRAMES);
  if (left > 0) out.push(`${indent}… ${left} more (GuestTrap.frames has them all)`);
  return out;
}
