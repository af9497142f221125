/**
 * `ixt-sdk-as/testing`: build a module from a test (with the project's asconfig, cached) and drive it in
 * the host shim. Everything the host shim exports is re-exported, so a test needs one import:
 *
 * ```ts
 * import { loadModule, streamIdOf, dataTexts } from "ixt-sdk-as/testing";
 * const host = await loadModule("assembly/index.ts");
 * ```
 *
 * @module ixt-sdk-as/testing
 */

import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { type HostOptions, IxtHost } from "./host.js";
import { packageRoot } from "./package-root.js";
import { sourceMapNextTo } from "./trap-frames.js";

export * from "./index.js";

const WASI = "wasi_snapshot_preview1";

/**
 * The environment variable that picks `buildModule`'s and `loadModule`'s default target: "debug" or
 * "release". The scaffold's vitest.config.ts sets it per project, so `npm test` runs every test file
 * against both builds (`npx vitest run --project debug` runs one).
 */
export const TARGET_ENV = "IXT_TARGET";

/** The default target: `$IXT_TARGET` when it is "debug" or "release", else "release". */
export function defaultTarget(): "release" | "debug" {
  const target = process.env[TARGET_ENV];
  if (target === undefined || target === "") return "release";
  if (target !== "release" && target !== "debug")
    throw new Error(`${TARGET_ENV} must be "debug" or "release", not ${JSON.stringify(target)}`);
  return target;
}

/** Options for `buildModule`. */
export interface BuildOptions {
  /**
   * The asconfig target: "release" or "debug" (the preset's debug target keeps debug info, `log` lines and
   * the SDK's guards: a `StreamFrame` kept past its callback aborts, a send on an ended stream warns).
   * Default: `$IXT_TARGET` (see `TARGET_ENV`), else "release".
   */
  target?: "release" | "debug";
  /**
   * The asconfig file (default `./asconfig.json`, which extends the ixt-sdk-as preset). Without one, the
   * package's `asconfig.preset.json` is used.
   */
  config?: string;
  /** Where built modules are kept (default `node_modules/.cache/ixt-sdk-as`). Paths are relative to the cwd. */
  cacheDir?: string;
}

/** Thrown by `buildModule` when asc fails; `diagnostics` is what asc printed. */
export class BuildError extends Error {
  constructor(
    message: string,
    /** asc's diagnostics, as it printed them. */
    readonly diagnostics: string,
  ) {
    super(message);
    this.name = "BuildError";
  }
}

/** The cache's format: bump it when what a build depends on changes. */
const CACHE_FORMAT = 1;

/** Which files asc read (or looked for) to build a module, with a hash of each: the cache's inputs. */
interface Manifest {
  format: number;
  /** [absolute path, sha256 of the content or null when asc found no file there]. */
  files: [string, string | null][];
  /** [absolute directory, sha256 of the listing or null], for asc's `lib` folders. */
  dirs: [string, string | null][];
  /** The build's folder under the cache dir. */
  build: string;
}

const sha256 = (...parts: (string | Uint8Array)[]): string => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
};

async function fileHash(path: string): Promise<string | null> {
  try {
    return sha256(await readFile(path));
  } catch {
    return null;
  }
}

async function listing(dir: string): Promise<string[] | null> {
  try {
    return (await readdir(dir)).filter((name) => /^(?!.*\.d\.ts$).*\.ts$/.test(name)).sort();
  } catch {
    return null;
  }
}

const listingHash = (names: string[] | null) => (names === null ? null : sha256(names.join("\n")));

type Asc = typeof import("assemblyscript/asc");

async function loadAsc(): Promise<Asc> {
  try {
    return (await import("assemblyscript/asc")).default as unknown as Asc;
  } catch (err) {
    throw new Error(
      `ixt-sdk-as/testing: buildModule needs the assemblyscript package (npm install --save-dev assemblyscript): ${(err as Error).message}`,
    );
  }
}

/**
 * The installed asc's version, read from its package.json: importing asc itself takes seconds, so it is
 * imported only to compile (a cache miss).
 */
function ascVersion(): string {
  try {
    const manifest = createRequire(import.meta.url).resolve("assemblyscript/package.json");
    return JSON.parse(readFileSync(manifest, "utf8")).version;
  } catch (err) {
    throw new Error(
      `ixt-sdk-as/testing: buildModule needs the assemblyscript package (npm install --save-dev assemblyscript): ${(err as Error).message}`,
    );
  }
}

/** Versions of the transforms the config chain names, so that upgrading json-as rebuilds. */
function transformVersions(configFiles: [string, string | null][]): string[] {
  const versions: string[] = [];
  for (const [path, hash] of configFiles) {
    if (hash === null || !path.endsWith(".json")) continue;
    let transforms: unknown;
    try {
      transforms = JSON.parse(readFileSync(path, "utf8"))?.options?.transform;
    } catch {
      continue;
    }
    for (const name of Array.isArray(transforms) ? transforms : []) {
      if (typeof name !== "string" || name.startsWith(".")) continue;
      const pkg = join(dirname(path), "node_modules", name, "package.json");
      try {
        versions.push(`${name}@${JSON.parse(readFileSync(pkg, "utf8")).version}`);
      } catch {
        versions.push(name);
      }
    }
  }
  return versions;
}

/** Builds run one at a time in a process (asc is not meant to run concurrently). */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Compiles an AssemblyScript entry file with asc and the project's asconfig (`./asconfig.json`, which
 * extends the ixt-sdk-as preset) and returns the path of the `.wasm`.
 *
 * The module is cached under `node_modules/.cache/ixt-sdk-as/`, keyed by the content of every file asc
 * read for it (the entry, what it imports from the project and from packages such as ixt-sdk-as, the
 * asconfig files), the asc version, the installed versions of the config's transforms and the target: a
 * later call with nothing changed returns the cached module without compiling. A compile error throws a
 * `BuildError` whose message carries asc's diagnostics.
 */
export function buildModule(entry: string, options: BuildOptions = {}): Promise<string> {
  const build = queue.then(() => buildNow(entry, options));
  queue = build.catch(() => undefined);
  return build;
}

async function buildNow(entry: string, options: BuildOptions): Promise<string> {
  const target = options.target ?? defaultTarget();
  const entryPath = resolve(entry);
  if (!existsSync(entryPath)) throw new Error(`buildModule: no such entry file ${entryPath}`);
  let config = resolve(options.config ?? "asconfig.json");
  if (!existsSync(config)) {
    if (options.config !== undefined) throw new Error(`buildModule: no such asconfig file ${config}`);
    config = join(packageRoot(), "asconfig.preset.json");
  }
  const cacheDir = resolve(options.cacheDir ?? join("node_modules", ".cache", "ixt-sdk-as"));
  const version = ascVersion();
  const name = basename(entryPath).replace(/\.ts$/, "");

  // The manifest of the last build of this entry, config and target says which files to compare.
  const manifestPath = join(
    cacheDir,
    `${name}-${sha256(String(CACHE_FORMAT), version, target, entryPath, config).slice(0, 16)}.json`,
  );
  const wasmIn = (build: string) => join(cacheDir, build, `${name}.wasm`);
  try {
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Manifest;
    if (manifest.format === CACHE_FORMAT && existsSync(wasmIn(manifest.build))) {
      const files = await Promise.all(manifest.files.map(async ([path]) => fileHash(path)));
      const dirs = await Promise.all(manifest.dirs.map(async ([dir]) => listingHash(await listing(dir))));
      const same =
        manifest.files.every(([, hash], i) => hash === files[i]) &&
        manifest.dirs.every(([, hash], i) => hash === dirs[i]);
      if (same) return wasmIn(manifest.build);
    }
  } catch {
    // no manifest yet, or an unreadable one: build
  }

  const asc = await loadAsc(); // a cache miss: compile
  const files = new Map<string, string | null>();
  const dirs = new Map<string, string | null>();
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const scratch = join(cacheDir, `tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  await mkdir(scratch, { recursive: true });
  try {
    const { error } = await asc.main(
      [
        entryPath,
        "--config",
        config,
        "--target",
        target,
        "--outFile",
        join(scratch, `${name}.wasm`),
        "--noColors",
      ],
      {
        stdout,
        stderr,
        readFile: async (filename, baseDir) => {
          const path = resolve(baseDir, filename);
          try {
            const text = await readFile(path, "utf8");
            files.set(path, sha256(Buffer.from(text, "utf8")));
            return text;
          } catch {
            files.set(path, null);
            return null;
          }
        },
        listFiles: async (dirname, baseDir) => {
          const dir = resolve(baseDir, dirname);
          const names = await listing(dir);
          dirs.set(dir, listingHash(names));
          return names;
        },
      },
    );
    if (error) {
      const diagnostics = stderr.toString().trim();
      throw new BuildError(
        `asc could not build ${entry} (target ${target}, config ${config}): ${error.message}${diagnostics ? `\n${diagnostics}` : ""}`,
        diagnostics,
      );
    }
    const manifestFiles = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
    const manifestDirs = [...dirs].sort(([a], [b]) => (a < b ? -1 : 1));
    const key = sha256(
      String(CACHE_FORMAT),
      version,
      target,
      entryPath,
      config,
      ...transformVersions(manifestFiles),
      JSON.stringify(manifestFiles),
      JSON.stringify(manifestDirs),
    ).slice(0, 16);
    const buildName = `${name}-${key}`;
    try {
      await rename(scratch, join(cacheDir, buildName));
    } catch {
      // another process built the same inputs at the same time: theirs is as good as ours
      if (!existsSync(wasmIn(buildName)))
        throw new Error(`buildModule: cannot write ${join(cacheDir, buildName)}`);
    }
    const manifest: Manifest = {
      format: CACHE_FORMAT,
      files: manifestFiles,
      dirs: manifestDirs,
      build: buildName,
    };
    const manifestScratch = `${manifestPath}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(manifestScratch, JSON.stringify(manifest));
    await rename(manifestScratch, manifestPath);
    return wasmIn(buildName);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Options for `loadModule`: how to build it and how the host runs it. */
export type LoadOptions = BuildOptions & HostOptions;

/**
 * Builds the module (`buildModule`, cached; the target is `options.target`, else `$IXT_TARGET`, else
 * "release") and loads it in the host shim (`IxtHost.load`). A module built
 * with the WASI profile gets Node's WASI (its output on this process's stdout and stderr) unless
 * `imports` provides `wasi_snapshot_preview1`, and a reactor's `_initialize` runs before the first frame.
 * A debug build's source map is loaded too, so a `GuestTrap` names source lines, the author's first.
 *
 * Unlike `IxtHost.load`, the defaults are strict: `locateLogs: true` and `sdkWarnings: "throw"`, so in a
 * debug build a warning from the SDK (a send on a stream that has ended) makes the `dispatch` throw an
 * `SdkWarning` naming the author's line (pass `sdkWarnings: "keep"` to only record it in `host.logs`).
 * `memoryLimit` caps the module's memory as the runtime does.
 *
 * Rejects with `BuildError` when asc fails, and with `ModuleLoadError` when the module cannot run (an
 * `env` import from a build without the ixt-sdk-as preset, `console.log`, a missing
 * `export * from "ixt-sdk-as/exports"`): its message says how to fix each problem, as `ixt-as check` does.
 */
export async function loadModule(entry: string, options: LoadOptions = {}): Promise<IxtHost> {
  const path = await buildModule(entry, options);
  // A debug build's source map is next to it in the cache: a trap then names its source lines.
  options = {
    ...options,
    sourceMap: options.sourceMap ?? sourceMapNextTo(path) ?? false,
    locateLogs: options.locateLogs ?? true,
    sdkWarnings: options.sdkWarnings ?? "throw",
  };
  // The bytes, not a compiled module, go to the host: it can then see top-level log lines (IxtHost.load).
  const bytes = new Uint8Array(await readFile(path));
  const module = await WebAssembly.compile(bytes);
  const needsWasi = WebAssembly.Module.imports(module).some((i) => i.module === WASI);
  const reactor = WebAssembly.Module.exports(module).some((e) => e.name === "_initialize");
  if (options.onInstance || (!needsWasi && !reactor) || (needsWasi && options.imports?.[WASI])) {
    return IxtHost.load(bytes, options);
  }
  if (!needsWasi) {
    const start = (instance: WebAssembly.Instance) => (instance.exports._initialize as () => void)();
    return IxtHost.load(bytes, { ...options, onInstance: start });
  }
  const { WASI: NodeWasi } = await import("node:wasi");
  const wasi = new NodeWasi({ version: "preview1", args: [basename(entry)], env: {}, returnOnExit: true });
  return IxtHost.load(bytes, {
    ...options,
    imports: { ...options.imports, [WASI]: wasi.wasiImport },
    onInstance: (instance) => wasi.initialize(instance),
  });
}

/** One module of a project (`moduleEntries`): its entry file and where `npm run build` writes it. */
export interface ModuleEntry {
  /** The entry file, relative to the project: `assembly/index.ts`. */
  entry: string;
  /** The module's name: the entry's file name without `.ts` ("index" for assembly/index.ts). */
  name: string;
  /** The release build: `build/module.wasm` for assembly/index.ts, else `build/<name>.wasm`. */
  wasm: string;
  /** The debug build: `build/module.debug.wasm`, else `build/<name>.debug.wasm`. */
  debugWasm: string;
}

/** The ABI's exports re-exported by an entry file: what makes a file of `assembly/` a module. */
const EXPORTS_LINE = /^\s*export\s+\*\s+from\s+["']ixt-sdk-as\/exports["']/m;

/**
 * The modules of a project, sorted by entry: every `*.ts` file directly in `dir` (default `assembly`,
 * relative to the cwd) that re-exports the ABI (`export * from "ixt-sdk-as/exports"`). Helpers a module
 * imports are not modules (they do not re-export the ABI); neither are subfolders' files. The scaffold's
 * `scripts/modules.mjs` builds and checks these, and its `tests/modules.test.ts` loads each.
 */
export function moduleEntries(dir = "assembly"): ModuleEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"));
  } catch {
    return [];
  }
  return names
    .sort()
    .filter((name) => EXPORTS_LINE.test(readFileSync(join(dir, name), "utf8")))
    .map((file) => {
      const name = file.slice(0, -3);
      const out = name === "index" ? "module" : name;
      return {
        entry: `${dir}/${file}`,
        name,
        wasm: `build/${out}.wasm`,
        debugWasm: `build/${out}.debug.wasm`,
      };
    });
}
