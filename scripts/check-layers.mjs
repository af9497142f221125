// Checks the SDK's import graph: no import cycles, and no import that goes up the layer table.
//
//   node scripts/check-layers.mjs [--dir assembly] [--layers assembly/layers.json]
//
// The table (JSON) is `{ "layers": [{ "name": …, "folders": [folders], "files": [paths or globs] }, …] }`,
// lowest layer first, paths relative to the dir: a layer holds every .ts file under each of its folders
// (at any depth) and each file its globs match. A file may import only from its own layer or a lower one. Every .ts file under the
// dir must be in exactly one layer, and every entry must match a file, so the table cannot go stale.
// Only relative imports count (`import … from "./x"`, `export … from "../y"`, `import "./z"`); comments
// are skipped. Exit status 0 when all is well, 1 with every cycle and upward import printed.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** Every .ts file under `dir`, relative to it, with forward slashes. */
function tsFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

/** The source without its comments (block and line), keeping strings intact enough for import paths. */
function stripComments(source) {
  return source.replace(/\/\*[^]*?\*\//g, "").replace(/(^|[^:"'\w])\/\/.*$/gm, "$1");
}

/** The relative imports of `file` (relative to `dir`), resolved to files relative to `dir`. */
export function importsOf(dir, file) {
  const source = stripComments(readFileSync(join(dir, file), "utf8"));
  const specifiers = [
    ...source.matchAll(/\b(?:import|export)\s[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g),
    ...source.matchAll(/\bimport\s*["'](\.{1,2}\/[^"']+)["']/g),
  ].map((m) => m[1]);
  const resolved = new Set();
  for (const spec of specifiers) {
    const base = normalize(join(dirname(file), spec))
      .split("\\")
      .join("/");
    const candidates = [base, `${base}.ts`, `${base}/index.ts`];
    const target = candidates.find((c) => c.endsWith(".ts") && existsSync(join(dir, c)));
    if (target && !target.startsWith("..")) resolved.add(target);
  }
  return [...resolved].sort();
}

/** A glob (`*` within a path segment, `**` across segments) as a RegExp. */
function globToRegExp(glob) {
  const pattern = glob
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${pattern}$`);
}

/** Every elementary cycle of the graph (Johnson-style: each cycle once, from its smallest file), up to `max`. */
export function findCycles(graph, max = 50) {
  const nodes = [...graph.keys()].sort();
  const cycles = [];
  for (let i = 0; i < nodes.length && cycles.length < max; i++) {
    const start = nodes[i];
    const allowed = new Set(nodes.slice(i));
    const path = [start];
    const onPath = new Set([start]);
    const walk = (node) => {
      for (const next of graph.get(node) ?? []) {
        if (cycles.length >= max) return;
        if (next === start) cycles.push([...path, start]);
        else if (allowed.has(next) && !onPath.has(next)) {
          path.push(next);
          onPath.add(next);
          walk(next);
          onPath.delete(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return cycles;
}

/**
 * Checks `dir` against the layer table at `layersPath`; returns the problems found (empty when none) and
 * the graph's size.
 */
export function checkLayers(dir, layersPath) {
  const problems = [];
  const files = tsFiles(dir);
  const table = JSON.parse(readFileSync(layersPath, "utf8"));
  const layerOf = new Map();
  for (const [index, layer] of table.layers.entries()) {
    const entries = [...(layer.folders ?? []).map((folder) => `${folder}/**.ts`), ...(layer.files ?? [])];
    for (const entry of entries) {
      const regex = globToRegExp(entry);
      const matched = files.filter((f) => regex.test(f));
      if (matched.length === 0) problems.push(`layers: "${entry}" (layer ${layer.name}) matches no file`);
      for (const file of matched) {
        if (layerOf.has(file)) {
          const other = table.layers[layerOf.get(file)].name;
          problems.push(`layers: ${file} is in two layers, ${other} and ${layer.name}`);
        } else layerOf.set(file, index);
      }
    }
  }
  for (const file of files) if (!layerOf.has(file)) problems.push(`layers: ${file} is in no layer`);

  const graph = new Map(files.map((f) => [f, importsOf(dir, f)]));
  let edges = 0;
  for (const [file, targets] of graph) {
    for (const target of targets) {
      edges++;
      const from = layerOf.get(file);
      const to = layerOf.get(target);
      if (from !== undefined && to !== undefined && to > from) {
        problems.push(
          `upward import: ${file} (layer ${table.layers[from].name}) imports ${target} (layer ${table.layers[to].name})`,
        );
      }
    }
  }
  for (const cycle of findCycles(graph)) problems.push(`import cycle: ${cycle.join(" → ")}`);
  return { problems, files: files.length, edges };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { dir: { type: "string", default: "assembly" }, layers: { type: "string" } },
  });
  const layers = values.layers ?? join(values.dir, "layers.json");
  const { problems, files, edges } = checkLayers(values.dir, layers);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`check-layers: ${problems.length} problem(s) in ${values.dir} (table: ${layers})`);
    process.exit(1);
  }
  console.log(
    `check-layers: ${files} files, ${edges} imports, no cycle, nothing imports upwards (${layers})`,
  );
}
