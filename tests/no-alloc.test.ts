// No managed allocation on the SDK's path for a Data frame. The echo is built with AssemblyScript's
// allocation tracing (`--use ASC_RTRACE=1`, same source and release options otherwise), which reports every
// block the allocator hands out, managed objects and `heap.alloc` alike, to the host. The only block a Data
// frame may cost is the frame buffer the runtime asks for through `ixt_alloc`: the counter accepts an
// allocation during a frame only if it is that buffer (host.lastFramePtr − the 4-byte block header).
// A negative control (tests/fixtures/alloc_copying_echo.ts, which calls `frame.payloadBytes()`) shows the
// counter catches one allocation per frame.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { benchOut, compileAs, root } from "../bench/harness.js";
import { IxtHost, encodeData, streamIdOf } from "../host-shim/index.js";

/** AssemblyScript's block header in front of every allocation (`BLOCK_OVERHEAD`: one usize). */
const BLOCK_OVERHEAD = 4;

const out = join(benchOut, "alloc");
const sdkEcho = join(out, "stream_echo.rtrace.wasm");
const copyingEcho = join(out, "alloc_copying_echo.rtrace.wasm");

async function buildTraced(entry: string, outFile: string): Promise<void> {
  const config = ["--config", join(root, "asconfig.json"), "--target", "release"];
  await compileAs(entry, outFile, [...config, "--use", "ASC_RTRACE=1"]);
}

/** Loads a traced module; `blocks` collects the blocks allocated since it was last cleared. */
async function loadTraced(path: string) {
  const tally = { allocs: 0, frees: 0, blocks: [] as number[], live: new Set<number>() };
  const rtrace = {
    oninit() {},
    onalloc(block: number) {
      tally.allocs++;
      tally.blocks.push(block >>> 0);
      tally.live.add(block >>> 0);
    },
    onresize(block: number) {
      tally.blocks.push(block >>> 0);
    },
    onmove(oldBlock: number, newBlock: number) {
      tally.blocks.push(newBlock >>> 0);
      tally.live.delete(oldBlock >>> 0);
      tally.live.add(newBlock >>> 0);
    },
    onfree(block: number) {
      tally.frees++;
      tally.live.delete(block >>> 0);
    },
    onvisit: () => 1,
    oncollect() {},
    oninterrupt() {},
    onyield() {},
    onstore: (ptr: number) => ptr,
    onload: (ptr: number) => ptr,
  };
  const host = await IxtHost.load(path, { imports: { rtrace } });
  return { host, tally };
}

/**
 * Delivers `frames` Data frames of `size` bytes on one open stream; returns how many of them allocated
 * anything besides their own frame buffer, and the traced totals.
 */
async function framesThatAllocate(path: string, sizes: number[], frames: number) {
  const { host, tally } = await loadTraced(path);
  const id = streamIdOf(1);
  expect(host.open(id)).toBe(0);
  const encoded = sizes.map((size) => encodeData(id, new Uint8Array(size).fill(size & 0xff)));
  // Warm-up: one of each, so one-time allocations (none expected) are not counted.
  for (const frame of encoded) expect(host.dispatch(frame)).toBe(0);
  host.clearSent();
  const memoryBefore = host.memory.buffer.byteLength;
  const liveBefore = tally.live.size;
  let offending = 0;
  let results = 0;
  for (let i = 0; i < frames; i++) {
    tally.blocks.length = 0;
    results |= host.dispatch(encoded[i % encoded.length]);
    const frameBlock = host.lastFramePtr - BLOCK_OVERHEAD;
    if (tally.blocks.length > 1 || (tally.blocks.length === 1 && tally.blocks[0] !== frameBlock)) offending++;
    if ((i & 1023) === 0) {
      if (host.sent.length !== 1 || host.sent[0].status !== 0) throw new Error("not echoed");
    }
    host.clearSent();
  }
  return {
    offending,
    results,
    memoryGrowth: host.memory.buffer.byteLength - memoryBefore,
    liveGrowth: tally.live.size - liveBefore,
    allocs: tally.allocs,
  };
}

describe("no managed allocation on the Data path", () => {
  beforeAll(async () => {
    await buildTraced("examples/stream_echo.ts", sdkEcho);
    await buildTraced("tests/fixtures/alloc_copying_echo.ts", copyingEcho);
  });

  it("the SDK echo allocates nothing but the frame buffers over a million 0-byte Data frames", async () => {
    const r = await framesThatAllocate(sdkEcho, [0], 1_000_000);
    expect(r.results).toBe(0);
    expect(r.offending).toBe(0);
    // Heap stats: nothing was kept and memory did not grow.
    expect(r.liveGrowth).toBe(0);
    expect(r.memoryGrowth).toBe(0);
    // The tracing is live: the Open and the frame buffers were seen.
    expect(r.allocs).toBeGreaterThan(0);
  });

  it("nor for payloads of 64 B to 1 MiB", async () => {
    const r = await framesThatAllocate(sdkEcho, [64, 1024, 64 * 1024, 1024 * 1024], 2_000);
    expect(r.results).toBe(0);
    expect(r.offending).toBe(0);
    expect(r.liveGrowth).toBe(0);
  });

  it("negative control: an echo that calls frame.payloadBytes() is caught on every frame", async () => {
    const frames = 10_000;
    const r = await framesThatAllocate(copyingEcho, [0, 64], frames);
    expect(r.results).toBe(0);
    expect(r.offending).toBe(frames);
  });
});
