// Property tests over random and mutated frame sequences (fast-check), checked against a reference
// model of docs/ABI.md's dispatcher, lifecycle and credit rules for an echo. For every frame: no
// trap; the result is the model's (so always 0 or a documented code); the module sends exactly what
// the model expects, and the host accepts every call (so nothing is sent on a stream that is not live
// and no Data goes beyond the caller's credit); memory stays bounded.
// IXT_FUZZ_FRAMES sets how many frames in all (CI: 100,000; `npm run fuzz`: 1,000,000).
import fc from "fast-check";
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import {
  IxtHost,
  encodeCancel,
  encodeClose,
  encodeCredit,
  encodeData,
  encodeError,
  encodeOpen,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { example, fixture } from "./helpers.js";

const TOTAL_FRAMES = Number(process.env.IXT_FUZZ_FRAMES ?? 100_000);
const FRAMES_PER_RUN = 100;
const MEMORY_BOUND = 4 << 20; // bytes of guest memory an echo may reach on this traffic

// ---- the reference model: docs/ABI.md, written independently of the SDK ----

const MIN_LEN = [32, 17, 21, 18, 18, 21]; // by FrameKind
const QUEUE_LIMIT = 1 << 20; // the SDK's default per-stream queue limit

/** What the echo is expected to send for one frame. */
type Expected =
  | { kind: "Data"; streamId: string; payload: string }
  | { kind: "Close"; streamId: string; reason: 0 }
  | { kind: "Error"; streamId: string; code: 7; message: "echo queue full" };

/** A stream in the dispatcher's table, as the model sees it. */
interface ModelStream {
  inputOpen: boolean; // until the caller closes it
  closed: boolean; // the module closed or errored it (the last frame may still be queued)
  credit: number; // Infinity when unlimited
  queue: string[]; // hex payloads waiting for credit
  queuedBytes: number;
  pending: Expected | null; // the Close or Error waiting behind the queue
}

class EchoModel {
  private readonly table = new Map<string, ModelStream>();
  private sent: Expected[] = [];
  constructor(private readonly maxLive: number) {}

  step(f: Uint8Array): { result: number; sent: Expected[] } {
    this.sent = [];
    const result = this.dispatch(f);
    return { result, sent: this.sent };
  }

  private dispatch(f: Uint8Array): number {
    if (f.length < 17) return 11;
    const kind = f[0];
    if (kind > 5) return 8;
    if (f.length < MIN_LEN[kind]) return 11;
    const view = new DataView(f.buffer, f.byteOffset, f.byteLength);
    const id = toHex(f.subarray(1, 17));
    const s = this.table.get(id);
    switch (kind) {
      case 0: {
        const methodLen = view.getUint16(26, true);
        if (28 + methodLen + 4 > f.length) return 11;
        if (32 + methodLen + view.getUint32(28 + methodLen, true) > f.length) return 11;
        if (f[17] !== 2) return 8;
        if (s) return 11;
        if (this.table.size >= this.maxLive) return 7;
        const credit = view.getUint32(18, true);
        this.table.set(id, {
          inputOpen: true,
          closed: false,
          credit: credit === 0xffffffff ? Infinity : credit,
          queue: [],
          queuedBytes: 0,
          pending: null,
        });
        return 0;
      }
      case 1: // Data: the echo sends the payload back; a full queue fails the stream
        if (!s || !s.inputOpen || s.closed) return 5;
        if (!this.send(id, s, toHex(f.subarray(17)))) {
          this.end(id, s, { kind: "Error", streamId: id, code: 7, message: "echo queue full" });
        }
        return 0;
      case 2: // Error
        if (!s) return 5;
        this.table.delete(id);
        return 0;
      case 3: // Close: the echo's default onClose closes with Normal
        if (s && s.inputOpen && !s.closed) {
          s.inputOpen = false;
          this.end(id, s, { kind: "Close", streamId: id, reason: 0 });
        }
        return 0;
      case 4: // Cancel
        this.table.delete(id);
        return 0;
      default: {
        // Credit: drain the queue, then the waiting Close or Error
        if (!s) return 0;
        s.credit += view.getUint32(17, true);
        while (s.queue.length > 0 && s.credit >= s.queue[0].length / 2) {
          const payload = s.queue.shift()!;
          s.credit -= payload.length / 2;
          s.queuedBytes -= payload.length / 2;
          this.sent.push({ kind: "Data", streamId: id, payload });
        }
        if (s.queue.length === 0 && s.pending) {
          this.sent.push(s.pending);
          this.table.delete(id);
        }
        return 0;
      }
    }
  }

  /** sendData: at once if nothing is queued and the credit covers it, else queued; false when the queue is full. */
  private send(id: string, s: ModelStream, payload: string): boolean {
    const len = payload.length / 2;
    if (s.queue.length === 0 && s.credit >= len) {
      s.credit -= len;
      this.sent.push({ kind: "Data", streamId: id, payload });
      return true;
    }
    if (s.queuedBytes + len > QUEUE_LIMIT) return false;
    s.queue.push(payload);
    s.queuedBytes += len;
    return true;
  }

  /** close/error: at once on an empty queue (the stream finishes), else behind it. */
  private end(id: string, s: ModelStream, last: Expected): void {
    s.closed = true;
    if (s.queue.length > 0) {
      s.pending = last;
      return;
    }
    this.sent.push(last);
    this.table.delete(id);
  }
}

// ---- frame generators ----

const ids = [0, 1, 2, 3, 4].map((n) => streamIdOf(n));
const id = fc.oneof(
  { arbitrary: fc.constantFrom(...ids), weight: 9 },
  { arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }), weight: 1 },
);
const small = fc.uint8Array({ maxLength: 24 });
const payload = fc.oneof(
  { arbitrary: small, weight: 20 },
  { arbitrary: fc.uint8Array({ maxLength: 4096 }), weight: 1 },
);
const byte = fc.integer({ min: 0, max: 255 });
const u32 = fc.nat({ max: 0xffffffff });
/** Credit amounts: often small enough to make the echo queue, sometimes unlimited or huge. */
const creditAmount = fc.oneof(
  { arbitrary: fc.nat({ max: 32 }), weight: 6 },
  { arbitrary: fc.constant(0xffffffff), weight: 2 },
  { arbitrary: u32, weight: 1 },
);

const validFrame = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        id,
        fc.oneof({ arbitrary: fc.constant(2), weight: 9 }, { arbitrary: byte, weight: 1 }),
        creditAmount,
        small,
        small,
        small,
      )
      .map(([i, interaction, credit, method, context, body]) =>
        encodeOpen(i, { interaction, initialCredit: credit, method, context, payload: body }),
      ),
  },
  { weight: 8, arbitrary: fc.tuple(id, payload).map(([i, p]) => encodeData(i, p)) },
  {
    weight: 1,
    arbitrary: fc.tuple(id, u32, small).map(([i, code, message]) => encodeError(i, code, message)),
  },
  { weight: 1, arbitrary: fc.tuple(id, byte).map(([i, reason]) => encodeClose(i, reason)) },
  { weight: 1, arbitrary: fc.tuple(id, byte).map(([i, reason]) => encodeCancel(i, reason)) },
  { weight: 4, arbitrary: fc.tuple(id, creditAmount).map(([i, credit]) => encodeCredit(i, credit)) },
);

/** A valid frame with one mutation: a byte flipped, a truncation, another kind, trailing garbage. */
const mutatedFrame = fc
  .tuple(validFrame, fc.integer({ min: 0, max: 3 }), fc.nat(), byte, small)
  .map(([f, mutation, at, value, extra]) => {
    const copy = f.slice();
    if (mutation === 0) copy[at % copy.length] = value;
    if (mutation === 1) return copy.slice(0, at % (copy.length + 1));
    if (mutation === 2) copy[0] = value;
    if (mutation === 3) return new Uint8Array([...copy, ...extra]);
    return copy;
  });

const frame = fc.oneof(
  { arbitrary: validFrame, weight: 6 },
  { arbitrary: mutatedFrame, weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 1 },
);

// size "max": without it fast-check keeps arrays to about ten frames, and streams rarely live long.
const sequence = fc.array(frame, { minLength: 1, maxLength: FRAMES_PER_RUN * 2, size: "max" }); // shrinks to 1 frame

// ---- the property ----

/** Runs the property until at least `frames` frames were delivered; returns how many were. */
async function fuzz(module: WebAssembly.Module, maxLive: number, frames: number): Promise<number> {
  let delivered = 0;
  const property = fc.asyncProperty(sequence, async (seq) => {
    const host = await IxtHost.load(module);
    const model = new EchoModel(maxLive);
    for (const f of seq) {
      const expected = model.step(f);
      expect(host.dispatch(f)).toBe(expected.result); // throws GuestTrap on a trap
      const sent = host.sent.map((c) =>
        c.kind === "Data"
          ? { kind: "Data", streamId: c.streamId, payload: toHex(c.payload), status: c.status }
          : { ...c, status: c.status },
      );
      expect(sent).toEqual(expected.sent.map((e) => ({ ...e, status: 0 })));
      host.clearSent();
    }
    delivered += seq.length;
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(MEMORY_BOUND);
  });
  // fast-check favours short sequences: keep going until the frame count is really reached.
  while (delivered < frames) {
    await fc.assert(property, { numRuns: Math.ceil((frames - delivered) / FRAMES_PER_RUN) });
  }
  return delivered;
}

describe("fuzz: random and mutated frame sequences", () => {
  let echo: WebAssembly.Module;
  let bounded: WebAssembly.Module;
  beforeAll(async () => {
    echo = await WebAssembly.compile(await readFile(example("stream_echo")));
    bounded = await WebAssembly.compile(await readFile(fixture("bounded_echo")));
  });

  it(`stream_echo and a bounded echo follow the model over ${TOTAL_FRAMES} frames`, async () => {
    const echoFrames = await fuzz(echo, 1024, TOTAL_FRAMES * 0.9);
    // A bound of 3 makes ResourceExhausted frequent.
    const boundedFrames = await fuzz(bounded, 3, TOTAL_FRAMES * 0.1);
    expect(echoFrames + boundedFrames).toBeGreaterThanOrEqual(TOTAL_FRAMES);
  });
});
