// The API reference in docs/reference/, generated from the doc comments with TypeDoc and
// typedoc-plugin-markdown (committed Markdown, readable on the forge and offline).
//
//   node scripts/docs.mjs           (npm run docs)        regenerate docs/reference/
//   node scripts/docs.mjs --check   (npm run docs:check)  exit 1 when an exported symbol or a public member
//                                                         has no doc comment, a {@link} is broken, or the
//                                                         committed reference differs from a fresh one
//
// Two references: the AssemblyScript API (the package's `index.ts` and `exports.ts`, type-checked against
// AssemblyScript's standard library) and the JavaScript API (`ixt-sdk-as`, the host shim, and
// `ixt-sdk-as/testing`). AssemblyScript's number types (`u64`, `i32`, …) are aliases of `number` to
// TypeScript, which TypeDoc would print as `number`; the reference must say `u64` (a `writable >= FRAME`
// with an `i32` constant fails to compile), so the AssemblyScript run reads a copy of the standard
// library's declarations in which each is a distinct (branded) type that keeps its name.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as td from "typedoc";

const root = fileURLToPath(new URL("..", import.meta.url));
const REFERENCE = join(root, "docs", "reference");
const check = process.argv.includes("--check");

/** The number types the branded declarations keep by name. */
const AS_NUMBER_TYPES = [
  "i8",
  "i16",
  "i32",
  "i64",
  "isize",
  "u8",
  "u16",
  "u32",
  "u64",
  "usize",
  "f32",
  "f64",
];

/**
 * What must carry a doc comment: every exported symbol and every public member of a class or interface.
 * Enum members are left out (their names are the ABI's, and docs/ABI.md gives each value), and so are the
 * members of anonymous object types (`UNDOCUMENTED_OK`).
 */
const REQUIRED_TO_BE_DOCUMENTED = [
  "Namespace",
  "Enum",
  "Variable",
  "Function",
  "Class",
  "Interface",
  "TypeAlias",
  "Property",
  "Method",
  "Accessor",
];

/**
 * Members of an anonymous object type, which TypeDoc names `X.__type.member`: the host shim's enums are
 * `as const` objects, and its frame and call types are unions of object literals whose fields (`kind`,
 * `streamId`, …) the type's own comment describes.
 */
const UNDOCUMENTED_OK = /\.__type\./;

/** Options both references share. */
const COMMON = {
  plugin: ["typedoc-plugin-markdown"],
  readme: "none",
  // No "Defined in file:line": the reference changes only when the API or its comments do.
  disableSources: true,
  excludePrivate: true,
  // StreamSender's protected members are the SDK's own (its stream table subclasses it).
  excludeProtected: true,
  excludeInternal: true,
  // asc, not tsc, is the AssemblyScript compiler: `npm run check` type-checks both trees itself.
  skipErrorChecking: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  requiredToBeDocumented: REQUIRED_TO_BE_DOCUMENTED,
  // typedoc-plugin-markdown
  hidePageHeader: true,
  parametersFormat: "table",
  enumMembersFormat: "table",
  useCodeBlocks: true,
};

/**
 * A tsconfig for the AssemblyScript reference: assembly/tsconfig.json, with the standard library's
 * declarations read from a copy whose number types are branded. Returns its path.
 */
function brandedAssemblyTsconfig(work) {
  const stdDir = join(root, "node_modules", "assemblyscript", "std", "assembly");
  const std = readFileSync(join(stdDir, "index.d.ts"), "utf8");
  const pattern = new RegExp(`^declare type (${AS_NUMBER_TYPES.join("|")}) = number;$`, "gm");
  let branded = 0;
  const text = std.replace(pattern, (_, name) => {
    branded++;
    return `declare type ${name} = number & { readonly __asType?: "${name}" };`;
  });
  if (branded !== AS_NUMBER_TYPES.length) {
    throw new Error(
      `found ${branded} of the ${AS_NUMBER_TYPES.length} number types in assemblyscript/std/assembly/index.d.ts: its declarations changed, update scripts/docs.mjs`,
    );
  }
  const types = join(work, "types", "assembly");
  mkdirSync(types, { recursive: true });
  writeFileSync(join(types, "index.d.ts"), text);
  writeFileSync(join(types, "package.json"), `{ "types": "index.d.ts" }\n`);
  const tsconfig = join(work, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, "assembly", "tsconfig.json"),
      compilerOptions: { typeRoots: [join(work, "types")], types: ["assembly"] },
    }),
  );
  return tsconfig;
}

/** Generates one reference into `out`; returns the number of validation errors and warnings. */
async function generate(options, out) {
  // Only the options given here: no typedoc.json, package.json or command-line options are read.
  const app = await td.Application.bootstrapWithPlugins({ ...COMMON, ...options, out }, []);
  const warn = app.logger.validationWarning.bind(app.logger);
  app.logger.validationWarning = (message) => {
    if (!UNDOCUMENTED_OK.test(message)) warn(message);
  };
  const project = await app.convert();
  if (!project) throw new Error(`TypeDoc could not convert ${options.entryPoints.join(", ")}`);
  app.validate(project);
  await app.generateOutputs(project);
  return app.logger.errorCount + app.logger.warningCount;
}

/** Every file under `dir`, relative, sorted. */
function filesIn(dir, under = "") {
  let entries;
  try {
    entries = readdirSync(join(dir, under), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((e) => (e.isDirectory() ? filesIn(dir, join(under, e.name)) : [join(under, e.name)]))
    .sort();
}

const INDEX = `# API reference

Generated from the doc comments by \`npm run docs\` (TypeDoc); do not edit. \`npm run docs:check\` fails when
an exported symbol has no doc comment or this folder differs from a fresh generation.

- [The AssemblyScript API](assembly/README.md): what a module imports from \`"ixt-sdk-as"\` (handlers, the
  sender, frames, settings, logging, UTF-8) and the ABI exports it re-exports from \`"ixt-sdk-as/exports"\`.
- [The JavaScript API](host/README.md): the host shim (\`"ixt-sdk-as"\` in Node) and \`"ixt-sdk-as/testing"\`,
  for tests and tools.

The wire contract is [docs/ABI.md](../ABI.md); the guide is the [README](../../README.md).
`;

const work = mkdtempSync(join(tmpdir(), "ixt-sdk-as-docs-"));
try {
  const out = check ? join(work, "reference") : REFERENCE;
  if (!check) rmSync(REFERENCE, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "README.md"), INDEX);
  let problems = await generate(
    {
      name: "ixt-sdk-as: the AssemblyScript API",
      entryPoints: [join(root, "index.ts"), join(root, "exports.ts")],
      tsconfig: brandedAssemblyTsconfig(work),
    },
    join(out, "assembly"),
  );
  problems += await generate(
    {
      name: "ixt-sdk-as: the JavaScript API",
      entryPoints: [join(root, "host-shim", "index.ts"), join(root, "host-shim", "testing.ts")],
      tsconfig: join(root, "tsconfig.json"),
    },
    join(out, "host"),
  );

  let failed = problems > 0;
  if (failed) console.error(`docs: ${problems} problem(s) above: give each exported symbol a doc comment`);
  if (check) {
    const fresh = filesIn(out);
    const committed = filesIn(REFERENCE);
    const differ = [
      ...committed.filter((f) => !fresh.includes(f)).map((f) => `  only in the committed reference: ${f}`),
      ...fresh
        .filter((f) => !committed.includes(f))
        .map((f) => `  missing from the committed reference: ${f}`),
      ...fresh
        .filter((f) => committed.includes(f))
        .filter((f) => readFileSync(join(out, f), "utf8") !== readFileSync(join(REFERENCE, f), "utf8"))
        .map((f) => `  differs from a fresh generation: ${f}`),
    ];
    if (differ.length > 0) {
      failed = true;
      const where = relative(process.cwd(), REFERENCE) || ".";
      console.error(`docs: ${where} is out of date; run npm run docs and commit it:\n${differ.join("\n")}`);
    } else {
      console.log(`docs: ${committed.length} files of the committed reference match a fresh generation`);
    }
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
