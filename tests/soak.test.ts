// Soak: a long-lived instance under steady traffic. Memory grows during warm-up, then must not grow:
// a leak of even a few bytes per stream or per frame would show as a larger memory at the end.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { CloseReason, IxtHost, streamIdOf } from "../host-shim/index.js";
import { example, fixture } from "./helpers.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const CONCURRENT = 1000;
const FRAMES = 1_000_000;
const WARM_UP = FRAMES / 10;

describe("soak", () => {
  let echo: WebAssembly.Module;
  beforeAll(async () => {
    echo = await WebAssembly.compile(await readFile(example("stream_echo")));
  });

  it(`${FRAMES} frames over ${CONCURRENT} concurrent streams: memory after warm-up equals memory at the end`, async () => {
    const host = await IxtHost.load(echo);
    const payload = new Uint8Array(64).fill(0x61);
    const slots = Array.from({ length: CONCURRENT }, (_, i) => streamIdOf(i));
    let nextId = CONCURRENT;
    let frames = 0;
    let warmMemory = 0;
    let expectedSends = 0;

    const deliver = (result: number, sends: number) => {
      expect(result).toBe(0);
      frames++;
      expectedSends += sends;
      if (frames === WARM_UP) warmMemory = host.memory.buffer.byteLength;
    };
    for (const id of slots) deliver(host.open(id), 0);

    // Round-robin: each slot gets Data; in every 16th round a slot's stream closes and a new one takes its
    // place (staggered: a sixteenth of the slots each round).
    for (let visit = 0; frames < FRAMES; visit++) {
      const slot = visit % CONCURRENT;
      const round = Math.floor(visit / CONCURRENT);
      if (round % 16 === slot % 16) {
        deliver(host.close(slots[slot], CloseReason.Normal), 1); // the echo answers with Close
        slots[slot] = streamIdOf(nextId++);
        deliver(host.open(slots[slot]), 0);
      } else {
        deliver(host.data(slots[slot], payload), 1);
      }
      if (host.sent.length >= 10_000) {
        expect(host.sent.length).toBe(expectedSends);
        expect(host.sent.every((call) => call.status === 0)).toBe(true);
        host.clearSent();
        expectedSends = 0;
      }
    }
    expect(nextId - CONCURRENT).toBeGreaterThan(FRAMES / 20); // many streams came and went
    expect(warmMemory).toBeGreaterThan(0);
    expect(host.memory.buffer.byteLength).toBe(warmMemory);
  });

  it("1,000,000 streams opened and closed: memory after warm-up equals memory at the end", async () => {
    const host = await IxtHost.load(echo);
    const cycles = 1_000_000;
    let warmMemory = 0;
    for (let n = 0; n < cycles; n++) {
      const id = streamIdOf(n);
      if (host.open(id) !== 0 || host.close(id, CloseReason.Normal) !== 0)
        throw new Error(`cycle ${n} failed`);
      if (n % 10_000 === 9_999) {
        expect(host.sent.length).toBe(10_000); // one Close(Normal) answer per stream
        host.clearSent();
      }
      if (n === cycles / 10) warmMemory = host.memory.buffer.byteLength;
    }
    expect(host.memory.buffer.byteLength).toBe(warmMemory);
  });
});

// Author-style handlers (issue 14) that allocate on every frame: a string built by `+=` per character
// (author_upper), a growing Array per stream (author_keeper). 10^5 frames and cycles in CI; `npm run soak`
// runs 10^6 of each (IXT_SOAK_FRAMES).
const AUTHOR_FRAMES = Number(process.env.IXT_SOAK_FRAMES ?? 100_000);

describe("soak: author-style handlers that allocate per frame", () => {
  const timeout = Math.max(60_000, AUTHOR_FRAMES / 5);

  it(
    `${AUTHOR_FRAMES.toLocaleString("en")} frames upper-cased by += over 100 streams: memory after warm-up equals memory at the end`,
    async () => {
      const host = await IxtHost.load(fixture("author_upper"));
      const ids = Array.from({ length: 100 }, (_, i) => streamIdOf(i + 1));
      for (const id of ids) expect(host.open(id)).toBe(0);
      let warmMemory = 0;
      let checked = 0;
      for (let n = 0; n < AUTHOR_FRAMES; n++) {
        const id = ids[n % ids.length];
        const payload = `frame ${n} straße ünïcödé ${"x".repeat(n % 32)}`;
        expect(host.data(id, payload)).toBe(0);
        if (n % 1000 === 999 || n === AUTHOR_FRAMES - 1) {
          // every reply in this batch: one Data, the payload upper-cased, in order
          const batch = host.sent;
          const first = n - batch.length + 1;
          for (let k = 0; k < batch.length; k++) {
            const call = batch[k];
            const want = `frame ${first + k} straße ünïcödé ${"x".repeat((first + k) % 32)}`.toUpperCase();
            if (call.kind !== "Data" || call.status !== 0 || text(call.payload) !== want)
              throw new Error(
                `frame ${first + k}: ${call.kind} ${call.kind === "Data" ? text(call.payload) : ""}`,
              );
            checked++;
          }
          host.clearSent();
        }
        if (n === AUTHOR_FRAMES / 10) warmMemory = host.memory.buffer.byteLength;
      }
      expect(checked).toBe(AUTHOR_FRAMES);
      expect(host.memory.buffer.byteLength).toBe(warmMemory);
    },
    timeout,
  );

  it(
    `${AUTHOR_FRAMES.toLocaleString("en")} Open/Data/Close cycles, each stream keeping a growing Array: memory after warm-up equals memory at the end`,
    async () => {
      const host = await IxtHost.load(fixture("author_keeper"));
      let warmMemory = 0;
      for (let n = 0; n < AUTHOR_FRAMES; n++) {
        const id = streamIdOf(n);
        const chunk = `chunk ${n}`;
        if (host.open(id) !== 0 || host.data(id, chunk) !== 0 || host.data(id, chunk) !== 0)
          throw new Error(`cycle ${n} refused`);
        if (host.close(id, CloseReason.Normal) !== 0) throw new Error(`cycle ${n}: Close refused`);
        const got = host.sent.map((c) => (c.kind === "Data" ? text(c.payload) : c.kind));
        const want = [chunk, chunk, `2 chunks, ${2 * chunk.length} bytes`, "Close"];
        if (got.join("|") !== want.join("|")) throw new Error(`cycle ${n}: sent ${got.join(", ")}`);
        host.clearSent();
        if (n === AUTHOR_FRAMES / 10) warmMemory = host.memory.buffer.byteLength;
      }
      expect(host.memory.buffer.byteLength).toBe(warmMemory);
    },
    timeout,
  );
});
