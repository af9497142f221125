// Mutation testing of the SDK: `npm run mutate [-- options]` (not part of CI). It makes small changes
// (mutants) to the AssemblyScript sources named in scripts/mutate.config.json, one at a time, in a COPY of
// the repository in a temp folder (the working tree is never touched), rebuilds the modules the tests load
// and runs the test stages, fastest first, stopping at the first failing test: a failure kills the mutant.
// A mutant no test kills survives, and is printed as a one-line diff. StrykerJS cannot do this: its parser
// rejects AssemblyScript's top-level decorators (`@inline`, `@lazy`: BABEL_PARSE_ERROR).
//
// The config's `groups` say which stages run for which files (the core's dispatcher suites for the core,
// the JSON suites for assembly/json/, …); a config without groups is one group of all `files` and `stages`.
// Builds are incremental (scripts/compile.mjs): a mutant rebuilds only the modules whose compiled code it
// changes, and the modules its stages do not name are deleted first, so that no test loads a module built
// from an earlier mutant.
//
// Mutants: comparison operators (== != < <= > >=, each to its neighbour), arithmetic and bit operators
// (+ - * / % << >> & | ^ && ||, += -=, ++ --), flipped `if`/`while` conditions, removed statements (a
// single-line call or assignment), and constants ± 1 (true/false swapped). Comments, JSDoc, imports and
// decorators are never mutated. A mutant that does not compile is "invalid" and not counted.
//
//   node scripts/mutate.mjs [--sample N] [--seed S] [--group TEXT] [--files TEXT] [--budget MINUTES]
//                           [--wasmtime] [--list] [--mutant ID]… [--config FILE] [--root DIR]
//
//   --sample N     run N mutants drawn at random (seeded) from all of them (default: all)
//   --seed S       the seed of that draw (default 1)
//   --group TEXT   only the groups whose name contains TEXT (repeatable: any of them), e.g. `toolkit`
//   --files TEXT   only files whose path contains TEXT (repeatable: any of them)
//   --budget MIN   stop starting new mutants after MIN minutes (the rest are reported as not run)
//   --wasmtime     also run the group's wasmtime stages for mutants the vitest stages leave alive
//   --list         print the mutants (ID, file:line, diff) and exit
//   --mutant ID    run only this mutant (repeatable; IDs from --list)
//   --config FILE  the config (default scripts/mutate.config.json); --root DIR the repository (default: ..)
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// ---- mutants ----

/** Binary operators (written with a space on each side, as prettier formats them) and what each becomes. */
const OPERATORS = [
  [" == ", " != "],
  [" != ", " == "],
  [" < ", " <= "],
  [" <= ", " < "],
  [" > ", " >= "],
  [" >= ", " > "],
  [" + ", " - "],
  [" - ", " + "],
  [" * ", " / "],
  [" / ", " * "],
  [" % ", " * "],
  [" << ", " >> "],
  [" >> ", " << "],
  [" & ", " | "],
  [" | ", " & "],
  [" ^ ", " & "],
  [" && ", " || "],
  [" || ", " && "],
  [" += ", " -= "],
  [" -= ", " += "],
];

/** Statements a removal must not touch: declarations and control flow (removing them rarely compiles). */
const KEEP_STATEMENT =
  /^(let|const|var|return|break|continue|throw|export|import|type|declare|case|default)\b/;

/**
 * `line` with string literals, comments and (when `inComment`) the rest of a block comment replaced by
 * spaces, so that operators are found in code only; and whether a block comment is still open at its end.
 */
export function maskLine(line, inComment) {
  let out = "";
  let i = 0;
  while (i < line.length) {
    if (inComment) {
      const end = line.indexOf("*/", i);
      if (end < 0) return { code: out + " ".repeat(line.length - i), inComment: true };
      out += " ".repeat(end + 2 - i);
      i = end + 2;
      inComment = false;
      continue;
    }
    const c = line[i];
    if (c === "/" && line[i + 1] === "/")
      return { code: out + " ".repeat(line.length - i), inComment: false };
    if (c === "/" && line[i + 1] === "*") {
      inComment = true;
      out += "  ";
      i += 2;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += line[j] === "\\" ? 2 : 1;
      out += c + " ".repeat(Math.min(j, line.length) - i - 1) + (j < line.length ? c : "");
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return { code: out, inComment };
}

/** The index of the parenthesis that closes the one at `open` in masked code, or -1. */
function closingParen(code, open) {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === "(") depth++;
    else if (code[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

/**
 * Every mutant of one source file, in order: `{ file, line (1-based), operator, original, mutated }`, where
 * `original` and `mutated` are the whole line before and after.
 */
export function mutantsOf(source, file) {
  const mutants = [];
  const lines = source.split("\n");
  let inComment = false;
  for (const [index, line] of lines.entries()) {
    const masked = maskLine(line, inComment);
    const code = masked.code;
    inComment = masked.inComment;
    const trimmed = code.trim();
    // Not code to mutate: blank or comment lines, imports and re-exports, decorators, declarations.
    if (trimmed === "" || /^(import\b|export \*|export \{[^}]*\} from|@|declare\b)/.test(trimmed)) continue;
    const add = (operator, at, length, replacement) =>
      mutants.push({
        file,
        line: index + 1,
        operator,
        original: line,
        mutated: line.slice(0, at) + replacement + line.slice(at + length),
      });
    for (const [from, to] of OPERATORS) {
      for (let at = code.indexOf(from); at >= 0; at = code.indexOf(from, at + 1)) {
        add(`${from.trim()} → ${to.trim()}`, at, from.length, to);
      }
    }
    for (const m of code.matchAll(/(?<=\w)(\+\+|--)|(\+\+|--)(?=\w)/g)) {
      add(`${m[0]} → ${m[0] === "++" ? "--" : "++"}`, m.index, 2, m[0] === "++" ? "--" : "++");
    }
    for (const m of code.matchAll(/\b(if|while) \(/g)) {
      const open = m.index + m[0].length - 1;
      const close = closingParen(code, open);
      if (close < 0) continue;
      const condition = line.slice(open + 1, close);
      add(`${m[1]} flipped`, open, close - open + 1, `(!(${condition}))`);
    }
    // Constants ± 1: decimal and hex literals, not part of an identifier (u8) or a number with a fraction.
    for (const m of code.matchAll(/(?<![\w.])(0x[0-9a-fA-F_]+|\d[\d_]*)(?![\w.])/g)) {
      const value = Number(m[0].replace(/_/g, ""));
      if (!Number.isSafeInteger(value)) continue;
      add(`${m[0]} → ${value + 1}`, m.index, m[0].length, String(value + 1));
      if (value > 0) add(`${m[0]} → ${value - 1}`, m.index, m[0].length, String(value - 1));
    }
    for (const m of code.matchAll(/\b(true|false)\b/g)) {
      const other = m[0] === "true" ? "false" : "true";
      add(`${m[0]} → ${other}`, m.index, m[0].length, other);
    }
    // A whole single-line statement: a call or an assignment.
    if (
      trimmed.endsWith(";") &&
      !KEEP_STATEMENT.test(trimmed) &&
      closingParen(`(${trimmed})`, 0) === trimmed.length + 1 &&
      /^[\w.[\]]+(\(|\s*[-+*/|&]?=\s)/.test(trimmed)
    ) {
      const indent = line.length - line.trimStart().length;
      add("statement removed", indent, line.length - indent, "/* removed */");
    }
  }
  return mutants;
}

/** A one-line diff of a mutant: `file:line: - old + new` (both trimmed). */
export function describe(mutant) {
  return `${mutant.file}:${mutant.line}: - ${mutant.original.trim()}  + ${mutant.mutated.trim()}`;
}

/** mulberry32: a small seeded random generator. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` items of `items` drawn without replacement with a seeded shuffle, in their original order. */
export function sample(items, count, seed) {
  const next = random(seed);
  const indexes = items.map((_, i) => i);
  for (let i = indexes.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [indexes[i], indexes[j]] = [indexes[j], indexes[i]];
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i]);
}

// ---- the copy and the stages ----

/** The files to copy: git's tracked and untracked-but-not-ignored files, or a walk without the big folders. */
function repositoryFiles(root) {
  try {
    const out = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.split("\0").filter((f) => f && existsSync(join(root, f)));
  } catch {
    const skip = new Set(["node_modules", "build", "dist", ".git"]);
    const walk = (dir) =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
        skip.has(e.name) ? [] : e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      );
    return walk("");
  }
}

/** Copies the repository into a new temp folder (node_modules linked, not copied); returns its path. */
function copyRepository(root) {
  const copy = mkdtempSync(join(tmpdir(), "ixt-mutate-"));
  for (const file of repositoryFiles(root)) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  // Tests run without the global setup: the runner builds what each stage needs itself. The timeouts are
  // vitest.config.ts's (hooks build modules).
  writeFileSync(
    join(copy, "vitest.mutate.config.mjs"),
    'import { defineConfig } from "vitest/config";\n' +
      'export default defineConfig({ test: { include: ["**/*.test.ts"], exclude: ["**/node_modules/**"], testTimeout: 60_000, hookTimeout: 120_000 } });\n',
  );
  return copy;
}

/** The output of a module's entry file (config `outDirs`): `{ out, wasm }`. */
function outputOf(entry, config) {
  const dir = Object.keys(config.outDirs).find((d) => entry.startsWith(`${d}/`));
  if (!dir) throw new Error(`mutate.config: no outDir for ${entry}`);
  const out = config.outDirs[dir];
  return { out, wasm: join(out, `${basename(entry, ".ts")}.wasm`) };
}

/**
 * Deletes every built module in `copy`'s output folders but those of `entries`: what the next stages do
 * not build must not be loaded as it was built for an earlier mutant.
 */
function keepOnly(copy, entries, config) {
  const keep = new Set(entries.map((entry) => outputOf(entry, config).wasm));
  for (const out of new Set(Object.values(config.outDirs))) {
    if (!existsSync(join(copy, out))) continue;
    for (const name of readdirSync(join(copy, out))) {
      const wasm = join(out, name);
      if (name.endsWith(".wasm") && !keep.has(wasm)) rmSync(join(copy, wasm), { force: true });
    }
  }
}

/** The SHA-256 of each built module of `stage` in `copy`, by output path. */
function moduleHashes(copy, stage, config) {
  return new Map(
    (stage.modules ?? []).map((entry) => {
      const { wasm } = outputOf(entry, config);
      return [
        wasm,
        createHash("sha256")
          .update(readFileSync(join(copy, wasm)))
          .digest("hex"),
      ];
    }),
  );
}

/** Whether every module of `stage` is byte for byte as the unmutated sources built it (`baseline`). */
function sameAsBaseline(copy, stage, config, baseline) {
  return [...moduleHashes(copy, stage, config)].every(([wasm, hash]) => baseline.get(wasm) === hash);
}

/** Builds `entries` in `copy` into their output folders (config `outDirs`); true when all compiled. */
function build(copy, entries, config) {
  const groups = new Map();
  for (const entry of entries) {
    const { out } = outputOf(entry, config);
    groups.set(out, [...(groups.get(out) ?? []), entry]);
  }
  const script = [
    'import { compileEach } from "./scripts/compile.mjs";',
    `const groups = ${JSON.stringify([...groups])};`,
    `let ok = true;`,
    `for (const [out, entries] of groups) ok = (await compileEach(entries, out, ${JSON.stringify(config.ascArgs ?? [])})) && ok;`,
    "process.exit(ok ? 0 : 1);",
  ].join("\n");
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: copy,
    encoding: "utf8",
  });
  interrupted(r);
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Thrown when a build or a stage was stopped by Ctrl-C or a kill: the run ends, it is no mutant's result. */
class Interrupted extends Error {}

/** Throws Interrupted when the child `r` was ended by SIGINT or SIGTERM (a timeout kills with SIGKILL). */
function interrupted(r) {
  if (r.signal === "SIGINT" || r.signal === "SIGTERM") throw new Interrupted(`interrupted (${r.signal})`);
}

/** This process's environment without vitest's own variables (the runner may itself run under vitest). */
function inheritedEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TINYPOOL)/i.test(key)));
}

/** Runs a stage's tests in `copy`: "pass", "fail" or "timeout". */
export function runStage(copy, stage, timeoutMs) {
  const command = stage.command ?? [
    process.execPath,
    "node_modules/vitest/vitest.mjs",
    "run",
    "--config",
    "vitest.mutate.config.mjs",
    "--bail",
    "1",
    ...stage.tests,
  ];
  const r = spawnSync(command[0], command.slice(1), {
    cwd: copy,
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    detached: true, // its own process group, so that what it started can be ended with it
    env: { ...inheritedEnv(), ...stage.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    maxBuffer: 256 << 20,
  });
  // A timeout kills vitest itself, not its workers: a worker spinning in a mutant's endless loop would
  // go on burning a core through every later mutant (and slow them into timeouts of their own).
  killGroup(r.pid);
  interrupted(r);
  if (r.error?.code === "ETIMEDOUT" || r.signal === "SIGKILL") return { outcome: "timeout", output: "" };
  const output = `${r.stdout}${r.stderr}`;
  return { outcome: r.status === 0 ? "pass" : "fail", output };
}

/** Kills what is left of the process group `pid` led (nothing, usually). */
function killGroup(pid) {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is gone
  }
}

/** The first failing test's name in vitest's output, for the report. */
function firstFailure(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = /FAIL\s+(.+)/.exec(plain) ?? /×\s+(.+)/.exec(plain);
  return m ? m[1].trim().slice(0, 120) : "";
}

/**
 * Runs one mutant (or the unmutated copy, when `mutant` is null): builds and runs each stage in order until
 * one fails. `run` holds each stage's timeout (`timeouts`) and the unmutated modules' hashes (`baseline`);
 * the time taken is left in `run.lastSeconds`. Returns { status: "killed" | "survived" | "invalid", stage,
 * detail }.
 */
function runMutant(copy, config, stages, mutant, run) {
  const started = Date.now();
  const path = mutant && join(copy, mutant.file);
  const original = mutant && readFileSync(path, "utf8");
  // Nothing built for an earlier mutant may be loaded: each stage builds (incrementally) what its tests load.
  keepOnly(
    copy,
    stages.flatMap((stage) => stage.modules ?? []),
    config,
  );
  try {
    if (mutant) {
      const lines = original.split("\n");
      lines[mutant.line - 1] = mutant.mutated;
      writeFileSync(path, lines.join("\n"));
    }
    const unchanged = [];
    for (const stage of stages) {
      const built = build(copy, stage.modules ?? [], config);
      if (!built.ok) return { status: "invalid", stage: stage.name, detail: built.output.split("\n")[0] };
      // A stage whose tests load only the modules it builds cannot tell apart a mutant that leaves all of
      // them as the unmutated build made them: its tests are skipped.
      if (stage.onlyModules && sameAsBaseline(copy, stage, config, run.baseline)) {
        unchanged.push(stage.name);
        continue;
      }
      const { outcome, output } = runStage(copy, stage, run.timeouts.get(stage.name));
      if (outcome !== "pass") {
        const detail = outcome === "timeout" ? "timed out" : firstFailure(output);
        return { status: "killed", stage: stage.name, detail, output };
      }
    }
    if (unchanged.length === stages.length)
      return {
        status: "survived",
        stage: unchanged.join(", "),
        detail: "no module changed: no test reaches it",
      };
    return { status: "survived" };
  } finally {
    if (mutant) writeFileSync(path, original);
    run.lastSeconds = (Date.now() - started) / 1000;
  }
}

// ---- the command ----

/**
 * The config's groups, each `{ name, files, stages }` with its stages resolved (the `wasmtime` ones only
 * when `wasmtime`). A config without `groups` is one group, "all": its `files`, its `stages`, then its
 * `wasmtime` stage.
 */
export function groupsOf(config, wasmtime) {
  const stages = [...(config.stages ?? [])];
  if (config.wasmtime) stages.push({ ...config.wasmtime, wasmtime: true });
  const byName = new Map(stages.map((stage) => [stage.name, stage]));
  const groups = config.groups ?? [
    { name: "all", files: config.files, stages: stages.map((stage) => stage.name) },
  ];
  return groups.map((group) => ({
    name: group.name,
    files: group.files,
    stages: group.stages
      .map((name) => {
        const stage = byName.get(name);
        if (!stage) throw new Error(`mutate.config: group ${group.name} names no stage ${name}`);
        return stage;
      })
      .filter((stage) => wasmtime || !stage.wasmtime),
  }));
}

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      sample: { type: "string" },
      seed: { type: "string", default: "1" },
      files: { type: "string", multiple: true },
      group: { type: "string", multiple: true },
      budget: { type: "string" },
      wasmtime: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      mutant: { type: "string", multiple: true },
      config: { type: "string" },
      root: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const root = resolve(values.root ?? fileURLToPath(new URL("..", import.meta.url)));
  const configPath = resolve(values.config ?? join(root, "scripts/mutate.config.json"));
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const groups = groupsOf(config, values.wasmtime).filter(
    (g) => !values.group || values.group.some((text) => g.name.includes(text)),
  );
  if (groups.length === 0) throw new Error(`no group matches ${values.group.join(", ")}`);
  // IDs count every mutant of the config, whatever the filters, so that an ID from --list stays valid.
  const numbered = groupsOf(config, false)
    .flatMap((g) => g.files)
    .flatMap((file) => mutantsOf(readFileSync(join(root, file), "utf8"), file));
  numbered.forEach((m, i) => (m.id = i + 1));
  // A stage may name a module this checkout does not have yet (a fixture a branch adds): it is left out.
  for (const stage of new Set(groups.flatMap((g) => g.stages)))
    stage.modules = (stage.modules ?? []).filter((entry) => existsSync(join(root, entry)));
  const groupOf = new Map(groups.flatMap((g) => g.files.map((file) => [file, g])));
  const files = [...groupOf.keys()].filter(
    (f) => !values.files || values.files.some((text) => f.includes(text)),
  );
  const all = numbered.filter((m) => files.includes(m.file));

  if (values.list) {
    for (const m of all) console.log(`${String(m.id).padStart(4)} ${m.operator.padEnd(18)} ${describe(m)}`);
    console.log(`${all.length} mutants in ${files.join(", ")}`);
    return 0;
  }
  let chosen = all;
  if (values.mutant) chosen = all.filter((m) => values.mutant.includes(String(m.id)));
  else if (values.sample) chosen = sample(all, Number(values.sample), Number(values.seed));
  // Every stage a chosen mutant runs, in the order of the groups: each must pass without a mutant.
  const stages = [...new Set(chosen.flatMap((m) => groupOf.get(m.file).stages))];
  const budgetMs = values.budget ? Number(values.budget) * 60_000 : Infinity;
  const started = Date.now();
  console.log(
    `mutate: ${chosen.length} of ${all.length} mutants (seed ${values.seed}) in ${files.join(", ")}; ` +
      `stages: ${groups.map((g) => `${g.name}: ${g.stages.map((st) => st.name).join(" → ")}`).join("; ")}`,
  );

  const copy = copyRepository(root);
  const cleanUp = () => {
    if (!values.keep) rmSync(copy, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", cleanUp).once("SIGTERM", cleanUp);
  try {
    // The unmutated copy must pass every stage, or a kill would mean nothing; its times set the timeouts.
    // Each stage starts with only its own modules built, so a stage whose tests load a module it does not
    // build fails here.
    const timeouts = new Map(stages.map((stage) => [stage.name, 30 * 60_000]));
    const run = { timeouts, baseline: new Map(), lastSeconds: 0 };
    const baselineTimes = [];
    for (const stage of stages) {
      await new Promise((next) => setImmediate(next));
      const t0 = Date.now();
      keepOnly(copy, stage.modules ?? [], config);
      const built = build(copy, stage.modules ?? [], config);
      if (!built.ok) throw new Error(`the unmutated sources do not build:\n${built.output}`);
      const { outcome, output } = runStage(copy, stage, timeouts.get(stage.name));
      if (outcome !== "pass")
        throw new Error(`stage ${stage.name} fails without a mutant:\n${output.slice(-4000)}`);
      for (const [wasm, hash] of moduleHashes(copy, stage, config)) run.baseline.set(wasm, hash);
      baselineTimes.push(Date.now() - t0);
      timeouts.set(stage.name, Math.max(60_000, 3 * (Date.now() - t0)));
    }
    console.log(
      `baseline: every stage passes (${stages
        .map((stage, i) => `${stage.name} ${Math.round(baselineTimes[i] / 1000)} s`)
        .join(", ")})`,
    );

    const results = [];
    for (const [n, mutant] of chosen.entries()) {
      await new Promise((next) => setImmediate(next)); // lets a SIGINT or SIGTERM handler run
      if (Date.now() - started > budgetMs) {
        results.push({ mutant, status: "not run" });
        continue;
      }
      const result = runMutant(copy, config, groupOf.get(mutant.file).stages, mutant, run);
      results.push({ mutant, ...result });
      const where = result.stage ? ` (${result.stage}${result.detail ? `: ${result.detail}` : ""})` : "";
      console.log(
        `[${n + 1}/${chosen.length}] #${mutant.id} ${result.status.padEnd(8)} ${describe(mutant)}${where} ${Math.round(
          run.lastSeconds,
        )} s`,
      );
    }
    const count = (status) => results.filter((r) => r.status === status).length;
    const killed = count("killed");
    const survived = results.filter((r) => r.status === "survived");
    const counted = killed + survived.length;
    console.log("");
    if (survived.length > 0) {
      console.log("survivors:");
      for (const { mutant } of survived) console.log(`  #${mutant.id} ${describe(mutant)}`);
    }
    const rate = counted > 0 ? ((100 * killed) / counted).toFixed(1) : "n/a";
    console.log(
      `kill rate: ${killed}/${counted} killed (${rate}%); ${count("invalid")} invalid (did not compile), ` +
        `${count("not run")} not run (budget); ${Math.round((Date.now() - started) / 1000)} s`,
    );
    return 0;
  } finally {
    if (values.keep) console.log(`copy kept in ${copy}`);
    else rmSync(copy, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exit(await main(process.argv.slice(2)));
  } catch (err) {
    console.error(`mutate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
