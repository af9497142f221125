// docs/abi.json holds the ABI's numbers, written from docs/ABI.md (the contract). Every other copy must say
// the same: the prose and tables of docs/ABI.md, the SDK's hand-written enums and layout (assembly/), the host
// shim (generated from abi.json), the Python suites (conformance/abi.py reads abi.json; the test imports every
// suite and checks what it ends up with), and the bench's hand-written modules (bench/plain_echo.as.ts,
// bench/wasmtime/driver.c).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as shim from "../host-shim/abi.js";
import { LOG_LEVELS } from "../host-shim/host.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

interface AbiJson {
  layout: Record<string, number>;
  minFrameLen: Record<string, number>;
  enums: Record<string, Record<string, number>>;
  sdkStatusRange: { first: number; last: number };
  limits: Record<string, number>;
  revision: number;
  interrupts: { LOST_EXPORT: string; LOST_CODE: number; LOST_MESSAGE: string; TRAPPED_MESSAGE: string };
}
const abi: AbiJson = JSON.parse(read("docs/abi.json"));
const abiDoc = read("docs/ABI.md");

/** A value of abi.json by path, e.g. "enums.HostStatus.Ok" or "layout.FRAME_HEADER_LEN"; throws if absent. */
function valueAt(path: string): number {
  const value = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], abi);
  if (typeof value !== "number") throw new Error(`docs/abi.json has no number at ${path}`);
  return value;
}

// ---- docs/ABI.md ----

/** `### Heading` followed by a line like "A 0, B 1, C 2." (a "A `u32`:" lead-in is allowed). */
function enumFromDoc(heading: string): Record<string, number> {
  const section = abiDoc.split(`### ${heading}\n`)[1];
  if (!section) throw new Error(`docs/ABI.md has no section ${heading}`);
  const text = section
    .split("\n\n")[0]
    .replace(/\n/g, " ")
    .replace(/^.*?:\s/, "");
  const values: Record<string, number> = {};
  for (const [, key, value] of text.matchAll(/([A-Z][A-Za-z]+) (\d+)/g)) values[key] = Number(value);
  return values;
}

/** The rows of the markdown table whose header row starts with `| first |`, as arrays of cells. */
function tableRows(first: string): string[][] {
  const start = abiDoc.indexOf(`| ${first} |`);
  if (start < 0) throw new Error(`docs/ABI.md has no table starting with "${first}"`);
  const lines = abiDoc.slice(start).split("\n");
  const rows: string[][] = [];
  for (const line of lines.slice(2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** "1 GiB − 32", "16 KiB", "1024" as a number; NaN when it is none of those. */
function sizeOf(text: string): number {
  const m = /^(\d+)(?: (KiB|MiB|GiB))?(?: − (\d+))?/.exec(text.trim());
  if (!m) return NaN;
  const unit = { KiB: 1 << 10, MiB: 1 << 20, GiB: 1 << 30 }[m[2] as string] ?? 1;
  return Number(m[1]) * unit - Number(m[3] ?? 0);
}

/** Names the doc gives a value with `NAME` = … that are not part of the wire contract (not in abi.json). */
const DOC_ONLY_CONSTANTS = new Set<string>(); // none today (the minimal runtime's GC_MIN_BYTES is gone)

const enumHeadings: [string, string][] = [
  ["FrameKind", "FrameKind"],
  ["InteractionKind", "InteractionKind"],
  ["CloseReason", "CloseReason"],
  ["CancelReason", "CancelReason"],
  ["StreamErrorCode", "StreamErrorCode"],
  ["HostStatus", "Host status"],
];

describe("docs/ABI.md says what docs/abi.json says", () => {
  for (const [name, heading] of enumHeadings) {
    it(`the ${heading} section lists ${name}`, () => {
      expect(enumFromDoc(heading)).toEqual(abi.enums[name]);
    });
  }

  it("the frame header table: kind at 0, the stream id at 1 (16 bytes), the tail at 17", () => {
    const rows = tableRows("offset");
    expect(rows.map(([offset, size]) => [offset, size])).toEqual([
      ["0", "1"],
      [String(abi.layout.STREAM_ID_OFFSET), String(abi.layout.STREAM_ID_LEN)],
      [String(abi.layout.TAIL_OFFSET), "…"],
    ]);
    expect(abi.layout.STREAM_ID_OFFSET + abi.layout.STREAM_ID_LEN).toBe(abi.layout.FRAME_HEADER_LEN);
    expect(abiDoc).toContain(`A frame is a ${abi.layout.FRAME_HEADER_LEN}-byte header`);
  });

  it("the kind table: each kind's value, minimum length and field offsets", () => {
    const rows = new Map(tableRows("kind").map(([kind, value, tail, min]) => [kind, { value, tail, min }]));
    expect([...rows.keys()]).toEqual(Object.keys(abi.enums.FrameKind));
    for (const [kind, { value, tail, min }] of rows) {
      expect(Number(value), `${kind} value`).toBe(abi.enums.FrameKind[kind]);
      expect(Number(min), `${kind} minimum length`).toBe(abi.minFrameLen[kind]);
      // Every field is `[start]` or `[start..end)`: its start must be one of the kind's offsets.
      const starts = [...tail.matchAll(/`\[(\d+)(?:\]|\.\.(\w+)\))`/g)].map(([, s, end]) => [Number(s), end]);
      expect(starts.length, `${kind} fields`).toBeGreaterThan(0);
      const l = abi.layout;
      const expected: Record<string, (number | string)[][]> = {
        Open: [
          [l.OPEN_INTERACTION_OFFSET, "undefined"],
          [l.OPEN_CREDIT_OFFSET, String(l.OPEN_DEADLINE_OFFSET)],
          [l.OPEN_DEADLINE_OFFSET, String(l.OPEN_METHOD_LEN_OFFSET)],
          [l.OPEN_METHOD_LEN_OFFSET, String(l.OPEN_METHOD_OFFSET)],
        ],
        Data: [[l.TAIL_OFFSET, "len"]],
        Error: [
          [l.ERROR_CODE_OFFSET, String(l.ERROR_MESSAGE_OFFSET)],
          [l.ERROR_MESSAGE_OFFSET, "len"],
        ],
        Close: [[l.REASON_OFFSET, "undefined"]],
        Cancel: [[l.REASON_OFFSET, "undefined"]],
        Credit: [[l.CREDIT_OFFSET, String(l.CREDIT_OFFSET + 4)]],
      };
      expect(
        starts.map(([s, end]) => [s, String(end)]),
        `${kind} field offsets`,
      ).toEqual(expected[kind]);
    }
    const open = rows.get("Open")!.tail;
    expect(open).toContain(`\`[${abi.layout.OPEN_METHOD_OFFSET}..${abi.layout.OPEN_METHOD_OFFSET}+M)\``);
    const contextAt = abi.layout.OPEN_METHOD_OFFSET + abi.layout.OPEN_CONTEXT_LEN_SIZE;
    expect(open).toContain(`\`[${abi.layout.OPEN_METHOD_OFFSET}+M..${contextAt}+M)\``);
    expect(contextAt).toBe(abi.layout.OPEN_MIN_LEN);
  });

  it("every `Name (value)` and `Name value` of an enum member in the text has that member's value", () => {
    const members = new Map<string, Set<number>>();
    for (const values of Object.values(abi.enums)) {
      for (const [name, value] of Object.entries(values)) {
        members.set(name, (members.get(name) ?? new Set()).add(value));
      }
    }
    let checked = 0;
    for (const [text, name, value] of abiDoc.matchAll(/\b([A-Z][A-Za-z]+) \(?(0x[0-9A-Fa-f]+|\d+)\)?/g)) {
      const known = members.get(name);
      if (!known) continue;
      // "Open 0" in a sentence about offsets is not a value: only enum members followed by their number.
      expect(known.has(Number(value)), `docs/ABI.md: "${text}"`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it("every `NAME` = value and the documented defaults match the limits", () => {
    const named = [...abiDoc.matchAll(/`([A-Z][A-Z_]+)` (?:= |\()([^,;)]+)/g)];
    const seen = new Set<string>();
    for (const [text, name, value] of named) {
      if (DOC_ONLY_CONSTANTS.has(name)) continue;
      if (name === "LOST_CODE") continue; // an interrupts value, checked below
      const limit = abi.limits[name];
      expect(limit, `docs/ABI.md: "${text}" names a limit docs/abi.json lacks`).toBeDefined();
      expect(sizeOf(value), `docs/ABI.md: "${text}"`).toBe(limit);
      seen.add(name);
    }
    const defaults: [RegExp, string][] = [
      [/`setMaxFrameSize`, default ([^,]+),/, "DEFAULT_MAX_FRAME_SIZE"],
      [/`setMaxLiveStreams\(n\)` streams .*?\(default (\d+)\)/, "DEFAULT_MAX_LIVE_STREAMS"],
      [/`setStreamQueueLimit\(bytes\)` per stream \(default ([^)]+)\)/, "DEFAULT_STREAM_QUEUE_LIMIT"],
      [/`setQueueBudget\(bytes\)` for all streams together \(default ([^)]+)\)/, "DEFAULT_QUEUE_BUDGET"],
    ];
    const flat = abiDoc.replace(/\s+/g, " ");
    for (const [pattern, name] of defaults) {
      const m = pattern.exec(flat);
      expect(m, `docs/ABI.md states ${name}`).not.toBeNull();
      expect(sizeOf(m![1]), name).toBe(abi.limits[name]);
      seen.add(name);
    }
    expect(abiDoc).toContain(`\`0x${abi.limits.UNLIMITED_CREDIT.toString(16).toUpperCase()}\` = unlimited`);
    seen.add("UNLIMITED_CREDIT");
    expect([...seen].sort()).toEqual(Object.keys(abi.limits).sort());
  });

  it("the SDK's status range and the debug log's levels", () => {
    const hex = (n: number) => `0x${n.toString(16).toUpperCase()}`;
    expect(abiDoc).toContain(`${hex(abi.sdkStatusRange.first)} to ${hex(abi.sdkStatusRange.last)}`);
    const levels = Object.entries(abi.enums.LogLevel)
      .map(([name, value]) => `${name.toLowerCase()} ${value}`)
      .join(", ");
    expect(abiDoc.replace(/\s+/g, " ")).toContain(`level ${levels})`); // "level debug 0, info 1, …)"
    expect(Object.values(abi.enums.SendStatus).every((v) => v >= abi.sdkStatusRange.first)).toBe(true);
    expect(Object.values(abi.enums.SendStatus).every((v) => v <= abi.sdkStatusRange.last)).toBe(true);
  });
});

// ---- the SDK (assembly/) ----

/** Every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}
const sdkSources = tsFiles("assembly").map((file) => readFileSync(file, "utf8"));

/** `export enum Name { A = 0, B = 0x100, … }` anywhere in assembly/. */
function sdkEnum(name: string): Record<string, number> {
  const bodies = sdkSources.flatMap((text) => {
    const body = text.split(`export enum ${name} {`)[1]?.split("}")[0];
    return body ? [body] : [];
  });
  if (bodies.length !== 1) throw new Error(`assembly/ defines enum ${name} ${bodies.length} times`);
  const values: Record<string, number> = {};
  for (const [, key, value] of bodies[0].matchAll(/(\w+) = (0x[0-9a-fA-F]+|\d+)/g))
    values[key] = Number(value);
  return values;
}

// The allocator's constants the SDK's ALLOC_MAX is computed from (AssemblyScript's rt/common.ts) …
const runtimeSources = [read("node_modules/assemblyscript/std/assembly/rt/common.ts")];
// … and the one it computes with offsetof: a block header is one usize (mmInfo) in wasm32.
const KNOWN: Record<string, number> = { BLOCK_OVERHEAD: 4 };
const TYPE_SIZES: Record<string, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, usize: 4, u64: 8 };

/** Every definition `const NAME: type = expression;` of `name` in `sources`. */
function definitions(sources: string[], name: string): string[] {
  const pattern = new RegExp(`\\bconst\\s+${name}\\s*:\\s*\\w+\\s*=\\s*([^;]+);`, "g");
  return sources.flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1]));
}

/** Evaluates a constant expression of the SDK: numbers, casts, sizeof, other constants, integer operators. */
function evaluate(expression: string, sources: string[]): number {
  let text = expression
    .replace(/\/\/.*$/gm, "")
    .replace(/sizeof<(\w+)>\(\)/g, (_, t: string) => String(TYPE_SIZES[t]))
    .replace(/<\w+>/g, "")
    .replace(/\b(0x[0-9a-fA-F_]+|\d[\d_]*)\b/g, (n) => n.replace(/_/g, ""));
  text = text.replace(/\b([A-Z][A-Z0-9_]*)\b/g, (_, name: string) => String(constant(name, sources)));
  if (!/^[\s\dxa-fA-F()+\-*/<>&|~]*$/.test(text)) throw new Error(`cannot evaluate ${expression}`);
  return Number(new Function(`return (${text});`)()) >>> 0;
}

/** The value of the SDK constant `name` (all its definitions must agree). */
function constant(name: string, sources = [...sdkSources, ...runtimeSources]): number {
  if (name in KNOWN) return KNOWN[name];
  const found = definitions(sources, name);
  if (found.length === 0) throw new Error(`assembly/ defines no constant ${name}`);
  const values = new Set(found.map((expression) => evaluate(expression, sources)));
  if (values.size !== 1) throw new Error(`assembly/ defines ${name} as ${[...values].join(" and ")}`);
  return [...values][0];
}

/** What `minFrameLen(kind)` in assembly/ returns for each `FrameKind` (its `case …: return …;` arms). */
function sdkMinFrameLen(): Record<string, number> {
  const source = sdkSources.find((text) => text.includes("function minFrameLen("));
  if (!source) throw new Error("assembly/ has no minFrameLen");
  const body = source.split("function minFrameLen(")[1].split("\n}")[0];
  const lengths: Record<string, number> = {};
  for (const [, cases, expression] of body.matchAll(/((?:case FrameKind\.\w+:\s*)+)return ([^;]+);/g)) {
    for (const [, kind] of cases.matchAll(/FrameKind\.(\w+)/g))
      lengths[kind] = evaluate(expression, sdkSources);
  }
  return lengths;
}

describe("the SDK (assembly/) says what docs/abi.json says", () => {
  for (const name of Object.keys(abi.enums)) {
    it(`enum ${name}`, () => {
      expect(sdkEnum(name)).toEqual(abi.enums[name]);
    });
  }

  it("every layout constant and limit", () => {
    // TAIL_OFFSET names where each kind's tail starts, for the docs' tables; the SDK reads each field by
    // its own offset (FRAME_HEADER_LEN is the same number).
    const names = [...Object.keys(abi.layout), ...Object.keys(abi.limits)].filter((n) => n !== "TAIL_OFFSET");
    const actual = Object.fromEntries(names.map((name) => [name, constant(name)]));
    const { TAIL_OFFSET, ...expected } = { ...abi.layout, ...abi.limits };
    expect(TAIL_OFFSET).toBe(constant("FRAME_HEADER_LEN"));
    expect(actual).toEqual(expected);
  });

  it("minFrameLen, kind by kind", () => {
    expect(sdkMinFrameLen()).toEqual(abi.minFrameLen);
  });
});

// ---- the host shim ----

describe("the host shim says what docs/abi.json says", () => {
  it("host-shim/abi-values.ts is generated from the current docs/abi.json", () => {
    execFileSync(process.execPath, ["scripts/gen-abi.mjs", "--check"], { cwd: root, stdio: "pipe" });
  });

  it("its enums, offsets and limits", () => {
    const enums = {
      FrameKind: shim.FrameKind,
      InteractionKind: shim.InteractionKind,
      CloseReason: shim.CloseReason,
      CancelReason: shim.CancelReason,
      StreamErrorCode: shim.StreamErrorCode,
      HostStatus: shim.HostStatus,
      SendStatus: shim.SendStatus,
    };
    for (const [name, values] of Object.entries(enums)) expect({ ...values }, name).toEqual(abi.enums[name]);
    const layout = shim as unknown as Record<string, unknown>;
    for (const name of Object.keys(abi.layout).filter((n) => n in shim)) {
      expect(layout[name], name).toBe(abi.layout[name]);
    }
    expect(shim.UNLIMITED_CREDIT).toBe(abi.limits.UNLIMITED_CREDIT);
    expect({ ...shim.SDK_STATUS_RANGE }).toEqual(abi.sdkStatusRange);
    for (const [kind, value] of Object.entries(abi.enums.FrameKind)) {
      expect(shim.minFrameLen(value), kind).toBe(abi.minFrameLen[kind]);
    }
    expect(shim.minFrameLen(6)).toBeUndefined();
    // The debug log's levels by number.
    for (const [name, value] of Object.entries(abi.enums.LogLevel))
      expect(LOG_LEVELS[value]).toBe(name.toLowerCase());
  });
});

// ---- the Python suites ----

/**
 * The names the Python suites use for the ABI's numbers and where in abi.json each comes from. A module may
 * give a name its own meaning (`PER_MODULE`): streams_model's PAYLOAD_TOO_LARGE is the stream error code.
 */
const PYTHON_NAMES: Record<string, string> = {
  ...Object.fromEntries(
    Object.keys(abi.enums.FrameKind).map((k) => [k.toUpperCase(), `enums.FrameKind.${k}`]),
  ),
  UNARY: "enums.InteractionKind.Unary",
  CLIENT_STREAM: "enums.InteractionKind.ClientStream",
  SERVER_STREAM: "enums.InteractionKind.ServerStream",
  BIDI_STREAM: "enums.InteractionKind.BidiStream",
  NORMAL: "enums.CloseReason.Normal",
  GOING_AWAY: "enums.CloseReason.GoingAway",
  TIMEOUT: "enums.CloseReason.Timeout",
  CANCEL_CALLER: "enums.CancelReason.Caller",
  CANCEL_CALLEE: "enums.CancelReason.Callee",
  CANCEL_DEADLINE: "enums.CancelReason.Deadline",
  CANCEL_SHUTDOWN: "enums.CancelReason.Shutdown",
  UNKNOWN: "enums.StreamErrorCode.Unknown",
  CANCELLED: "enums.StreamErrorCode.Cancelled",
  DEADLINE_EXCEEDED: "enums.StreamErrorCode.DeadlineExceeded",
  INVALID_ARGUMENT: "enums.StreamErrorCode.InvalidArgument",
  REJECTED: "enums.StreamErrorCode.Rejected",
  NOT_FOUND: "enums.StreamErrorCode.NotFound",
  PERMISSION_DENIED: "enums.StreamErrorCode.PermissionDenied",
  RESOURCE_EXHAUSTED: "enums.StreamErrorCode.ResourceExhausted",
  UNIMPLEMENTED: "enums.StreamErrorCode.Unimplemented",
  INTERNAL: "enums.StreamErrorCode.Internal",
  UNAVAILABLE: "enums.StreamErrorCode.Unavailable",
  PROTOCOL_VIOLATION: "enums.StreamErrorCode.ProtocolViolation",
  PAYLOAD_TOO_LARGE_CODE: "enums.StreamErrorCode.PayloadTooLarge",
  OK: "enums.HostStatus.Ok",
  UNKNOWN_STREAM: "enums.HostStatus.UnknownStream",
  BAD_ARGUMENT: "enums.HostStatus.BadArgument",
  STREAM_CLOSED: "enums.HostStatus.StreamClosed",
  PAYLOAD_TOO_LARGE: "enums.HostStatus.PayloadTooLarge",
  WOULD_BLOCK: "enums.HostStatus.WouldBlock",
  INVALID_MEMORY: "enums.HostStatus.InvalidMemory",
  HOST_INTERNAL: "enums.HostStatus.Internal",
  QUEUED: "enums.SendStatus.Queued",
  QUEUE_FULL: "enums.SendStatus.QueueFull",
  NO_MEMORY: "enums.SendStatus.NoMemory",
  SDK_STATUS_FIRST: "sdkStatusRange.first",
  SDK_STATUS_LAST: "sdkStatusRange.last",
  STREAM_ID_LEN: "layout.STREAM_ID_LEN",
  FRAME_HEADER_LEN: "layout.FRAME_HEADER_LEN",
  OPEN_CREDIT_OFFSET: "layout.OPEN_CREDIT_OFFSET",
  CREDIT_OFFSET: "layout.CREDIT_OFFSET",
  UNLIMITED_CREDIT: "limits.UNLIMITED_CREDIT",
  UNLIMITED: "limits.UNLIMITED_CREDIT",
  QUEUED_FRAME_OVERHEAD: "limits.QUEUED_FRAME_OVERHEAD",
  DEFAULT_MAX_FRAME_SIZE: "limits.DEFAULT_MAX_FRAME_SIZE",
  DEFAULT_MAX_LIVE_STREAMS: "limits.DEFAULT_MAX_LIVE_STREAMS",
  DEFAULT_STREAM_QUEUE_LIMIT: "limits.DEFAULT_STREAM_QUEUE_LIMIT",
  DEFAULT_QUEUE_BUDGET: "limits.DEFAULT_QUEUE_BUDGET",
};
const PER_MODULE: Record<string, Record<string, string>> = {
  streams_model: { PAYLOAD_TOO_LARGE: "enums.StreamErrorCode.PayloadTooLarge" },
  memory_caps: { PAYLOAD_TOO_LARGE: "enums.StreamErrorCode.PayloadTooLarge" }, // imported from streams_model
  make_scenarios: { DEADLINE: "enums.CancelReason.Deadline" },
};
const PYTHON_MODULES = [
  "abi",
  "ixt_host",
  "streams_model",
  "refusals",
  "traps",
  "memory_caps",
  "make_scenarios",
  "run",
];

/** Imports each suite and returns its upper-case integer globals, by module. */
function pythonConstants(): Record<string, Record<string, number>> {
  const script = `
import importlib, json, sys
sys.path.insert(0, "conformance")
out = {}
for name in ${JSON.stringify(PYTHON_MODULES)}:
    m = importlib.import_module(name)
    out[name] = {k: v for k, v in vars(m).items() if k.isupper() and type(v) is int}
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script], { cwd: root, encoding: "utf8" }));
}

describe("the Python suites (conformance/) say what docs/abi.json says", () => {
  it("every ABI name in every suite, after import", () => {
    const modules = pythonConstants();
    let checked = 0;
    for (const [module, values] of Object.entries(modules)) {
      for (const [name, value] of Object.entries(values)) {
        const path = PER_MODULE[module]?.[name] ?? PYTHON_NAMES[name];
        if (!path) continue;
        expect(value, `conformance/${module}.py ${name}`).toBe(valueAt(path));
        checked++;
      }
    }
    // abi.py defines every name of the table (so the table cannot go stale).
    expect(Object.keys(PYTHON_NAMES).filter((n) => n !== "UNLIMITED" && !(n in modules.abi))).toEqual([]);
    expect(checked).toBeGreaterThan(Object.keys(PYTHON_NAMES).length);
  });
});

// ---- the bench's hand-written modules ----

describe("the bench's hand-written modules say what docs/abi.json says", () => {
  it("bench/wasmtime/driver.c: every enum constant", () => {
    const C_NAMES: Record<string, string> = {
      ST_OK: "enums.HostStatus.Ok",
      ST_UNKNOWN_STREAM: "enums.HostStatus.UnknownStream",
      ST_BAD_ARGUMENT: "enums.HostStatus.BadArgument",
      ST_INVALID_MEMORY: "enums.HostStatus.InvalidMemory",
      FRAME_HEADER_LEN: "layout.FRAME_HEADER_LEN",
      STREAM_ID_LEN: "layout.STREAM_ID_LEN",
      OPEN_MIN_LEN: "layout.OPEN_MIN_LEN",
      KIND_OPEN: "enums.FrameKind.Open",
      KIND_DATA: "enums.FrameKind.Data",
      KIND_CLOSE: "enums.FrameKind.Close",
      SERVER_STREAM: "enums.InteractionKind.ServerStream",
    };
    // The driver's own constants, not the ABI's: page sizes, the cold request's payload, its fault probes.
    const NOT_ABI = ["SMALL_PAGE", "WASM_PAGE", "COLD_PAYLOAD", "FAULT_PROBES"];
    const source = read("bench/wasmtime/driver.c");
    const found: Record<string, number> = {};
    for (const [, body] of source.matchAll(/\benum\s*\{([^}]*)\}/g)) {
      for (const [, name, value] of body.matchAll(/(\w+)\s*=\s*(\d+)/g)) {
        if (!NOT_ABI.includes(name)) found[name] = Number(value);
      }
    }
    const expected = Object.fromEntries(Object.entries(C_NAMES).map(([name, path]) => [name, valueAt(path)]));
    expect(found).toEqual(expected);
  });

  it("bench/plain_echo.as.ts: every constant", () => {
    const AS_NAMES: Record<string, string> = {
      KIND_OPEN: "enums.FrameKind.Open",
      KIND_DATA: "enums.FrameKind.Data",
      KIND_CLOSE: "enums.FrameKind.Close",
      KIND_LAST: "enums.FrameKind.Credit",
      SERVER_STREAM: "enums.InteractionKind.ServerStream",
      STREAM_ID_OFFSET: "layout.STREAM_ID_OFFSET",
      STREAM_ID_LEN: "layout.STREAM_ID_LEN",
      FRAME_HEADER_LEN: "layout.FRAME_HEADER_LEN",
      OPEN_INTERACTION_OFFSET: "layout.OPEN_INTERACTION_OFFSET",
      OPEN_MIN_LEN: "minFrameLen.Open",
      CLOSE_MIN_LEN: "minFrameLen.Close",
      CLOSE_NORMAL: "enums.CloseReason.Normal",
      UNIMPLEMENTED: "enums.StreamErrorCode.Unimplemented",
      PROTOCOL_VIOLATION: "enums.StreamErrorCode.ProtocolViolation",
    };
    const source = read("bench/plain_echo.as.ts");
    const found = Object.fromEntries(
      [...source.matchAll(/^const (\w+): \w+ = (\d+);/gm)].map(([, name, value]) => [name, Number(value)]),
    );
    const expected = Object.fromEntries(
      Object.entries(AS_NAMES).map(([name, path]) => [name, valueAt(path)]),
    );
    expect(found).toEqual(expected);
  });
});

describe("the interrupt contract: docs/ABI.md, docs/abi.json and the SDK say the same", () => {
  const flat = abiDoc.replace(/\s+/g, " ");
  const { LOST_EXPORT, LOST_CODE, LOST_MESSAGE, TRAPPED_MESSAGE } = abi.interrupts;

  it("the revision, the export, the code and both messages are in docs/ABI.md", () => {
    expect(flat).toContain(`This document is **revision ${abi.revision}** of the ABI`);
    expect(flat).toContain(`| \`${LOST_EXPORT}\` | \`() -> i32\` |`);
    const code = Object.entries(abi.enums.StreamErrorCode).find(([, v]) => v === LOST_CODE)![0];
    expect(flat).toContain(`\`LOST_CODE\` = ${code} (${LOST_CODE})`);
    expect(flat).toContain(`"${LOST_MESSAGE}"`);
    expect(flat).toContain(`"${TRAPPED_MESSAGE}"`);
  });

  it("the SDK's constants: the revision export, LOST_CODE, LOST_MESSAGE and TRAPPED_MESSAGE", () => {
    const exportsTs = read("assembly/exports.ts");
    expect(exportsTs).toContain(`export const ixt_abi_revision: i32 = ${abi.revision};`);
    expect(exportsTs).toContain(`export function ${LOST_EXPORT}(): i32`);
    const lost = read("assembly/dispatch/lost.ts").replace(/\s+/g, " ");
    expect(lost).toContain(`export const LOST_MESSAGE = "${LOST_MESSAGE}";`);
    const code = Object.entries(abi.enums.StreamErrorCode).find(([, v]) => v === LOST_CODE)![0];
    expect(lost).toContain(`export const LOST_CODE: u32 = StreamErrorCode.${code};`);
    expect(read("assembly/dispatch/recovery.ts")).toContain(
      `export const TRAPPED_MESSAGE = "${TRAPPED_MESSAGE}";`,
    );
  });
});
