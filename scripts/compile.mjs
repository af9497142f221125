// Compiles AssemblyScript entry files with asc, one module each: shared by the build scripts.
//
// Builds are incremental: each output folder keeps a manifest, `<outDir>/.inputs.json`, that records for
// every module the files asc read to build it (the entry, everything it imports from the SDK, the examples
// or packages, transitively; the asc config chain; a `lib` folder's listing), each with a hash of its
// content (or null where asc looked for a file and found none), under a key made of the asc arguments, the
// compiler's version, the config's transforms' versions and these build scripts. A module is compiled again
// only when its output is missing, its key changed, or one of its recorded inputs changed: a change to
// assembly/text/lines.ts rebuilds the modules that import lines.ts, directly or not, and nothing else.
// IXT_REBUILD=1 compiles every module anyway. A fresh clone has no build/, hence no manifest: it builds
// everything.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The manifest's format: bump it when what it records changes. */
const FORMAT = 4;
const MANIFEST = ".inputs.json";
/** The scripts that decide how a module is built: a change to any of them rebuilds everything. */
const SCRIPTS = ["compile.mjs", "build-wasm.mjs", "build-wasi.mjs"].map((name) =>
  fileURLToPath(new URL(name, import.meta.url)),
);

const sha256 = (...parts) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
};

/** A path as the manifest keeps it: relative to the working directory, with forward slashes. */
const key = (path) => relative(process.cwd(), path).split("\\").join("/") || ".";

/** The .ts files of a folder (what asc lists for a `lib` folder), sorted; null when there is none. */
function listing(dir) {
  try {
    return readdirSync(dir)
      .filter((name) => /^(?!.*\.d\.ts$).*\.ts$/.test(name))
      .sort();
  } catch {
    return null;
  }
}

const listingHash = (names) => (names === null ? null : sha256(names.join("\n")));

/** Hashes of files and listings, each computed once per process (many modules share their inputs). */
const fileHashes = new Map();
function fileHash(path) {
  if (!fileHashes.has(path)) {
    let hash = null;
    try {
      hash = sha256(readFileSync(path));
    } catch {
      // no file there: null, as asc found none
    }
    fileHashes.set(path, hash);
  }
  return fileHashes.get(path);
}

/** The installed package's version (asc's, a transform's), or "none". */
function packageVersion(name, from = process.cwd()) {
  try {
    const path = createRequire(join(from, "noop.js")).resolve(`${name}/package.json`);
    return JSON.parse(readFileSync(path, "utf8")).version;
  } catch {
    return "none";
  }
}

/** The transforms the config files asc read name, with their versions: upgrading one rebuilds. */
function transformVersions(files) {
  const versions = [];
  for (const [path, hash] of files) {
    if (hash === null || !path.endsWith(".json")) continue;
    let transforms;
    try {
      transforms = JSON.parse(readFileSync(path, "utf8"))?.options?.transform;
    } catch {
      continue;
    }
    for (const name of Array.isArray(transforms) ? transforms : []) {
      if (typeof name === "string" && !name.startsWith("."))
        versions.push(`${name}@${packageVersion(name, dirname(resolve(path)))}`);
    }
  }
  return versions;
}

/** What every module of a build shares: the asc arguments, the compiler, these scripts. */
function buildKey(args) {
  return sha256(
    String(FORMAT),
    JSON.stringify(args),
    packageVersion("assemblyscript"),
    ...SCRIPTS.map((path) => fileHash(path) ?? "none"),
  );
}

function readManifest(outDir) {
  try {
    const manifest = JSON.parse(readFileSync(join(outDir, MANIFEST), "utf8"));
    if (manifest.format === FORMAT && manifest.modules && typeof manifest.modules === "object")
      return manifest;
  } catch {
    // none yet, or unreadable: every module builds
  }
  return { format: FORMAT, modules: {} };
}

function writeManifest(outDir, manifest) {
  if (!existsSync(outDir)) return;
  const path = join(outDir, MANIFEST);
  const scratch = `${path}.${process.pid}.tmp`;
  writeFileSync(scratch, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(scratch, path);
}

/**
 * Why the module recorded as `record` must be built again, or null when it is up to date: built with the
 * key `key`, its output present, and every file and listing it read unchanged. `{ reason, probe }`: `probe`
 * is true when only its inputs changed, so that comparing the module asc compiles from them before binaryen
 * optimizes it with the one of the last build can tell whether the output changes at all.
 */
export function staleness(record, outFile, key) {
  const stale = (reason, probe = false) => ({ reason, probe });
  if (process.env.IXT_REBUILD === "1") return stale("IXT_REBUILD=1");
  if (!record) return stale("not built yet");
  if (!existsSync(outFile)) return stale("no output");
  if (record.key !== key) return stale("compiler, config or build scripts changed");
  if (record.transforms !== JSON.stringify(transformVersions(record.files)))
    return stale("a transform changed");
  // The config files decide how binaryen optimizes: a change to one rebuilds without probing.
  for (const [path, hash] of record.files)
    if (fileHash(path) !== hash) return stale(`${path} changed`, !path.endsWith(".json"));
  for (const [dir, hash] of record.dirs)
    if (listingHash(listing(dir)) !== hash) return stale(`${dir}/ changed`, true);
  return null;
}

let asc;
/** Thrown by the probe's transform to stop asc before it optimizes. */
const STOP = new Error("compile.mjs: stopped before optimizing");
/**
 * binaryen's global settings (optimize and shrink level, inlining sizes, …) as they were before the first
 * compile in this process. asc's optimize sets them and never resets them, and asc's compiler folds
 * constants with binaryen, so without this a module would compile differently after another one was
 * optimized in the same process. Restored before each compile: every module compiles as if alone.
 */
let freshBinaryen;
function restoreBinaryen(binaryen) {
  const settings = Object.keys(binaryen).filter(
    (name) =>
      /^get[A-Z]\w*$/.test(name) &&
      binaryen[name].length === 0 &&
      typeof binaryen[`set${name.slice(3)}`] === "function",
  );
  freshBinaryen ??= settings.map((name) => [`set${name.slice(3)}`, binaryen[name]()]);
  for (const [setter, value] of freshBinaryen) binaryen[setter](value);
  binaryen.clearPassArguments();
  binaryen.clearPassesToSkip();
}

/**
 * Runs asc on `argv`, recording every file and listing it reads. Its transform hashes the module asc
 * compiled, before binaryen optimizes it: binaryen's optimizer is deterministic, so the same unoptimized
 * module with the same options (the asc arguments and config files, both part of what a module's record
 * compares) gives the same output. A build with debug info, a source map or bindings writes more than the
 * module (the sources' text, the types), so it has no such hash (null) and is always rebuilt. With `stop`
 * the transform stops asc there (a probe: a few seconds instead of the whole optimization).
 */
async function runAsc(argv, stop) {
  asc ??= (await import("assemblyscript/asc")).default;
  const files = new Map();
  const dirs = new Map();
  let preOptimize = null;
  class PreOptimizeHash {
    afterParse() {
      restoreBinaryen(this.binaryen);
    }
    afterCompile(module) {
      const options = this.program.options;
      if (!options.debugInfo && !options.sourceMap && !options.bindingsHint) {
        // asc compiles every global of every file it parsed (the index re-exports the whole SDK) and leaves
        // the unused ones to the optimizer; removing them first makes the module depend on what the entry
        // reaches only. The build then optimizes this same module, so the same hash means the same output.
        module.runPasses(["remove-unused-module-elements"]);
        // With the names section, so that two modules differing only in internal names hash apart.
        const debugInfo = this.binaryen.getDebugInfo();
        this.binaryen.setDebugInfo(true);
        const emitted = module.emitBinary();
        this.binaryen.setDebugInfo(debugInfo);
        preOptimize = sha256(emitted.binary ?? emitted);
      }
      if (stop) throw STOP;
    }
  }
  const { error, stderr } = await asc.main(argv, {
    transforms: [PreOptimizeHash],
    readFile: async (filename, baseDir) => {
      const path = resolve(baseDir, filename);
      try {
        const bytes = await readFile(path);
        files.set(key(path), sha256(bytes));
        return bytes.toString("utf8");
      } catch {
        files.set(key(path), null);
        return null;
      }
    },
    listFiles: async (dirname, baseDir) => {
      const dir = resolve(baseDir, dirname);
      const names = listing(dir);
      dirs.set(key(dir), listingHash(names));
      return names;
    },
  });
  const byPath = ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0);
  const recordedFiles = [...files].sort(byPath);
  return {
    error: error === STOP ? null : error,
    stderr,
    record: {
      files: recordedFiles,
      dirs: [...dirs].sort(byPath),
      transforms: JSON.stringify(transformVersions(recordedFiles)),
      preOptimize,
    },
  };
}

/**
 * Compiles each entry file to `<outDir>/<name>.wasm` with the extra asc arguments `args`, printing
 * what was built and what failed, and skipping the modules none of whose inputs changed since they were
 * last built into `outDir`, or whose inputs changed in ways that leave the unoptimized module as it was
 * (a comment, code the module does not reach; see runAsc). Resolves to true when every entry is built. An
 * entry with a config of its own next to it, `<name>.asconfig.json` (for an example that needs a compiler
 * transform, say), is compiled with that config instead of ./asconfig.json; `args` must then name none.
 */
export async function compileEach(entries, outDir, args) {
  let ok = true;
  const manifest = readManifest(outDir);
  const shared = buildKey(args);
  let upToDate = 0;
  let probed = 0;
  for (const entry of entries) {
    const name = basename(entry, ".ts");
    const outFile = join(outDir, `${name}.wasm`);
    const ownConfig = join(dirname(entry), `${name}.asconfig.json`);
    if (existsSync(ownConfig) && args.includes("--config")) {
      console.error(`${entry}: has its own ${ownConfig}; cannot also compile it with ${args.join(" ")}`);
      ok = false;
      continue;
    }
    const config = existsSync(ownConfig) ? ["--config", ownConfig] : [];
    const argv = [entry, ...config, ...args, "--outFile", outFile];
    const moduleKey = sha256(shared, JSON.stringify(argv));
    const record = manifest.modules[name];
    const stale = staleness(record, outFile, moduleKey);
    if (stale === null) {
      upToDate++;
      continue;
    }
    if (record) {
      // Forget the old build before compiling: if this one fails or is interrupted, the next run builds.
      delete manifest.modules[name];
      writeManifest(outDir, manifest);
    }
    if (stale.probe && record.preOptimize && record.transforms === "[]") {
      const probe = await runAsc(argv, true);
      if (!probe.error && probe.record.preOptimize === record.preOptimize) {
        manifest.modules[name] = { key: moduleKey, ...probe.record };
        writeManifest(outDir, manifest);
        probed++;
        continue;
      }
    }
    const { error, stderr, record: built } = await runAsc(argv, false);
    if (error) {
      console.error(`${entry}: ${error.message}\n${stderr.toString()}`);
      ok = false;
      continue;
    }
    // A file asc read may have been edited while it compiled: the next run compares against what it read.
    manifest.modules[name] = { key: moduleKey, ...built };
    writeManifest(outDir, manifest);
    console.log(`built ${outFile}${record ? ` (${stale.reason})` : ""}`);
  }
  const notes = [];
  if (upToDate > 0) notes.push(`${upToDate} up to date`);
  if (probed > 0) notes.push(`${probed} whose changed inputs compile to the same module before optimizing`);
  if (notes.length > 0)
    console.log(
      `${outDir}: of ${entries.length} modules, not rebuilt: ${notes.join(", ")} (IXT_REBUILD=1 builds them anyway)`,
    );
  return ok;
}
