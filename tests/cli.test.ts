// The `ixt-as` command: `check` against the ABI (with its fixes), `run` in the shim, help and file errors.
import asc from "assemblyscript/asc";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../cli/main.js";
import { payloadText } from "../cli/run.js";
import { readWasmInfo } from "../cli/wasm-info.js";
import { encodeOpen, streamIdOf, toHex } from "../host-shim/index.js";
import { buildModule } from "../host-shim/testing.js";
import { example, fixture } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ixt-as-cli-"));

async function ixtAs(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Compiles AssemblyScript with an empty asconfig (no preset), as a user who forgot it would. */
async function compileWithoutPreset(entry: string, outFile: string): Promise<void> {
  const config = join(dir, "empty-asconfig.json");
  writeFileSync(config, "{}");
  const { error, stderr } = await asc.main([entry, "--config", config, "--outFile", outFile]);
  if (error) throw new Error(`${error.message}\n${stderr.toString()}`);
}

/** Builds AssemblyScript written to the temp folder with the repo's asconfig (the preset), importing the SDK by path. */
async function buildWithPreset(
  name: string,
  source: (sdk: string) => string,
  target: "release" | "debug" = "debug",
) {
  const sdk = relative(dir, fileURLToPath(new URL("../assembly", import.meta.url)));
  writeFileSync(join(dir, `${name}.ts`), source(sdk));
  return buildModule(join(dir, `${name}.ts`), { target, cacheDir: join(dir, "cache") });
}

/** A module whose Data handler runs `body`, with `say(level, message)` writing the SDK's log (info 1, warn 2). */
const handlerModule = (body: string) => (sdk: string) =>
  `import { ServerStreamHandler, StreamFrame, StreamSender, log, registerServerStreamHandler } from "${sdk}";
function say(level: i32, message: string): void {
  if (level == 1) log.info(message);
  else log.warn(message);
}
class Handler extends ServerStreamHandler {
  override onData(stream: StreamSender, frame: StreamFrame): void {
    ${body}
  }
}
registerServerStreamHandler(() => new Handler());
export * from "${sdk}/exports";
`;

const noPreset = join(dir, "echo-no-preset.wasm");
const wrong = join(dir, "wrong.wasm");
let logger = "";
let lateAbort = "";
let consoleLog = "";
const revision: Record<"none" | "other" | "mutable", string> = { none: "", other: "", mutable: "" };
const openTrapper = { debug: "", release: "" };
/** A fixture with bugs at lines marked `// BUG: index` and so on, built for debug (with its source map). */
const BUG_LINES = "tests/fixtures/bug_lines.ts";
let bugLines = "";

/** The line (from 1) of `file` that carries the comment `// marker`. */
function lineOf(file: string, marker: string): number {
  const line = readFileSync(file, "utf8")
    .split("\n")
    .findIndex((text) => text.includes(`// ${marker}`));
  if (line < 0) throw new Error(`no "${marker}" in ${file}`);
  return line + 1;
}

beforeAll(async () => {
  await compileWithoutPreset("examples/stream_echo.ts", noPreset);
  const source = join(dir, "wrong.ts");
  writeFileSync(
    source,
    `@external("ixt", "stream_send_data") declare function send(len: i32): i32;
@external("ixt", "stream_send_log") declare function log(len: i32): i32;
@external("host", "now") declare function now(): i64;
export function ixt_module_handle_server_stream(ptr: i32, len: i32): i32 { return send(len) + log(len) + <i32>now(); }
export function ixt_alloc(size: i32): void {}
`,
  );
  await compileWithoutPreset(source, wrong);
  logger = await buildWithPreset(
    "logger",
    handlerModule(
      `say(1, "got " + frame.payloadText()); stream.sendText("one"); say(2, "between"); stream.sendText("two");`,
    ),
  );
  lateAbort = await buildWithPreset("late_abort", handlerModule(`stream.close(); abort("late failure: ✗");`));
  consoleLog = await buildWithPreset(
    "console_log",
    (sdk) => `import "${sdk}";
console.log("hi " + Date.now().toString());
export * from "${sdk}/exports";
`,
  );
  // The SDK's exports by name, with ixt_abi_revision left out, replaced by another revision, or mutable.
  const revisionModule = (declaration: string) => (sdk: string) =>
    `import { ServerStreamHandler, registerServerStreamHandler } from "${sdk}";
class Idle extends ServerStreamHandler {}
registerServerStreamHandler(() => new Idle());
export { ixt_module_handle_server_stream, ixt_alloc, ixt_dealloc } from "${sdk}/exports";
${declaration}
`;
  revision.none = await buildWithPreset("revision_none", revisionModule(""), "release");
  revision.other = await buildWithPreset(
    "revision_other",
    revisionModule("export const ixt_abi_revision: i32 = 7;"),
    "release",
  );
  revision.mutable = await buildWithPreset(
    "revision_mutable",
    revisionModule("export let ixt_abi_revision: i32 = 2;"),
    "release",
  );
  // A handler factory that reads past an array's end: an Open traps, in the author's `readPast`.
  const openTrap = (
    sdk: string,
  ) => `import { ServerStreamHandler, registerServerStreamHandler } from "${sdk}";
const values: i32[] = [1, 2, 3];
function readPast(): i32 {
  return values[values.length]; // BUG: read past
}
class Counter extends ServerStreamHandler {
  start: i32 = readPast();
}
registerServerStreamHandler(() => new Counter());
export * from "${sdk}/exports";
`;
  openTrapper.debug = await buildWithPreset("open_trapper", openTrap, "debug");
  openTrapper.release = await buildWithPreset("open_trapper_release", openTrap, "release");
  bugLines = await buildModule(BUG_LINES, { target: "debug", cacheDir: join(dir, "cache") });
}, 240_000);

describe("ixt-as check", () => {
  it("passes a module built with the preset and prints its imports and exports with their types", async () => {
    const { code, out } = await ixtAs("check", example("stream_echo"));
    expect(code).toBe(0);
    expect(out).toMatch(/ok {3}ixt\.stream_send_data +\(i32, i32, i32, i32\) -> i32/);
    expect(out).toMatch(/ok {3}ixt_module_handle_server_stream +\(i32, i32\) -> i32/);
    expect(out).toMatch(/ok {3}ixt_dealloc +\(i32, i32\) -> \(\)/);
    expect(out).toMatch(/ok {3}memory +memory/);
    expect(out).toMatch(/ok {3}ixt_instance_lost +\(\) -> i32/);
    expect(out).toMatch(/ok {3}ixt_abi_revision +i32 = 2 +# ABI revision 2$/m);
    expect(out.split("\n").at(-1)).toBe("ok: the module matches the ixt server-stream ABI");
  });

  it("warns when the module exports no ABI revision or another one, and fails one a runtime cannot read", async () => {
    const none = await ixtAs("check", revision.none);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(
      /warn ixt_abi_revision +missing +-> the module does not say which ABI revision it implements \(this ixt-as knows revision 2\)/,
    );
    expect(none.out.split("\n").at(-1)).toBe("ok: the module matches the ixt server-stream ABI (1 warning)");

    const other = await ixtAs("check", revision.other);
    expect(other.code).toBe(0);
    expect(other.out).toMatch(
      /warn ixt_abi_revision +i32 = 7 +-> ABI revision 7, but this ixt-as knows revision 2/,
    );

    const mutable = await ixtAs("check", revision.mutable);
    expect(mutable.code).toBe(1);
    expect(mutable.out).toMatch(
      /FAIL ixt_abi_revision +global \(mut i32\) +-> must be an immutable i32 global with a constant value/,
    );
  });

  it("passes every built example and fixture", async () => {
    for (const path of [example("stream_echo"), fixture("probe"), fixture("runtime_hooks")]) {
      expect((await ixtAs("check", path)).code, path).toBe(0);
    }
  });

  it("fails a module built without the preset and says to use it", async () => {
    const { code, out } = await ixtAs("check", noPreset);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL env\.abort .*-> build with the ixt-sdk-as preset/);
    expect(out).toMatch(/asconfig\.preset\.json/);
    expect(out.split("\n").at(-1)).toMatch(/^\d+ problems?: the module does not match/);
  });

  it("fails wrong signatures, unknown and foreign imports, and missing exports, each with its fix", async () => {
    const { code, out } = await ixtAs("check", wrong);
    expect(code).toBe(1);
    expect(out).toMatch(
      /FAIL ixt\.stream_send_data +\(i32\) -> i32 +-> expected \(i32, i32, i32, i32\) -> i32/,
    );
    expect(out).toMatch(/FAIL ixt\.stream_send_log .*-> not an ixt import/);
    expect(out).toMatch(/FAIL host\.now +\(\) -> i64 +-> the ixt runtime provides only "ixt" imports/);
    expect(out).toMatch(/FAIL ixt_alloc +\(i32\) -> \(\) +-> expected a function \(i32\) -> i32/);
    expect(out).toMatch(/FAIL ixt_dealloc +missing +-> .*export \* from "ixt-sdk-as\/exports"/);
    expect(out.split("\n").at(-1)).toMatch(/^5 problems: /);
  });

  it('warns when a module answers an Open for method "" with Unimplemented (no handler registered)', async () => {
    const { code, out } = await ixtAs("check", fixture("no_handler"));
    expect(code).toBe(0);
    expect(out).toMatch(
      /handler:\n {2}warn Open "" +Unimplemented \(8\) +-> registers no handler for method "": call registerServerStreamHandler\(\.\.\.\) or registerMethod\(\.\.\.\) at the top level of your entry file/,
    );
    expect(out.split("\n").at(-1)).toBe("ok: the module matches the ixt server-stream ABI (1 warning)");
    // A module with a handler has no handler section at all.
    expect((await ixtAs("check", example("stream_echo"))).out).not.toMatch(/handler:/);
  });

  it("accepts ixt_debug.log with a warning: a debug build", async () => {
    const { code, out } = await ixtAs("check", logger);
    expect(code).toBe(0);
    expect(out).toMatch(
      /warn ixt_debug\.log +\(i32, i32, i32\) -> \(\) +-> debug build: the ixt runtime does not provide ixt_debug\.log/,
    );
    expect(out.split("\n").at(-1)).toBe("ok: the module matches the ixt server-stream ABI (1 warning)");
  });

  it("points console.log and Date.now to log and the WASI profile", async () => {
    const { code, out } = await ixtAs("check", consoleLog);
    expect(code).toBe(1);
    const lines = out.split("\n");
    const consoleLine = lines.find((l) => l.includes("env.console.log"));
    expect(consoleLine).toMatch(/FAIL env\.console\.log .*-> .*use `log` from "ixt-sdk-as".*WASI profile/);
    const dateLine = lines.find((l) => l.includes("env.Date.now"));
    expect(dateLine).toMatch(/FAIL env\.Date\.now .*-> .*WASI profile.*`log` from "ixt-sdk-as"/);
  });

  it("reads the same names as the engine, with types", async () => {
    const bytes = await readFile(example("stream_echo"));
    const info = readWasmInfo(bytes);
    const module = new WebAssembly.Module(bytes);
    expect(info.imports.map((i) => `${i.module}.${i.name}:${i.kind}`)).toEqual(
      WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`),
    );
    expect(info.exports.map((e) => `${e.name}:${e.kind}`)).toEqual(
      WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`),
    );
    const instance = await WebAssembly.instantiate(module, {
      ixt: { stream_send_data: () => 0, stream_send_close: () => 0, stream_send_error: () => 0 },
    });
    const revision = info.exports.find((e) => e.name === "ixt_abi_revision");
    expect(revision).toMatchObject({ kind: "global", detail: "i32" });
    expect(revision?.value).toBe((instance.exports.ixt_abi_revision as WebAssembly.Global).value);
  });

  it("says clearly when the file is missing or not a module (exit 2)", async () => {
    const missing = await ixtAs("check", join(dir, "nope.wasm"));
    expect(missing).toMatchObject({ code: 2, out: "" });
    expect(missing.err).toMatch(/ixt-as: cannot read .*nope\.wasm: no such file/);
    const text = join(dir, "text.wasm");
    writeFileSync(text, "not wasm");
    const invalid = await ixtAs("check", text);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/text\.wasm is not a valid WebAssembly module/);
    expect((await ixtAs("run", join(dir, "nope.wasm"))).err).toMatch(/no such file/);
  });
});

describe("ixt-as run", () => {
  it("opens a stream, feeds it and prints every frame with the dispatcher's results", async () => {
    const file = join(dir, "payload.bin");
    writeFileSync(file, Uint8Array.from([0, 0xff]));
    const { code, out } = await ixtAs(
      "run",
      example("stream_echo"),
      "--method",
      "echo",
      "--data",
      "hello",
      "--data",
      `@${file}`,
      "--close",
    );
    expect(code).toBe(0);
    // Inbound frames get their hex too, after the dispatcher's result.
    const open = toHex(encodeOpen(streamIdOf(1), { method: "echo" }));
    expect(out.split("\n").slice(1)).toEqual([
      "stream 01000000000000000000000000000000",
      `  -> Open   method "echo"                 dispatcher: ok  ${open}`,
      `  -> Data   "hello"                       dispatcher: ok  010100000000000000000000000000000068656c6c6f`,
      `  <- Data   "hello"                       010100000000000000000000000000000068656c6c6f`,
      `  -> Data   "\\u0000\\xff"                  dispatcher: ok  010100000000000000000000000000000000ff`,
      `  <- Data   "\\u0000\\xff"                  010100000000000000000000000000000000ff`,
      `  -> Close  Normal                        dispatcher: ok  030100000000000000000000000000000000`,
      `  <- Close  Normal                        030100000000000000000000000000000000`,
      "summary: 1 stream: 1 accepted, 0 rejected, 0 trapped, 0 still waiting for credit",
    ]);
  });

  it("prints refusals and cancels: --cancel and --id", async () => {
    const { code, out } = await ixtAs(
      "run",
      example("stream_echo"),
      "--id",
      "ff".repeat(16),
      "--data",
      "x",
      "--cancel",
    );
    expect(code).toBe(0);
    expect(out).toMatch(/stream f{32}/);
    expect(out).toMatch(/-> Cancel Caller +dispatcher: ok/);
  });

  it("sets the Open's payload, context and credit, and sends --grant Credit frames in order with --data", async () => {
    const ticker = await ixtAs(
      "run",
      example("stream_ticker"),
      "--payload",
      "3",
      "--credit",
      "1",
      "--grant",
      "2",
    );
    expect(ticker.code).toBe(0);
    expect(ticker.out.split("\n").slice(2)).toEqual([
      expect.stringMatching(/^ {2}-> Open {3}method "" credit 1 payload "3" +dispatcher: ok {2}00/),
      expect.stringMatching(/^ {2}<- Data {3}"1" /),
      expect.stringMatching(/^ {2}-> Credit 2 +dispatcher: ok {2}05/),
      expect.stringMatching(/^ {2}<- Data {3}"2" /),
      expect.stringMatching(/^ {2}<- Data {3}"3" /),
      expect.stringMatching(/^ {2}<- Close {2}Normal /),
      expect.stringMatching(/^summary: /),
    ]);
    // The echo's Data waits for credit: the Credit frame releases it.
    const echo = await ixtAs("run", example("stream_echo"), "--credit", "0", "--data", "ab", "--grant", "2");
    expect(echo.out.split("\n").slice(3)).toEqual([
      expect.stringMatching(/^ {2}-> Data {3}"ab" +dispatcher: ok {2}01/),
      expect.stringMatching(/^ {2}-> Credit 2 +dispatcher: ok {2}05/),
      expect.stringMatching(/^ {2}<- Data {3}"ab" /),
      expect.stringMatching(/^summary: /),
    ]);
    const router = await ixtAs("run", example("stream_router"), "--method", "echo", "--context", "token");
    expect(router.out).toMatch(/-> Open {3}method "echo" +dispatcher: ok/);
  });

  it("refuses a credit or grant that is not a u32 (exit 2)", async () => {
    for (const args of [
      ["--credit", "x"],
      ["--credit", "1.5"],
      ["--grant", "4294967296"],
    ]) {
      const { code, err } = await ixtAs("run", example("stream_echo"), ...args);
      expect(code).toBe(2);
      expect(err).toMatch(/takes a whole number from 0 to 4294967295/);
    }
    // A negative number reads as an option: refused by the argument parser, also with exit 2.
    expect((await ixtAs("run", example("stream_echo"), "--grant", "-1")).code).toBe(2);
  });

  it("reports a trap with the stream error the SDK sent before it and the module's message, and exits 1", async () => {
    const { code, out, err } = await ixtAs("run", fixture("runtime_hooks"), "--data", "abort");
    expect(code).toBe(1);
    expect(out).toMatch(/-> Data {3}"abort" +dispatcher: trapped \(unreachable\)/);
    expect(out).toMatch(/<- Error {2}Internal "explicit" +0201/);
    expect(err).toBe("ixt-as: the module trapped: explicit");
  });

  it("prints the module's message when it aborts after its stream has ended, without a stack trace", async () => {
    const { code, out, err } = await ixtAs("run", lateAbort, "--data", "x");
    expect(code).toBe(1);
    expect(out).toMatch(/-> Data {3}"x" +dispatcher: trapped \(unreachable\)/);
    expect(out).toMatch(/<- Close {2}Normal /);
    expect(out).toMatch(
      /<- Error {2}Internal "late failure: ✗" +\(no frame: not forwarded\) {2}\[host answered StreamClosed\]/,
    );
    // A debug build: the author's line first.
    expect(err).toMatch(
      /^ixt-as: the module trapped at .*late_abort\.ts:8:\d+ \(Handler#onData\): late failure: ✗$/,
    );
    expect(err).not.toMatch(/\n|RangeError|wasm:\/\//); // one line, no stack trace
  });

  it("prints a debug build's log lines where they happened", async () => {
    const { code, out } = await ixtAs("run", logger, "--data", "hello", "--close");
    expect(code).toBe(0);
    expect(out.split("\n").slice(2)).toEqual([
      expect.stringMatching(/^ {2}-> Open /),
      expect.stringMatching(/^ {2}-> Data {3}"hello" +dispatcher: ok {2}01/),
      "  log info  got hello",
      expect.stringMatching(/^ {2}<- Data {3}"one" /),
      "  log warn  between",
      expect.stringMatching(/^ {2}<- Data {3}"two" /),
      expect.stringMatching(/^ {2}-> Close {2}Normal +dispatcher: ok {2}03/),
      expect.stringMatching(/^ {2}<- Close {2}Normal /),
      expect.stringMatching(/^summary: /),
    ]);
  });

  it("refuses a module with imports it cannot provide, saying how to fix it (exit 2)", async () => {
    const { code, err } = await ixtAs("run", consoleLog);
    expect(code).toBe(2);
    expect(err).toMatch(
      /cannot run .*console_log\.wasm: it imports env\.Date\.now and env\.console\.log, which neither/,
    );
    expect(err).toMatch(/\n {2}env\.console\.log: .*`log` from "ixt-sdk-as"/);
    expect(err).not.toMatch(/Import #/);
  });

  it("prints an internal error as one line and exits 3", async () => {
    const spy = vi.spyOn(WebAssembly.Module, "imports").mockImplementationOnce(() => {
      throw new TypeError("boom");
    });
    try {
      const { code, err } = await ixtAs("run", example("stream_echo"));
      expect(code).toBe(3);
      expect(err).toBe("ixt-as: internal error: boom");
    } finally {
      spy.mockRestore();
    }
  });
});

describe("ixt-as run: what it prints", () => {
  /** Runs stream_echo with one Data frame of `bytes`, written to a file. */
  async function echo(bytes: Uint8Array, ...options: string[]) {
    const file = join(dir, "echo-payload.bin");
    writeFileSync(file, bytes);
    return ixtAs("run", example("stream_echo"), "--data", `@${file}`, ...options);
  }
  const dataLines = (out: string) => out.split("\n").filter((line) => /^ {2}(->|<-) Data /.test(line));

  it("cuts a long payload after 64 bytes with the count of what was left out; --full prints it whole", async () => {
    const mib = new Uint8Array(1 << 20).fill(0x61);
    const cut = await echo(mib);
    expect(cut.code).toBe(0);
    expect(cut.out.length).toBeLessThan(2_000); // not megabytes
    const left = (1 << 20) - 64;
    const [inbound, outbound] = dataLines(cut.out);
    const text = `"${"a".repeat(64)}"… (+${left} bytes)`;
    const hex = `0101${"00".repeat(15)}${"61".repeat(64)}… (+${left} bytes)`;
    expect(inbound).toBe(`  -> Data   ${text} dispatcher: ok  ${hex}`);
    expect(outbound).toBe(`  <- Data   ${text} ${hex}`);
    expect(cut.out).toMatch(
      /\n\(payloads longer than 64 bytes were cut: --full prints them whole\)\nsummary: /,
    );

    const full = await echo(mib, "--full");
    const [fullIn, fullOut] = dataLines(full.out);
    expect(fullIn).toContain(`"${"a".repeat(1 << 20)}" `);
    expect(fullOut).toContain(`0101${"00".repeat(15)}${"61".repeat(1 << 20)}`);
    expect(full.out).not.toMatch(/…|were cut/);
  });

  it("cuts after exactly 64 bytes, never inside a character, and says nothing when nothing was cut", async () => {
    const exact = await echo(new TextEncoder().encode("b".repeat(64)));
    expect(dataLines(exact.out)[1]).toMatch(
      new RegExp(`^ {2}<- Data {3}"b{64}" 0101${"00".repeat(15)}(62){64}$`),
    );
    expect(exact.out).not.toMatch(/…|were cut/);
    const one = await echo(new TextEncoder().encode("b".repeat(65)));
    expect(dataLines(one.out)[1]).toMatch(
      new RegExp(`^ {2}<- Data {3}"b{64}"… \\(\\+1 bytes\\) .*(62){64}… \\(\\+1 bytes\\)$`),
    );
    // "é" is 2 bytes at 63 and 64: it is left out whole, as 2 bytes, from the text; the hex cuts at 64.
    const split = await echo(new TextEncoder().encode(`${"c".repeat(63)}é`));
    expect(dataLines(split.out)[1]).toMatch(/^ {2}<- Data {3}"c{63}"… \(\+2 bytes\) .*63c3… \(\+1 bytes\)$/);
  });

  it("shows exactly the bytes sent: a leading BOM, hidden characters and bytes that are not UTF-8", async () => {
    const bom = await echo(Uint8Array.from([0xef, 0xbb, 0xbf, 0x68, 0x69]));
    const [inbound, outbound] = dataLines(bom.out);
    expect(inbound).toMatch(/^ {2}-> Data {3}"\\ufeffhi" +dispatcher: ok {2}0101(00){15}efbbbf6869$/);
    expect(outbound).toMatch(/^ {2}<- Data {3}"\\ufeffhi" +0101(00){15}efbbbf6869$/);
    // Not UTF-8: a lone continuation byte, an overlong "/", a surrogate, a sequence cut short at the end.
    const bad = await echo(Uint8Array.from([0x80, 0x61, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xe2, 0x82]));
    expect(dataLines(bad.out)[1]).toMatch(/^ {2}<- Data {3}"\\x80a\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82" /);
  });

  it("prints valid UTF-8 as a JSON string of exactly the text, hidden characters escaped", () => {
    const texts = [
      "\ufeffBOM first",
      "mid\ufeffdle",
      'quote " and \\ backslash\n',
      "zero\u200bwidth, nbsp\u00a0, line\u2028sep, bidi\u202e, del\u007f, c1\u0085",
      "tag \u{e0041}, emoji 🎉, é, 中文, replacement \ufffd",
    ];
    for (const text of texts) {
      const shown = payloadText(new TextEncoder().encode(text));
      expect(JSON.parse(shown), shown).toBe(text);
      expect(shown, shown).not.toMatch(/[\ufeff\u200b\u00a0\u2028\u202e\u007f\u0085\u{e0041}]/u);
    }
    expect(payloadText(new TextEncoder().encode("\ufeffx"))).toBe('"\\ufeffx"');
    expect(payloadText(new TextEncoder().encode("🎉 é"))).toBe('"🎉 é"');
  });
});

describe("ixt-as run: the summary and the exit status", () => {
  const summary = (out: string) => out.split("\n").at(-1);

  it("ends with a summary; 0 when the stream was accepted", async () => {
    const { code, out } = await ixtAs("run", example("stream_echo"), "--data", "x", "--close");
    expect(code).toBe(0);
    expect(summary(out)).toBe(
      "summary: 1 stream: 1 accepted, 0 rejected, 0 trapped, 0 still waiting for credit",
    );
  });

  it("exits 4 when the module rejects the Open, and says with what code", async () => {
    const { code, out, err } = await ixtAs("run", fixture("no_handler"), "--data", "x");
    expect(code).toBe(4);
    expect(err).toBe("");
    expect(out).toMatch(/-> Open .*dispatcher: Unimplemented \(8\)/);
    expect(summary(out)).toBe(
      "summary: 1 stream: 0 accepted, 1 rejected (Unimplemented 8), 0 trapped, 0 still waiting for credit",
    );
  });

  it("exits 1 when the module traps, after the summary", async () => {
    const { code, out } = await ixtAs("run", fixture("runtime_hooks"), "--data", "abort");
    expect(code).toBe(1);
    expect(summary(out)).toBe(
      "summary: 1 stream: 1 accepted, 0 rejected, 1 trapped, 0 still waiting for credit",
    );
  });

  it("counts a stream left waiting for credit (exit 0), and not one that has all it needs", async () => {
    const waiting = (out: string) => summary(out)?.match(/(\d) still waiting for credit$/)?.[1];
    // A producer of 3 frames with credit for 1: waiting, until a grant lets the rest out.
    const ticker = await ixtAs("run", example("stream_ticker"), "--payload", "3", "--credit", "1");
    expect(ticker.code).toBe(0);
    expect(waiting(ticker.out)).toBe("1");
    const granted = await ixtAs(
      "run",
      example("stream_ticker"),
      "--payload",
      "3",
      "--credit",
      "1",
      "--grant",
      "2",
    );
    expect(waiting(granted.out)).toBe("0");
    // An echo with 1 byte of credit holds "ab" in its queue; with 5 it sent it and waits only for input.
    const held = await ixtAs("run", example("stream_echo"), "--credit", "1", "--data", "ab");
    expect(held.out).not.toMatch(/<- Data/);
    expect(waiting(held.out)).toBe("1");
    expect(waiting((await ixtAs("run", example("stream_echo"), "--credit", "5", "--data", "ab")).out)).toBe(
      "0",
    );
    // Its Close waits behind the queued Data after the caller's Close; a Cancel drops both.
    const closing = await ixtAs("run", example("stream_echo"), "--credit", "1", "--data", "ab", "--close");
    expect(closing.out).not.toMatch(/<- Close/);
    expect(waiting(closing.out)).toBe("1");
    expect(
      waiting((await ixtAs("run", example("stream_echo"), "--credit", "1", "--data", "ab", "--cancel")).out),
    ).toBe("0");
  });

  it("documents the exit statuses and --full", async () => {
    const { out } = await ixtAs("run", "--help");
    expect(out).toMatch(/--full +print every payload whole/);
    expect(out).toMatch(/exit status: 0 done .* 1 the module trapped .* 4 the module rejected the Open/s);
  });
});

describe("a trap names the author's line first", () => {
  it("ixt-as run: the failure names the author's file:line:column, then the library's line", async () => {
    const { code, err } = await ixtAs("run", bugLines, "--data", "index");
    expect(code).toBe(1);
    const line = lineOf(BUG_LINES, "BUG: index");
    expect(err).toMatch(
      new RegExp(
        `^ixt-as: the module trapped at ${BUG_LINES}:${line}:\\d+ \\(readPast\\): Index out of range at ~lib/array\\.ts:\\d+$`,
      ),
    );
  });

  it("ixt-as check: the trap line names the author's file:line:column, then the library's line", async () => {
    const { code, out } = await ixtAs("check", openTrapper.debug);
    expect(code).toBe(0); // a warning
    const trapLine = out.split("\n").find((l) => l.includes('Open ""'));
    expect(trapLine).toMatch(
      /warn Open "" +trapped +-> an Open for method "" traps at .*open_trapper\.ts:4:\d+ \(readPast\): Index out of range at ~lib\/array\.ts:\d+$/,
    );
    // A release build has no source lines: what the module said, and the engine's trap when it said nothing.
    const release = (await ixtAs("check", openTrapper.release)).out;
    expect(release).toMatch(/-> an Open for method "" traps: Index out of range at ~lib\/array\.ts:\d+$/m);
  });
});

describe("ixt-as usage", () => {
  it("has --help for the command and both subcommands", async () => {
    expect(await ixtAs("--help")).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^usage: ixt-as <command>/),
    });
    expect(await ixtAs("check", "--help")).toMatchObject({ code: 0, out: expect.stringMatching(/--wasi/) });
    expect(await ixtAs("run", "-h")).toMatchObject({ code: 0, out: expect.stringMatching(/--data TEXT/) });
  });

  it("exits 2 with a message on bad usage", async () => {
    for (const args of [
      [],
      ["frobnicate"],
      ["check"],
      ["run", example("stream_echo"), "--close", "--cancel"],
      ["run", example("stream_echo"), "--id", "abc"],
      ["run", example("stream_echo"), "--bogus"],
    ]) {
      const { code, err } = await ixtAs(...args);
      expect(code, args.join(" ")).toBe(2);
      expect(err, args.join(" ")).toMatch(/ixt-as/);
    }
  });
});
