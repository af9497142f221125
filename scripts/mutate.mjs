// Mutation testing of the SDK: `npm run mutate [-- options]` (not part of CI). It makes small changes
// (mutants) to the AssemblyScript sources named in scripts/mutate.config.json, one at a time, in a COPY of
// the repository in a temp folder (the working tree is never touched), rebuilds the modules the tests load
// and runs the test stages, fastest first, stopping at the first failing test: a failure kills the mutant.
// A mutant no test kills survives, and is printed as a one-line diff. StrykerJS cannot do this: its parser
// rejects AssemblyScript's top-level decorators (`@inline`, `@lazy`: BABEL_PARSE_ERROR).
//
// Mutants: comparison operators (== != < <= > >=, each to its neighbour), arithmetic and bit operators
// (+ - * / % << >> & | ^ && ||, += -=, ++ --), flipped `if`/`while` conditions, removed statements (a
// single-line call or assignment), and constants ± 1 (true/false swapped). Comments, JSDoc, imports and
// decorators are never mutated. A mutant that does not compile is "invalid" and not counted.
//
//   node scripts/mutate.mjs [--sample N] [--seed S] [--files TEXT] [--budget MINUTES] [--wasmtime]
//                           [--list] [--mutant ID]… [--config FILE] [--root DIR]
//
//   --sample N     run N mutants drawn at random (seeded) from all of them (default: all)
//   --seed S       the seed of that draw (default 1)
//   --files TEXT   only files whose path contains TEXT (repeatable: any of them)
//   --budget MIN   stop starting new mutants after MIN minutes (the rest are reported as not run)
//   --wasmtime     also run the config's wasmtime stage for mutants the vitest stages leave alive
//   --list         print the mutants (ID, file:line, diff) and exit
//   --mutant ID    run only this mutant (repeatable; IDs from --list)
//   --config FILE  the config (default scripts/mutate.config.json); --root DIR the repository (default: ..)
import { execFileSync, spawnSync } from "node:child_process";
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
import { dirname, join, resolve } from "node:path";
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
  // Tests run without the global setup: the runner builds what each stage needs itself.
  writeFileSync(
    join(copy, "vitest.mutate.config.mjs"),
    'import { defineConfig } from "vitest/config";\n' +
      'export default defineConfig({ test: { include: ["**/*.test.ts"], exclude: ["**/node_modules/**"], testTimeout: 60_000 } });\n',
  );
  return copy;
}

/** Builds `entries` in `copy` into their output folders (config `outDirs`); true when all compiled. */
function build(copy, entries, config) {
  const groups = new Map();
  for (const entry of entries) {
    const dir = Object.keys(config.outDirs).find((d) => entry.startsWith(`${d}/`));
    if (!dir) throw new Error(`mutate.config: no outDir for ${entry}`);
    const out = config.outDirs[dir];
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
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** This process's environment without vitest's own variables (the runner may itself run under vitest). */
function inheritedEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TINYPOOL)/i.test(key)));
}

/** Runs a stage's tests in `copy`: "pass", "fail" or "timeout". */
function runStage(copy, stage, timeoutMs) {
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
    env: { ...inheritedEnv(), ...stage.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    maxBuffer: 256 << 20,
  });
  if (r.error?.code === "ETIMEDOUT" || r.signal === "SIGKILL") return { outcome: "timeout", output: "" };
  const output = `${r.stdout}${r.stderr}`;
  return { outcome: r.status === 0 ? "pass" : "fail", output };
}

/** The first failing test's name in vitest's output, for the report. */
function firstFailure(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = /FAIL\s+(.+)/.exec(plain) ?? /×\s+(.+)/.exec(plain);
  return m ? m[1].trim().slice(0, 120) : "";
}

/**
 * Runs one mutant (or the unmutated copy, when `mutant` is null): builds and runs each stage in order until
 * one fails. Returns { status: "killed" | "survived" | "invalid", stage, detail, seconds }.
 */
function runMutant(copy, config, stages, mutant, timeouts) {
  const started = Date.now();
  const path = mutant && join(copy, mutant.file);
  const original = mutant && readFileSync(path, "utf8");
  // Nothing built for an earlier mutant may linger: each stage builds what its tests load.
  rmSync(join(copy, "build"), { recursive: true, force: true });
  try {
    if (mutant) {
      const lines = original.split("\n");
      lines[mutant.line - 1] = mutant.mutated;
      writeFileSync(path, lines.join("\n"));
    }
    for (const [i, stage] of stages.entries()) {
      const built = build(copy, stage.modules ?? [], config);
      if (!built.ok) return { status: "invalid", stage: stage.name, detail: built.output.split("\n")[0] };
      const { outcome, output } = runStage(copy, stage, timeouts[i]);
      if (outcome !== "pass") {
        const detail = outcome === "timeout" ? "timed out" : firstFailure(output);
        return { status: "killed", stage: stage.name, detail, output };
      }
    }
    return { status: "survived" };
  } finally {
    if (mutant) writeFileSync(path, original);
    const seconds = (Date.now() - started) / 1000;
    timeouts.lastSeconds = seconds;
  }
}

// ---- the command ----

export function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      sample: { type: "string" },
      seed: { type: "string", default: "1" },
      files: { type: "string", multiple: true },
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
  const files = config.files.filter((f) => !values.files || values.files.some((text) => f.includes(text)));
  const all = files.flatMap((file) => mutantsOf(readFileSync(join(root, file), "utf8"), file));
  all.forEach((m, i) => (m.id = i + 1));

  if (values.list) {
    for (const m of all) console.log(`${String(m.id).padStart(4)} ${m.operator.padEnd(18)} ${describe(m)}`);
    console.log(`${all.length} mutants in ${files.join(", ")}`);
    return 0;
  }
  let chosen = all;
  if (values.mutant) chosen = all.filter((m) => values.mutant.includes(String(m.id)));
  else if (values.sample) chosen = sample(all, Number(values.sample), Number(values.seed));
  const stages = [...config.stages, ...(values.wasmtime && config.wasmtime ? [config.wasmtime] : [])];
  const budgetMs = values.budget ? Number(values.budget) * 60_000 : Infinity;
  const started = Date.now();
  console.log(
    `mutate: ${chosen.length} of ${all.length} mutants (seed ${values.seed}) in ${files.join(", ")}; stages: ${stages
      .map((s) => s.name)
      .join(" → ")}`,
  );

  const copy = copyRepository(root);
  const cleanUp = () => {
    if (!values.keep) rmSync(copy, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", cleanUp).once("SIGTERM", cleanUp);
  try {
    // The unmutated copy must pass every stage, or a kill would mean nothing; its times set the timeouts.
    // It starts without build/, so a stage whose tests load a module no stage so far built fails here.
    const timeouts = stages.map(() => 30 * 60_000);
    const baselineTimes = [];
    for (const [i, stage] of stages.entries()) {
      const t0 = Date.now();
      const built = build(copy, stage.modules ?? [], config);
      if (!built.ok) throw new Error(`the unmutated sources do not build:\n${built.output}`);
      const { outcome, output } = runStage(copy, stage, timeouts[i]);
      if (outcome !== "pass")
        throw new Error(`stage ${stage.name} fails without a mutant:\n${output.slice(-4000)}`);
      baselineTimes.push(Date.now() - t0);
    }
    for (const [i, ms] of baselineTimes.entries()) timeouts[i] = Math.max(60_000, 3 * ms);
    console.log(
      `baseline: every stage passes (${baselineTimes.map((ms) => `${Math.round(ms / 1000)} s`).join(", ")})`,
    );

    const results = [];
    for (const [n, mutant] of chosen.entries()) {
      if (Date.now() - started > budgetMs) {
        results.push({ mutant, status: "not run" });
        continue;
      }
      const result = runMutant(copy, config, stages, mutant, timeouts);
      results.push({ mutant, ...result });
      const where = result.stage ? ` (${result.stage}${result.detail ? `: ${result.detail}` : ""})` : "";
      console.log(
        `[${n + 1}/${chosen.length}] #${mutant.id} ${result.status.padEnd(8)} ${describe(mutant)}${where} ${Math.round(
          timeouts.lastSeconds,
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
    process.exit(main(process.argv.slice(2)));
  } catch (err) {
    console.error(`mutate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
