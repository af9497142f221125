// The API reference in docs/reference/, generated from the doc comments with TypeDoc and
// typedoc-plugin-markdown (committed Markdown, readable on the forge and offline).
//
//   node scripts/docs.mjs           (npm run docs)        regenerate docs/reference/, and the code blocks
//                                                         of the README and the guides (scripts/doc-blocks.mjs)
//   node scripts/docs.mjs --check   (npm run docs:check)  exit 1 when an exported symbol or a public member
//                                                         has no doc comment, a {@link} is broken, or the
//                                                         committed reference differs from a fresh one,
//                                                         or a code block differs from its file
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
import { documents, syncBlocks } from "./doc-blocks.mjs";

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

/**
 * The reference is grouped by what an author is doing, in this order; the wire's constants and the hint
 * strings come last, on a page of their own (constants.md). Every export is in exactly one group: a new
 * export missing from TASKS fails `npm run docs:check`.
 */
const CONSTANTS = "Wire constants and hint strings";
const TASKS = {
  assembly: {
    Handler: [
      "ServerStreamHandler",
      "ServerStreamHandlerFactory",
      "registerServerStreamHandler",
      "registerMethod",
      "OpenDecision",
      "StreamFrame",
      "CloseReason",
      "CancelReason",
      "StreamErrorCode",
    ],
    Sending: [
      "StreamSender",
      "ProducerHandler",
      "SendStatus",
      "HostStatus",
      "isSent",
      "errorCodeFor",
      "refusalMessage",
      "UNLIMITED",
      "setStreamQueueLimit",
      "setQueueBudget",
      "queuedBytesTotal",
      "DEFAULT_STREAM_QUEUE_LIMIT",
      "DEFAULT_QUEUE_BUDGET",
      "QUEUED_FRAME_OVERHEAD",
      "setClock",
      "Clock",
    ],
    Text: [
      "Utf8StreamDecoder",
      "LineSplitter",
      "LineError",
      "DEFAULT_MAX_LINE_BYTES",
      "decodeUtf8",
      "utf8Equals",
      "completeUtf8Len",
      "validUtf8Len",
      "writeValidUtf8",
      "REPLACEMENT_UTF8_LEN",
    ],
    Bytes: [
      "ByteBuffer",
      "BYTE_BUFFER_MAX_LENGTH",
      "findByte",
      "parseDecimal",
      "parseDecimalText",
      "parseSignedDecimal",
      "parseSignedDecimalText",
      "Decimal",
      "SignedDecimal",
      "DecimalError",
    ],
    JSON: ["JsonReader", "JsonWriter", "JsonError", "JsonToken", "jsonErrorMessage", "DEFAULT_MAX_DEPTH"],
    "Memory and limits": [
      "memoryAvailable",
      "allocatorGuarded",
      "setMaxLiveStreams",
      "maxLiveStreams",
      "liveStreamCount",
      "setMaxFrameSize",
      "maxFrameSize",
      "DEFAULT_MAX_LIVE_STREAMS",
      "DEFAULT_MAX_FRAME_SIZE",
      "ALLOC_MAX",
      "OPEN_HEADROOM",
    ],
    Logging: ["log", "LogLevel", "LOG_ENABLED"],
    "ABI exports": [
      "ixt_module_handle_server_stream",
      "ixt_alloc",
      "ixt_dealloc",
      "ixt_instance_lost",
      "ixt_abi_revision",
    ],
    [CONSTANTS]: [
      "FrameKind",
      "InteractionKind",
      "STREAM_ID_LEN",
      "UNLIMITED_CREDIT",
      "ERROR_MESSAGE_DECODE_MAX",
      "RETRIES_PER_CALL",
      "BYTE_BUFFER_FAILED",
      "OUT_OF_MEMORY_MESSAGE",
      "QUEUED_FRAME_REFUSED",
      "TRAPPED_MESSAGE",
    ],
  },
  host: {
    Testing: [
      "loadModule",
      "buildModule",
      "LoadOptions",
      "BuildOptions",
      "BuildError",
      "IxtHost",
      "HostOptions",
      "OpenFields",
      "Responder",
      "streamIdOf",
      "StreamId",
      "OutboundCall",
      "DataCall",
      "CloseCall",
      "ErrorCall",
      "isData",
      "isClose",
      "isError",
      "bytes",
      "text",
      "json",
      "dataTexts",
      "delivered",
      "CallCounts",
      "TARGET_ENV",
      "defaultTarget",
      "moduleEntries",
      "ModuleEntry",
    ],
    "Credit and limits in tests": [
      "holdCredit",
      "drainWithCredit",
      "CreditValve",
      "DrainOptions",
      "MemoryLimitError",
      "WASM_PAGE",
    ],
    "Logs, traps and load errors": [
      "LogLine",
      "LogLevel",
      "LOG_LEVELS",
      "describeLogLine",
      "SdkWarning",
      "InstanceLost",
      "GuestTrap",
      "TrapFrame",
      "TrapLocation",
      "FrameOrigin",
      "ModuleLoadError",
      "LoadProblem",
      "loadProblems",
    ],
    Frames: [
      "Frame",
      "decodeFrame",
      "encodeOpen",
      "encodeData",
      "encodeCredit",
      "encodeClose",
      "encodeCancel",
      "encodeError",
      "outboundFrame",
      "fromHex",
      "toHex",
      "minFrameLen",
      "nameOf",
    ],
    [CONSTANTS]: [
      "ABI",
      "CancelReason",
      "CloseReason",
      "FrameKind",
      "HostStatus",
      "InteractionKind",
      "SendStatus",
      "StreamErrorCode",
      "STREAM_ID_LEN",
      "UNLIMITED_CREDIT",
      "SDK_STATUS_RANGE",
      "FRAME_HEADER_LEN",
      "CREDIT_OFFSET",
      "REASON_OFFSET",
      "ERROR_CODE_OFFSET",
      "ERROR_MESSAGE_OFFSET",
      "OPEN_INTERACTION_OFFSET",
      "OPEN_CREDIT_OFFSET",
      "OPEN_DEADLINE_OFFSET",
      "OPEN_METHOD_LEN_OFFSET",
      "OPEN_METHOD_OFFSET",
      "OPEN_CONTEXT_LEN_SIZE",
      "DEBUG_LOG_MODULE",
      "DEBUG_IMPORT_WARNING",
      "NO_HANDLER_WARNING",
      "NO_SOURCE_MAP_HINT",
      "EXPORTS_HINT",
      "LOG_HINT",
      "PRESET_HINT",
      "WASI_HINT",
      "HintAudience",
      "foreignImportHint",
      "missingExportHint",
    ],
  },
};

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

/**
 * Puts each top-level export of the reference `tasks` names into its group (a `@category` tag, which
 * TypeDoc's category plugin reads when it runs after this); returns the names in no group.
 */
function categorize(app, tasks) {
  const groupOf = new Map(Object.entries(tasks).flatMap(([group, names]) => names.map((n) => [n, group])));
  const missing = [];
  app.converter.on(td.Converter.EVENT_RESOLVE_END, (context) => {
    for (const module of context.project.getReflectionsByKind(td.ReflectionKind.Module)) {
      for (const child of module.children ?? []) {
        const group = groupOf.get(child.name);
        if (!group) {
          missing.push(child.name);
          continue;
        }
        child.comment ??= new td.Comment();
        child.comment.blockTags.push(new td.CommentTag("@category", [{ kind: "text", text: group }]));
      }
    }
  });
  return missing;
}

/** Generates one reference into `out`; returns the number of validation errors and warnings. */
async function generate(options, out, tasks) {
  // Only the options given here: no typedoc.json, package.json or command-line options are read.
  const app = await td.Application.bootstrapWithPlugins(
    { ...COMMON, ...options, out, categoryOrder: [...Object.keys(tasks), "*"] },
    [],
  );
  const warn = app.logger.validationWarning.bind(app.logger);
  app.logger.validationWarning = (message) => {
    if (!UNDOCUMENTED_OK.test(message)) warn(message);
  };
  const missing = categorize(app, tasks);
  const project = await app.convert();
  if (missing.length > 0) {
    console.error(`docs: no task group in scripts/docs.mjs (TASKS) for: ${[...new Set(missing)].join(", ")}`);
    return missing.length;
  }
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

/** A heading's anchor as the forges make it (lower case, punctuation dropped, spaces as hyphens). */
const anchor = (heading) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

/** The index: each task's part of both references, and the constants' page. */
const INDEX = `# API reference

Generated from the doc comments by \`npm run docs\` (TypeDoc); do not edit. \`npm run docs:check\` fails when
an exported symbol has no doc comment or no task group, or this folder differs from a fresh generation.

By task, in [the AssemblyScript API](assembly/ixt-sdk-as/README.md) (what a module imports from
\`"ixt-sdk-as"\`) and [the JavaScript API](host/ixt-sdk-as/README.md) (the host shim, \`"ixt-sdk-as"\` in Node,
and [\`"ixt-sdk-as/testing"\`](host/ixt-sdk-as/testing/README.md)):

${Object.keys(TASKS.assembly)
  .filter((task) => task !== CONSTANTS)
  .map(
    (task) =>
      `- [${task}](assembly/ixt-sdk-as/${task === "ABI exports" ? "exports/README.md" : `README.md#${anchor(task)}`})`,
  )
  .join("\n")}
${Object.keys(TASKS.host)
  .filter((task) => task !== CONSTANTS)
  .map((task) => `- [${task}](host/ixt-sdk-as/README.md#${anchor(task)}) (JavaScript)`)
  .join("\n")}
- [${CONSTANTS}](constants.md): the wire's numbers and the SDK's fixed messages, on a page of their own

The wire contract is [docs/ABI.md](../ABI.md); the guides are in the [README](../../README.md).
`;

/** The constants' page: both references' wire constants and hint strings, linked to their pages. */
function constantsPage(out) {
  const link = (dir, name) => {
    const file = filesIn(join(out, dir)).find((f) => f.endsWith(`/${name}.md`) && !f.includes("/testing/"));
    if (!file) throw new Error(`docs: no page for ${name} in ${dir}`);
    return `- [${name.replace(/_/g, "\\_")}](${dir}/${file})`;
  };
  return `# ${CONSTANTS}

The ABI's numbers (docs/abi.json is their one source) and the fixed messages and hints the SDK, \`ixt-as\` and
the test helpers print. A module rarely names them; a tool or a test may. Generated by \`npm run docs\`.

## AssemblyScript (\`"ixt-sdk-as"\`)

${TASKS.assembly[CONSTANTS].map((name) => link("assembly/ixt-sdk-as", name)).join("\n")}

## JavaScript (\`"ixt-sdk-as"\` and \`"ixt-sdk-as/testing"\`)

${TASKS.host[CONSTANTS].map((name) => link("host/ixt-sdk-as", name)).join("\n")}

[Back to the index](README.md)
`;
}

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
    TASKS.assembly,
  );
  problems += await generate(
    {
      name: "ixt-sdk-as: the JavaScript API",
      entryPoints: [join(root, "host-shim", "index.ts"), join(root, "host-shim", "testing.ts")],
      tsconfig: join(root, "tsconfig.json"),
    },
    join(out, "host"),
    TASKS.host,
  );

  // The constants' page links the pages both references generated: only when both did.
  if (problems === 0) writeFileSync(join(out, "constants.md"), constantsPage(out));

  // The README's and the guides' code blocks, from the files they name (scripts/doc-blocks.mjs).
  for (const doc of documents(root)) {
    const text = readFileSync(join(root, doc), "utf8");
    const synced = syncBlocks(root, text);
    if (synced === text) continue;
    if (check) {
      console.error(`docs: a code block of ${doc} differs from the file it names; run npm run docs`);
      problems++;
    } else {
      writeFileSync(join(root, doc), synced);
      console.log(`docs: code blocks of ${doc} rewritten from their files`);
    }
  }

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
