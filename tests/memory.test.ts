// Memory (docs/ABI.md, "Memory" and "Module exports"): the largest frame, double frees, and a module
// under a memory cap. V8 enforces a cap given at build time (`--maximumMemory`, in 64 KiB pages), as
// wasmtime enforces `Store.set_limits`: `memory.grow` answers -1 and nothing may trap.
// conformance/memory_caps.py runs the full scenarios in wasmtime.
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { benchOut, compileAs, root } from "../bench/harness.js";
import { GuestTrap, HostStatus, IxtHost, StreamErrorCode, streamIdOf } from "../host-shim/index.js";
import { example } from "./helpers.js";

interface Abi {
  ixt_alloc(size: number): number;
  ixt_dealloc(ptr: number, size: number): void;
}
const abi = (host: IxtHost) => host.instance.exports as unknown as Abi;

describe("ixt_alloc and ixt_dealloc", () => {
  it("a double free, or a pointer that is not a live buffer, is ignored and never hands a buffer out twice", async () => {
    const host = await IxtHost.load(example("stream_echo"));
    const e = abi(host);
    const a = e.ixt_alloc(100) >>> 0;
    e.ixt_dealloc(a, 100);
    e.ixt_dealloc(a, 100); // double free: ignored
    e.ixt_dealloc(a + 16, 100); // inside a block: ignored
    e.ixt_dealloc(12345, 100); // stray, unaligned: ignored
    const [b, c] = [e.ixt_alloc(100) >>> 0, e.ixt_alloc(100) >>> 0];
    expect(b).not.toBe(c);
    e.ixt_dealloc(b, 100);
    e.ixt_dealloc(c, 100);
    e.ixt_dealloc(c, 100);
    const [d, f, g] = [e.ixt_alloc(100) >>> 0, e.ixt_alloc(100) >>> 0, e.ixt_alloc(100) >>> 0];
    expect(new Set([d, f, g]).size).toBe(3);
  });

  it("an aligned pointer at memory's end, past it, or below the heap is ignored, without a trap", async () => {
    const host = await IxtHost.load(example("stream_echo"));
    const e = abi(host);
    const end = (host.instance.exports.memory as WebAssembly.Memory).buffer.byteLength;
    for (const ptr of [end, end + 16, end + 65536, 0xfffffff0, 0, 16, 32]) {
      expect(() => e.ixt_dealloc(ptr, 100), `ixt_dealloc(${ptr})`).not.toThrow();
    }
    // Nothing was freed: the buffers ixt_alloc hands out next are still distinct.
    const [a, b] = [e.ixt_alloc(100) >>> 0, e.ixt_alloc(100) >>> 0];
    expect(a).not.toBe(0);
    expect(a).not.toBe(b);
  });

  it("a frame of exactly the largest size is served, one byte more is not", async () => {
    const host = await IxtHost.load(example("stream_echo"));
    const e = abi(host);
    expect(e.ixt_alloc(16 << 20) >>> 0).not.toBe(0);
    expect(e.ixt_alloc((16 << 20) + 1) >>> 0).toBe(0);
  });
});

describe("under a memory cap of 8 MiB (the capped echo's lowered settings)", () => {
  const capped = join(benchOut, "memory", "capped_echo.wasm");
  const defaults = join(benchOut, "memory", "echo_4mib.wasm");
  beforeAll(async () => {
    const config = ["--config", join(root, "asconfig.json"), "--target", "release"];
    await compileAs("tests/fixtures/capped_echo.ts", capped, [...config, "--maximumMemory", "128"]);
    await compileAs("examples/stream_echo.ts", defaults, [...config, "--maximumMemory", "64"]);
  }, 60_000);

  it("1024 Opens: the table bound answers ResourceExhausted, nothing traps, queues hold their data", async () => {
    const host = await IxtHost.load(capped);
    const results = new Map<number, number>();
    for (let i = 0; i < 1024; i++) {
      const r = host.open(streamIdOf(i + 1), { initialCredit: 0 });
      results.set(r, (results.get(r) ?? 0) + 1);
    }
    expect(results.get(0)).toBe(64);
    expect(results.get(StreamErrorCode.ResourceExhausted)).toBe(1024 - 64);
    // every accepted stream queues until its 64 KiB limit or the 2 MiB budget, then fails with a code
    const chunk = new Uint8Array(16 << 10).fill(7);
    const ids = Array.from({ length: 64 }, (_, i) => streamIdOf(i + 1));
    for (let k = 0; k < 5; k++) for (const id of ids) host.data(id, chunk);
    expectNothingLost(host, ids, 5);
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(8 << 20);
  });

  it("frames above the largest are refused by ixt_alloc; a frame the memory cannot hold is too, without a trap", async () => {
    const host = await IxtHost.load(defaults); // 4 MiB cap, default settings (16 MiB frames)
    const e = abi(host);
    expect(e.ixt_alloc(8 << 20) >>> 0).toBe(0); // allowed by the setting, refused by memory
    expect(e.ixt_alloc((16 << 20) + 1) >>> 0).toBe(0);
    const id = streamIdOf(1);
    expect(host.open(id)).toBe(0);
    expect(host.data(id, "still serving")).toBe(0);
    expect(host.sentOn(id).map((c) => c.kind)).toEqual(["Data"]);
  });

  it("the largest freed frame buffer is kept and reused, so large frames do not fragment memory", async () => {
    const host = await IxtHost.load(example("stream_echo"));
    const e = abi(host);
    const big = e.ixt_alloc(4 << 20) >>> 0;
    e.ixt_dealloc(big, 4 << 20);
    const pages = host.memory.buffer.byteLength;
    for (let i = 0; i < 20; i++) {
      const id = streamIdOf(i + 1);
      expect(host.open(id, { payload: new Uint8Array(3 << 20) })).toBe(0); // a 3 MiB Open reuses it
      expect(host.data(id, new Uint8Array((4 << 20) - 1024))).toBe(0); // a frame just under 4 MiB too
    }
    expect(host.memory.buffer.byteLength).toBe(pages);
    expect(e.ixt_alloc(100) >>> 0).toBe(big);
  });

  it("queued output under the cap: sends answer NoMemory or QueueFull, the stream fails with ResourceExhausted", async () => {
    const host = await IxtHost.load(defaults); // 4 MiB cap; the 16 MiB budget cannot all be had
    const ids = Array.from({ length: 8 }, (_, i) => streamIdOf(i + 1));
    for (const id of ids) expect(host.open(id, { initialCredit: 0 })).toBe(0);
    const chunk = new Uint8Array(256 << 10).fill(1);
    for (let round = 0; round < 4; round++) for (const id of ids) host.data(id, chunk);
    expectNothingLost(host, ids, 4);
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(4 << 20);
  });
});

/**
 * Grants every stream unlimited credit, then checks that each Data the dispatcher accepted (answered 0)
 * was echoed whole and in order, unless the stream ended with Error(ResourceExhausted); and that at least
 * one stream did (the cap or the limits were reached).
 */
function expectNothingLost(host: IxtHost, ids: Uint8Array[], sentPerStream: number): void {
  for (const id of ids) host.credit(id, 0xffffffff);
  let failed = 0;
  for (const id of ids) {
    const calls = host.sentOn(id);
    const data = calls.filter((c) => c.kind === "Data");
    const last = calls.at(-1);
    expect(data.every((c) => c.kind === "Data" && c.status === HostStatus.Ok)).toBe(true);
    if (data.length < sentPerStream) {
      failed++;
      expect(last).toMatchObject({
        kind: "Error",
        code: StreamErrorCode.ResourceExhausted,
        status: HostStatus.Ok,
      });
    } else {
      expect(calls).toHaveLength(sentPerStream);
    }
  }
  expect(failed).toBeGreaterThan(0);
}

describe("an author's handler that runs out of memory (author_hog, 64 MiB cap)", () => {
  const hog = join(benchOut, "memory", "author_hog_64mib.wasm");
  beforeAll(async () => {
    const config = [
      "--config",
      join(root, "asconfig.json"),
      "--target",
      "release",
      "--maximumMemory",
      "1024",
    ];
    await compileAs("tests/fixtures/author_hog.ts", hog, config);
  }, 60_000);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it("fails that stream with ResourceExhausted and the size asked, then traps; the others keep their queues, 20 times over", async () => {
    const host = await IxtHost.load(hog, { resumeAfterTrap: true });
    const queued = [streamIdOf(1), streamIdOf(2)];
    for (const id of queued) {
      expect(host.open(id, { initialCredit: 0 })).toBe(0);
      for (const p of ["a", "b", "c"]) expect(host.data(id, p)).toBe(0);
    }
    for (let rep = 0; rep < 20; rep++) {
      const id = streamIdOf(100 + rep);
      expect(host.open(id)).toBe(0);
      const command = ["array", "text", `big ${48 << 20}`][rep % 3];
      if (rep % 3 === 2) expect(host.data(id, `big ${20 << 20}`)).toBe(0); // kept: 48 MiB more cannot fit
      host.clearSent();
      expect(() => host.data(id, command)).toThrow(GuestTrap);
      const [error, ...more] = host.sentOn(id);
      expect(more).toEqual([]);
      expect(error).toMatchObject({
        kind: "Error",
        code: StreamErrorCode.ResourceExhausted,
        status: HostStatus.Ok,
      });
      const asked = /out of memory: could not allocate (\d+) bytes/.exec(
        error.kind === "Error" ? error.message : "",
      );
      expect(asked).not.toBeNull();
      if (rep % 3 === 2) expect(Number(asked![1]) - (48 << 20)).toBeLessThanOrEqual(64);
      expect(Number(asked![1])).toBeGreaterThanOrEqual(rep % 3 === 2 ? 48 << 20 : 1);
      // the next call recovers; what the hog held is garbage: a new stream can have 16 MiB
      expect(host.data(id, "late")).toBe(StreamErrorCode.NotFound);
      const next = streamIdOf(1000 + rep);
      expect(host.open(next)).toBe(0);
      expect(host.data(next, `big ${16 << 20}`)).toBe(0);
      expect(host.close(next, 0)).toBe(0);
      expect(host.sentOn(next).map((c) => (c.kind === "Data" ? text(c.payload) : c.kind))).toEqual([
        "ok",
        "Close",
      ]);
    }
    for (const id of queued) {
      expect(host.credit(id, 100)).toBe(0);
      expect(host.sentOn(id).map((c) => (c.kind === "Data" ? text(c.payload) : c.kind))).toEqual([
        "a",
        "b",
        "c",
      ]);
    }
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(64 << 20);
  });
});

describe("the allocator mirror's start-up check", () => {
  const trusted = join(benchOut, "memory", "guard_trusted.wasm");
  const distrusted = join(benchOut, "memory", "guard_distrusted.wasm");
  beforeAll(async () => {
    const config = ["--config", join(root, "asconfig.json"), "--target", "release", "--maximumMemory", "64"];
    await compileAs("tests/fixtures/guard_probe.ts", trusted, config);
    await compileAs("tests/fixtures/guard_probe.ts", distrusted, [
      ...config,
      "--use",
      "IXT_DISTRUST_ALLOCATOR=1",
    ]);
  }, 120_000);
  const guarded = (host: IxtHost) =>
    (host.instance.exports as { guard_probe_guarded(): number }).guard_probe_guarded();

  it("trusts the mirror on the tested AssemblyScript: a frame the 4 MiB cap cannot hold is refused (ixt_alloc 0)", async () => {
    const host = await IxtHost.load(trusted);
    expect(guarded(host)).toBe(1);
    expect(abi(host).ixt_alloc(8 << 20) >>> 0).toBe(0);
    expect(host.open(streamIdOf(1))).toBe(0);
    expect(host.data(streamIdOf(1), "still here")).toBe(0);
  });

  it("falls back safely when the check fails: the module works, and only memory that cannot be had traps", async () => {
    const host = await IxtHost.load(distrusted);
    expect(guarded(host)).toBe(0);
    const id = streamIdOf(1);
    expect(host.open(id)).toBe(0);
    for (let i = 0; i < 1000; i++) expect(host.data(id, `frame ${i}`)).toBe(0);
    expect(host.sent.filter((c) => c.kind === "Data").length).toBe(1000);
    // Unguarded, the allocator grows memory itself, as without the SDK: beyond the cap it traps.
    expect(() => abi(host).ixt_alloc(8 << 20)).toThrow();
  });
});
