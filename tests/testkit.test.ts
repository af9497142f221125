// The author's tests bring the runtime's weather (issue 23): loadModule follows IXT_TARGET so a scaffold's
// `npm test` runs the debug build too, whose kept-frame abort and send-after-end warning then fail the test
// naming the author's line; a memory limit as the runtime's cap; credit given a few bytes at a time or held;
// a host that refuses; 10^5 frames counted without being kept; helpers that keep a BOM; the lost state of
// ABI revision 2; and the modules of a project found in its assembly/ folder.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { afterEach, describe, expect, it } from "vitest";
import {
  ABI,
  CreditValve,
  GuestTrap,
  HostStatus,
  InstanceLost,
  IxtHost,
  MemoryLimitError,
  type OutboundCall,
  SdkWarning,
  StreamErrorCode,
  TARGET_ENV,
  bytes,
  dataTexts,
  drainWithCredit,
  holdCredit,
  isData,
  loadModule,
  moduleEntries,
  streamIdOf,
  text,
} from "../host-shim/testing.js";
import { example, fixture } from "./helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ixt-testkit-"));
const cacheDir = join(dir, "cache");
const MiB = 1024 * 1024;

const KEPT = "tests/fixtures/kept_frame.ts";
const keptSource = readFileSync(join(root, KEPT), "utf8").split("\n");
/** The line (from 1) of kept_frame.ts that contains `snippet`. */
const keptLine = (snippet: string) => keptSource.findIndex((line) => line.includes(snippet)) + 1;

const texts = (calls: OutboundCall[]) => calls.filter(isData).map((call) => text(call));

describe("both builds: loadModule follows IXT_TARGET", () => {
  const saved = process.env[TARGET_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[TARGET_ENV];
    else process.env[TARGET_ENV] = saved;
  });

  it("a StreamFrame kept past its callback fails the debug run with the SDK's message, the author's line first", async () => {
    process.env[TARGET_ENV] = "debug";
    const host = await loadModule(KEPT, { cacheDir });
    const id = streamIdOf(1);
    expect(host.open(id, { method: "keep" })).toBe(0);
    let trap: unknown;
    try {
      host.data(id, "x");
    } catch (err) {
      trap = err;
    }
    expect(trap).toBeInstanceOf(GuestTrap);
    const { authorFrame, message } = trap as GuestTrap;
    expect(authorFrame).toMatchObject({ file: KEPT, line: keptLine("opened.method()"), origin: "module" });
    expect(message.split("\n")[0]).toMatch(
      new RegExp(
        `^${KEPT}:${keptLine("opened.method()")}:\\d+: guest trapped \\(unreachable\\): StreamFrame\\.method\\(\\) used after its callback returned`,
      ),
    );
  });

  it("the release run of the same test reads the current frame silently", async () => {
    process.env[TARGET_ENV] = "release";
    const host = await loadModule(KEPT, { cacheDir });
    const id = streamIdOf(1);
    host.open(id, { method: "keep" });
    expect(host.data(id, "x")).toBe(0);
    expect(dataTexts(host, id)).toEqual([":x"]);
  });

  it("a send on an ended stream fails the debug run with SdkWarning naming the author's line", async () => {
    process.env[TARGET_ENV] = "debug";
    const host = await loadModule(KEPT, { cacheDir });
    const id = streamIdOf(1);
    host.open(id, { method: "late" });
    let warning: unknown;
    try {
      host.data(id, "x");
    } catch (err) {
      warning = err;
    }
    expect(warning).toBeInstanceOf(SdkWarning);
    const { message, lines, result } = warning as SdkWarning;
    expect(result).toBe(0); // the call itself completed
    expect(message).toMatch(
      new RegExp(
        `^${KEPT}:${keptLine('"too late"')}:\\d+: sendText on a stream that has ended returned StreamClosed \\(3\\)`,
      ),
    );
    expect(lines[0]).toMatchObject({ level: "warn", origin: "sdk", authorFrame: { file: KEPT } });
    // The instance is fine: the next stream works.
    expect(host.open(streamIdOf(2), { method: "keep" })).toBe(0);
  });

  it("sdkWarnings: keep only records the warning, located", async () => {
    const host = await loadModule(KEPT, { cacheDir, target: "debug", sdkWarnings: "keep" });
    const id = streamIdOf(1);
    host.open(id, { method: "late" });
    expect(host.data(id, "x")).toBe(0);
    expect(host.logs).toEqual([
      expect.objectContaining({
        level: "warn",
        origin: "sdk",
        authorFrame: expect.objectContaining({ file: KEPT, line: keptLine('"too late"') }),
      }),
    ]);
  });

  it("refuses a target it does not know", async () => {
    process.env[TARGET_ENV] = "fast";
    await expect(loadModule(KEPT, { cacheDir })).rejects.toThrow(/IXT_TARGET must be "debug" or "release"/);
  });
});

describe("memoryLimit", () => {
  /** Asks author_hog for one block of `size` bytes on a new stream; returns the calls on it and whether it trapped. */
  function big(host: IxtHost, n: number, size: number) {
    const id = streamIdOf(n);
    host.open(id);
    let trapped = false;
    try {
      host.data(id, `big ${size}`);
    } catch (err) {
      expect(err).toBeInstanceOf(GuestTrap);
      trapped = true;
    }
    return { calls: host.sentOn(id), trapped };
  }

  it("a handler that holds 32 MiB fails its stream with ResourceExhausted under 16 MiB", async () => {
    const host = await IxtHost.load(fixture("author_hog"), { memoryLimit: 16 * MiB, resumeAfterTrap: true });
    const { calls, trapped } = big(host, 1, 32 * MiB);
    expect(trapped).toBe(true); // the SDK fails the stream, then the call traps, as under wasmtime
    expect(calls).toEqual([
      expect.objectContaining({
        kind: "Error",
        code: StreamErrorCode.ResourceExhausted,
        status: HostStatus.Ok,
      }),
    ]);
    expect(text(calls[0])).toMatch(/^out of memory: could not allocate \d+ bytes/);
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(16 * MiB);
    // The next stream recovers and stays under the limit.
    expect(big(host, 2, MiB)).toEqual({ calls: [expect.objectContaining({ kind: "Data" })], trapped: false });
  });

  it("one that stays under the limit is not affected, and 32 MiB fits without a limit", async () => {
    const limited = await IxtHost.load(fixture("author_hog"), { memoryLimit: 16 * MiB });
    expect(texts(big(limited, 1, 8 * MiB).calls)).toEqual(["ok"]);
    const free = await IxtHost.load(fixture("author_hog"));
    expect(texts(big(free, 1, 32 * MiB).calls)).toEqual(["ok"]);
    expect(free.memory.buffer.byteLength).toBeGreaterThan(32 * MiB);
  });

  it("loadModule passes it on (a debug build too: its traps still name source lines)", async () => {
    const host = await loadModule("tests/fixtures/author_hog.ts", {
      cacheDir,
      target: "debug",
      memoryLimit: 16 * MiB,
    });
    const id = streamIdOf(1);
    host.open(id);
    expect(() => host.data(id, `big ${32 * MiB}`)).toThrow(GuestTrap);
    expect(host.sentOn(id)).toEqual([expect.objectContaining({ code: StreamErrorCode.ResourceExhausted })]);
  });

  it("a limit below the module's initial memory throws MemoryLimitError", async () => {
    await expect(IxtHost.load(fixture("author_hog"), { memoryLimit: 1000 })).rejects.toThrow(
      MemoryLimitError,
    );
  });
});

describe("credit given a few bytes at a time", () => {
  it("drives a producer to its end in steps of 3 bytes (holdCredit, drain)", async () => {
    const host = await IxtHost.load(example("stream_ticker"));
    const id = streamIdOf(1);
    const valve = holdCredit(host, id, { payload: "20" });
    expect(valve.opened).toBe(0);
    expect(host.sentOn(id)).toEqual([]); // no credit: nothing sent
    expect(texts(valve.grant(1))).toEqual(["1"]); // one byte: one tick
    expect(valve.grant(1)).toHaveLength(1);
    const calls = valve.drain(3);
    const ticks = Array.from({ length: 20 }, (_, i) => String(i + 1));
    expect(texts(calls)).toEqual(ticks);
    expect(calls[calls.length - 1].kind).toBe("Close");
    expect(valve.ended).toBe(true);
    expect(valve.granted).toBeGreaterThanOrEqual(ticks.join("").length);
    // Every grant of 3 bytes carried at most 3 bytes of ticks: the host never let more through.
    expect(host.sentOn(id).filter((c) => c.status !== HostStatus.Ok)).toEqual([]);
  });

  it("drains in steps smaller than a frame: a grant that sends nothing is not the end", async () => {
    const host = await IxtHost.load(example("stream_ticker"));
    const id = streamIdOf(1);
    const valve = holdCredit(host, id, { payload: "12" });
    // "10", "11" and "12" need 2 bytes each: every second grant of 1 byte sends one.
    expect(texts(valve.drain(1))).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    expect(valve.ended).toBe(true);
    expect(valve.granted).toBe(9 + 3 * 2);
  });

  it("drainWithCredit takes over an open stream, and stops when the module waits with credit left", async () => {
    const host = await IxtHost.load(example("stream_ticker"));
    const id = streamIdOf(1);
    host.open(id, { payload: "5", initialCredit: 2 });
    const early = texts(host.sentOn(id)); // what the Open's credit let through
    expect(early).toEqual(["1", "2"]);
    expect(texts(drainWithCredit(host, id, 2))).toEqual(["3", "4", "5"]);
    expect(host.streamState(id)).toBe("ended");

    const echo = await IxtHost.load(example("stream_echo"));
    echo.open(id, { initialCredit: 0 });
    echo.data(id, "hello");
    const calls = drainWithCredit(echo, id, 2, { idleCredit: 16 });
    expect(texts(calls)).toEqual(["hello"]);
    expect(echo.streamState(id)).toBe("open"); // the echo waits for the caller: drain stopped, not hung
  });

  it("a valve needs a host that keeps every call", async () => {
    const host = await IxtHost.load(example("stream_ticker"), { record: "none" });
    expect(() => new CreditValve(host, streamIdOf(1))).toThrow(/record: "all"/);
  });
});

describe("refusals", () => {
  it("WouldBlock queues the reply; a refusal when it is sent again fails the stream", async () => {
    const host = await IxtHost.load(example("stream_echo"), {
      respond: (call) => (call.kind === "Data" ? HostStatus.WouldBlock : undefined),
    });
    const id = streamIdOf(1);
    host.open(id);
    expect(host.data(id, "hi")).toBe(0);
    host.respond = (call) => (call.kind === "Data" ? HostStatus.PayloadTooLarge : undefined);
    host.credit(id, 10);
    expect(host.sentOn(id).map((c) => [c.kind, c.status])).toEqual([
      ["Data", HostStatus.WouldBlock],
      ["Data", HostStatus.PayloadTooLarge],
      ["Error", HostStatus.Ok],
    ]);
    expect(host.sentOn(id)[2]).toMatchObject({ code: StreamErrorCode.PayloadTooLarge });
    expect(host.streamState(id)).toBe("ended");
  });
});

describe("volume: counting without keeping", () => {
  const TICKS = 100_000;

  it(`record "none": ${TICKS} ticks are counted and checked by onCall, none kept`, async () => {
    let next = 0;
    let wrong = 0;
    const host = await IxtHost.load(fixture("author_ticker"), {
      record: "none",
      onCall: (call) => {
        if (call.kind !== "Data") return;
        if (text(call) !== `tick ${next}`) wrong++;
        next++;
      },
    });
    const id = streamIdOf(1);
    expect(host.open(id, { payload: String(TICKS) })).toBe(0);
    expect(host.sent).toEqual([]);
    expect(host.counts).toEqual({
      data: TICKS,
      close: 1,
      error: 0,
      refused: 0,
      deliveredBytes: Array.from({ length: TICKS }, (_, i) => `tick ${i}`.length).reduce((a, b) => a + b),
    });
    expect({ next, wrong }).toEqual({ next: TICKS, wrong: 0 });
    expect(host.streamState(id)).toBe("ended");
  });

  it("record N keeps a window of the latest calls (between N and 2N)", async () => {
    const host = await IxtHost.load(fixture("author_ticker"), { record: 100 });
    const id = streamIdOf(1);
    host.open(id, { payload: "1000" });
    expect(host.sent.length).toBeGreaterThanOrEqual(100);
    expect(host.sent.length).toBeLessThan(200);
    expect(host.sent[host.sent.length - 1].kind).toBe("Close");
    expect(text(host.sent[host.sent.length - 2])).toBe("tick 999");
    expect(host.counts.data).toBe(1000);
    // A kept call's payload is a copy: later calls do not change it.
    expect(bytes(host.sent[0]).length).toBeGreaterThan(0);
  });

  it("the abort message of a trap is kept without recording (GuestTrap.abortMessage)", async () => {
    const host = await loadModule(KEPT, { cacheDir, target: "debug", record: "none" });
    const id = streamIdOf(1);
    host.open(id, { method: "keep" });
    let trap: unknown;
    try {
      host.data(id, "x");
    } catch (err) {
      trap = err;
    }
    expect((trap as GuestTrap).abortMessage).toMatch(
      /^StreamFrame\.method\(\) used after its callback returned/,
    );
    expect(host.counts.error).toBe(1);
    expect(host.sent).toEqual([]);
  });
});

describe("faithful helpers", () => {
  it("text() and dataTexts() keep a leading U+FEFF the module sent", async () => {
    const host = await IxtHost.load(example("stream_echo"));
    const id = streamIdOf(1);
    host.open(id);
    host.data(id, new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])); // EF BB BF "hi"
    expect(Array.from(bytes(host.sentOn(id)[0]))).toEqual([0xef, 0xbb, 0xbf, 0x68, 0x69]);
    expect(text(host.sentOn(id)[0])).toBe("\uFEFFhi");
    expect(dataTexts(host, id)).toEqual(["\uFEFFhi"]);
  });
});

describe("the lost state (ABI revision 2: ixt_instance_lost)", () => {
  /** A module in text: Data frames lose the instance (or trap after losing it, for a payload), the rest answer 0. */
  async function lostModule(withExport: boolean): Promise<Uint8Array> {
    const wabt = await wabtInit();
    const source = `(module
      (memory (export "memory") 1)
      (global $lost (mut i32) (i32.const 0))
      (func (export "ixt_module_handle_server_stream") (param $ptr i32) (param $len i32) (result i32)
        (if (global.get $lost) (then (return (i32.const ${ABI.interrupts.LOST_CODE}))))
        (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 1))
          (then
            (global.set $lost (i32.const 1))
            (if (i32.gt_u (local.get $len) (i32.const 17)) (then unreachable))
            (return (i32.const ${ABI.interrupts.LOST_CODE}))))
        (i32.const 0))
      (func (export "ixt_alloc") (param i32) (result i32) i32.const 16)
      (func (export "ixt_dealloc") (param i32 i32))
      ${withExport ? `(func (export "${ABI.interrupts.LOST_EXPORT}") (result i32) (global.get $lost))` : ""})`;
    const module = wabt.parseWat("lost.wat", source);
    const binary = module.toBinary({}).buffer;
    module.destroy();
    return binary;
  }

  it("the SDK's own lost instance (a call stopped while a queued frame left its queue): InstanceLost, not a mystery", async () => {
    const host = await IxtHost.load(fixture("stops"));
    const id = streamIdOf(1);
    expect(host.open(id, { method: "echo", initialCredit: 0 })).toBe(0);
    expect(host.data(id, "queued")).toBe(0);
    expect(host.instanceLost).toBe(false);
    // An interrupt, played by an import that throws: the call stops between the host's Ok and the pop.
    const stop = new Error("stopped");
    host.respond = () => {
      throw stop;
    };
    expect(() => host.credit(id, 100)).toThrow(stop);
    host.respond = undefined;
    expect(host.instanceLost).toBe(true);
    // Without the shim's check this dispatch failed with "ixt_alloc(17) returned 0". The module's sweep
    // still reaches the host: the stream fails with LOST_MESSAGE.
    const before = host.sent.length;
    expect(() => host.data(id, "next")).toThrow(InstanceLost);
    expect(host.sent.slice(before)).toEqual([
      expect.objectContaining({
        kind: "Error",
        code: StreamErrorCode.Internal,
        message: ABI.interrupts.LOST_MESSAGE,
      }),
    ]);
  });

  it("instanceLost is false without the export", async () => {
    const host = await IxtHost.load(await lostModule(false));
    expect(host.open(streamIdOf(1))).toBe(0);
    expect(host.instanceLost).toBe(false);
  });

  it("a call that loses the instance, and any dispatch after, throw InstanceLost saying what to do", async () => {
    const host = await IxtHost.load(await lostModule(true));
    const id = streamIdOf(1);
    expect(host.open(id)).toBe(0);
    expect(host.instanceLost).toBe(false);
    expect(() => host.data(id)).toThrow(InstanceLost);
    expect(host.instanceLost).toBe(true);
    let err: unknown;
    try {
      host.open(streamIdOf(2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InstanceLost);
    expect(err).toMatchObject({ when: "before", code: ABI.interrupts.LOST_CODE });
    expect((err as Error).message).toContain(ABI.interrupts.LOST_MESSAGE);
    expect((err as Error).message).toMatch(/not handled.*Load a new instance/);
  });

  it("a trap that leaves the instance lost says so in GuestTrap", async () => {
    const host = await IxtHost.load(await lostModule(true), { resumeAfterTrap: true });
    const id = streamIdOf(1);
    host.open(id);
    let trap: unknown;
    try {
      host.data(id, "x");
    } catch (e) {
      trap = e;
    }
    expect(trap).toBeInstanceOf(GuestTrap);
    expect((trap as GuestTrap).instanceLost).toBe(true);
    expect((trap as GuestTrap).message).toContain(ABI.interrupts.LOST_MESSAGE);
    expect(() => host.open(streamIdOf(2))).toThrow(InstanceLost);
  });
});

describe("moduleEntries: the modules of a project", () => {
  it("every assembly/*.ts file that re-exports the ABI, helpers and subfolders left out", () => {
    const project = join(dir, "project");
    mkdirSync(join(project, "assembly", "lib"), { recursive: true });
    const module = `import "ixt-sdk-as";\nexport * from "ixt-sdk-as/exports";\n`;
    writeFileSync(join(project, "assembly", "index.ts"), module);
    writeFileSync(join(project, "assembly", "shout.ts"), module);
    writeFileSync(join(project, "assembly", "helper.ts"), `export const X: i32 = 1;\n`);
    writeFileSync(join(project, "assembly", "types.d.ts"), module);
    writeFileSync(join(project, "assembly", "lib", "other.ts"), module);
    expect(moduleEntries(join(project, "assembly")).map((m) => [m.name, m.wasm, m.debugWasm])).toEqual([
      ["index", "build/module.wasm", "build/module.debug.wasm"],
      ["shout", "build/shout.wasm", "build/shout.debug.wasm"],
    ]);
    expect(moduleEntries(join(project, "nope"))).toEqual([]);
  });
});
