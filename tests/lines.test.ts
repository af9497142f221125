// Lines across frames: LineSplitter (assembly/text/lines.ts, through tests/fixtures/text_probe.ts) against a
// reference split of the joined bytes, and examples/stream_lines.ts in the host shim against a JavaScript
// reference (TextDecoder over the whole input, split at LF), on random inputs and splits, with small
// credit, WouldBlock and refusals injected.
import fc from "fast-check";
import { join } from "node:path";
import { benchOut, compileAs, root } from "../bench/harness.js";
import "./property-seed.js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CloseReason,
  HostStatus,
  IxtHost,
  type OutboundCall,
  StreamErrorCode,
  delivered,
  streamIdOf,
} from "../host-shim/index.js";
import { example, fixture } from "./helpers.js";
import { bytesAndCuts, byteIn, cutAt, utf8ish, utf8ishPiece } from "./utf8-arbitraries.js";

interface LinesProbe {
  memory: WebAssembly.Memory;
  text_probe_alloc(len: number): number;
  text_probe_free(ptr: number): void;
  lines_new(max: number): void;
  lines_push(ptr: number, len: number): void;
  lines_next(): number;
  lines_finish(): number;
  lines_ptr(): number;
  lines_len(): number;
  lines_error(): number;
  lines_pending(): number;
  lines_reset(): void;
  lines_new_default(): void;
  lines_max(): number;
}

const TOO_LONG = 1;
const NO_MEMORY = 2;
const NOT_DRAINED = 3;
const MiB = 1 << 20;

let probe: LinesProbe;
beforeAll(async () => {
  probe = (await IxtHost.load(fixture("text_probe"))).instance.exports as unknown as LinesProbe;
});

const encoder = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const concat = (pieces: Uint8Array[]) => Uint8Array.from(pieces.flatMap((p) => [...p]));

/** UTF-8-ish text with LFs and CRs in it. */
const linePiece = fc.oneof(
  { weight: 6, arbitrary: utf8ishPiece },
  { weight: 3, arbitrary: fc.constant<number[]>([0x0a]) },
  { weight: 1, arbitrary: fc.constant<number[]>([0x0d, 0x0a]) },
  { weight: 1, arbitrary: byteIn(0x0d, 0x0d) },
);
const lineText = utf8ish(40, linePiece);

interface Split {
  lines: string[]; // hex of each line handed out, then "final:<hex>" for finish()'s
  error: number;
}

/** The reference: split the joined bytes at LF; the first line longer than `max` stops everything. */
function referenceSplit(pieces: Uint8Array[], max: number): Split {
  const all = concat(pieces);
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i] !== 0x0a) continue;
    if (i - start > max) return { lines, error: TOO_LONG };
    lines.push(hex(all.subarray(start, i)));
    start = i + 1;
  }
  if (all.length - start > max) return { lines, error: TOO_LONG };
  if (all.length > start) lines.push(`final:${hex(all.subarray(start))}`);
  return { lines, error: 0 };
}

/** The guest splitter on the pieces; each piece's lines must point into that piece unless carried. */
function guestSplit(pieces: Uint8Array[], max: number): Split {
  probe.lines_new(max);
  const lines: string[] = [];
  const read = () =>
    hex(new Uint8Array(probe.memory.buffer, probe.lines_ptr() >>> 0, probe.lines_len()).slice());
  for (const piece of pieces) {
    const ptr = probe.text_probe_alloc(piece.length) >>> 0;
    new Uint8Array(probe.memory.buffer, ptr, piece.length).set(piece);
    const carried = probe.lines_pending();
    probe.lines_push(ptr, piece.length);
    let first = true;
    while (probe.lines_next()) {
      const at = probe.lines_ptr() >>> 0;
      const inPlace = at >= ptr && at + probe.lines_len() <= ptr + piece.length;
      // Only the first line of a piece, and only after a carried tail, is copied.
      expect(inPlace, `line ${lines.length} copied though no tail was carried`).toBe(!(first && carried > 0));
      lines.push(read());
      first = false;
    }
    probe.text_probe_free(ptr);
  }
  if (probe.lines_finish()) lines.push(`final:${read()}`);
  return { lines, error: probe.lines_error() };
}

describe("LineSplitter", () => {
  it("splits at every split point of random text like the joined bytes, lines in place where possible", () => {
    fc.assert(
      fc.property(lineText, (bytes) => {
        for (let at = 0; at <= bytes.length; at++) {
          const pieces = [bytes.subarray(0, at), bytes.subarray(at)];
          expect(guestSplit(pieces, MiB)).toEqual(referenceSplit(pieces, MiB));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("splits random multi-splits like the joined bytes, with bounds from 0 to 12 bytes", () => {
    fc.assert(
      fc.property(bytesAndCuts(lineText), fc.integer({ min: 0, max: 12 }), ([bytes, cuts], max) => {
        const pieces = cutAt(bytes, cuts);
        expect(guestSplit(pieces, max)).toEqual(referenceSplit(pieces, max));
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps CR, hands out empty lines, and stops a line over the bound as soon as it is known", () => {
    const pieces = ["a\r\n\nb", "c", "\nlong"].map((s) => encoder.encode(s));
    expect(guestSplit(pieces, 3)).toEqual({
      lines: [hex(encoder.encode("a\r")), "", hex(encoder.encode("bc"))],
      error: TOO_LONG, // "long" is 4 bytes: known too long before any LF
    });
    expect(guestSplit(pieces, 4).lines.at(-1)).toBe(`final:${hex(encoder.encode("long"))}`);
  });

  it("reports a push before the previous piece was drained, and reset clears it", () => {
    probe.lines_new(100);
    const ptr = probe.text_probe_alloc(4) >>> 0;
    new Uint8Array(probe.memory.buffer, ptr, 4).set(encoder.encode("a\nb\n"));
    probe.lines_push(ptr, 4);
    expect(probe.lines_next()).toBe(1);
    probe.lines_push(ptr, 4); // "b\n" not pulled yet
    expect(probe.lines_error()).toBe(NOT_DRAINED);
    expect(probe.lines_next()).toBe(0);
    probe.lines_reset();
    expect(probe.lines_error()).toBe(0);
    probe.lines_push(ptr, 4);
    expect([probe.lines_next(), probe.lines_next(), probe.lines_next()]).toEqual([1, 1, 0]);
    probe.text_probe_free(ptr);
  });
});

describe("LineSplitter's bound and memory", () => {
  it("takes 1 MiB by default, and a negative bound as 0 (only empty lines)", () => {
    probe.lines_new_default();
    expect(probe.lines_max()).toBe(MiB); // DEFAULT_MAX_LINE_BYTES
    probe.lines_new(-5);
    expect(probe.lines_max()).toBe(0);
    const ptr = probe.text_probe_alloc(3) >>> 0;
    new Uint8Array(probe.memory.buffer, ptr, 3).set(encoder.encode("\nx\n"));
    probe.lines_push(ptr, 3);
    expect([probe.lines_next(), probe.lines_len()]).toEqual([1, 0]);
    expect(probe.lines_next()).toBe(0); // "x" is over a bound of 0
    expect(probe.lines_error()).toBe(TOO_LONG);
    probe.text_probe_free(ptr);
  });

  it("stops with NoMemory, never a trap, when a carried line cannot grow under a 4 MiB cap", async () => {
    const capped = join(benchOut, "lines", "text_probe_4mib.wasm");
    const config = ["--config", join(root, "asconfig.json"), "--target", "release"];
    await compileAs("tests/fixtures/text_probe.ts", capped, [...config, "--maximumMemory", "64"]);
    const host = await IxtHost.load(capped);
    const p = host.instance.exports as unknown as LinesProbe;
    p.lines_new(64 * MiB);
    const chunk = 512 << 10;
    const ptr = p.text_probe_alloc(chunk) >>> 0;
    new Uint8Array(p.memory.buffer, ptr, chunk).fill(0x61); // no LF: the line goes on
    let pushed = 0;
    for (let i = 0; i < 32 && p.lines_error() === 0; i++) {
      p.lines_push(ptr, chunk);
      expect(p.lines_next()).toBe(0);
      if (p.lines_error() === 0) pushed++;
    }
    expect(p.lines_error()).toBe(NO_MEMORY);
    expect(pushed).toBeGreaterThanOrEqual(2); // it carried some before memory ran out
    expect(p.lines_pending()).toBe(0); // the partial line is dropped with the error, never handed out
    expect(p.lines_finish()).toBe(0);
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(4 * MiB);
    p.lines_reset(); // works again, for lines that fit
    new Uint8Array(p.memory.buffer, ptr, 4).set(encoder.encode("ab\nc"));
    p.lines_push(ptr, 4);
    expect([p.lines_next(), p.lines_len(), p.lines_next()]).toEqual([1, 2, 0]);
    expect([p.lines_finish(), p.lines_len()]).toEqual([1, 1]);
  }, 60_000);
});

// ---- examples/stream_lines.ts ----

const id = streamIdOf(1);

/** What the caller must receive: each line of the decoded text, the last if not empty, "lines=N". */
function expectedFrames(input: Uint8Array): string[] {
  const lines = new TextDecoder("utf-8", { ignoreBOM: true }).decode(input).split("\n");
  const last = lines.pop() as string;
  if (last !== "") lines.push(last);
  return [...lines.map((l) => hex(encoder.encode(l))), hex(encoder.encode(`lines=${lines.length}`))];
}

const dataHex = (calls: OutboundCall[]) => calls.flatMap((c) => (c.kind === "Data" ? [hex(c.payload)] : []));
const lastCall = (calls: OutboundCall[]) => calls.at(-1);

describe("stream_lines", () => {
  it("sends each line, the last one, then lines=N and Close; other methods are Unimplemented", async () => {
    const host = await IxtHost.load(example("stream_lines"));
    expect(host.open(streamIdOf(9))).toBe(StreamErrorCode.Unimplemented);
    expect(host.open(id, { method: "lines" })).toBe(0);
    for (const piece of [
      [0x68, 0x69, 0x0d, 0x0a, 0xc3],
      [0xa9, 0x0a, 0xff, 0x0a, 0x0a, 0x74, 0x61, 0xe2, 0x82],
    ])
      expect(host.data(id, Uint8Array.from(piece))).toBe(0);
    expect(host.close(id, CloseReason.Normal)).toBe(0);
    expect(dataHex(host.sentOn(id)).map((h) => Buffer.from(h, "hex").toString())).toEqual([
      "hi\r",
      "é",
      "\uFFFD",
      "",
      "ta\uFFFD",
      "lines=5",
    ]);
    expect(lastCall(host.sentOn(id))).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });

  it("matches TextDecoder over the whole input, for random text, splits and small credit", async () => {
    const host = await IxtHost.load(example("stream_lines"));
    let n = 10;
    fc.assert(
      fc.property(
        bytesAndCuts(lineText),
        fc.integer({ min: 0, max: 24 }),
        fc.array(fc.integer({ min: 0, max: 16 }), { maxLength: 8 }),
        ([bytes, cuts], initialCredit, grants) => {
          const stream = streamIdOf(++n);
          expect(host.open(stream, { method: "lines", initialCredit })).toBe(0);
          cutAt(bytes, cuts).forEach((piece, i) => {
            expect(host.data(stream, piece)).toBe(0);
            if (i < grants.length) host.credit(stream, grants[i]);
          });
          expect(host.close(stream, CloseReason.Normal)).toBe(0);
          host.credit(stream, 1 << 30); // the rest of what was queued goes out
          const got = delivered(host, stream);
          expect(dataHex(got)).toEqual(expectedFrames(bytes));
          expect(lastCall(got)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
          // Never beyond the credit: the host refused nothing.
          expect(host.sentOn(stream).every((c) => c.status === HostStatus.Ok)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("loses nothing when the host answers WouldBlock at random, once retried", async () => {
    let blockRate = 0;
    let rng = 1;
    const random = () => (rng = (rng * 48271) % 0x7fffffff) / 0x7fffffff;
    const host = await IxtHost.load(example("stream_lines"), {
      respond: () => (random() < blockRate ? HostStatus.WouldBlock : undefined),
    });
    let n = 10;
    fc.assert(
      fc.property(bytesAndCuts(lineText), fc.integer({ min: 1, max: 6 }), ([bytes, cuts], rate) => {
        const stream = streamIdOf(++n);
        blockRate = rate / 10;
        expect(host.open(stream, { method: "lines" })).toBe(0);
        for (const piece of cutAt(bytes, cuts)) expect(host.data(stream, piece)).toBe(0);
        expect(host.close(stream, CloseReason.Normal)).toBe(0);
        blockRate = 0;
        host.credit(stream, 0); // the runtime's "try again"
        const got = delivered(host, stream);
        expect(dataHex(got)).toEqual(expectedFrames(bytes));
        expect(lastCall(got)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    [HostStatus.PayloadTooLarge, StreamErrorCode.PayloadTooLarge],
    [HostStatus.Internal, StreamErrorCode.Internal],
    [HostStatus.BadArgument, StreamErrorCode.Internal],
  ])(
    "a Data frame refused with host status %i fails the stream with %i, sent or queued",
    async (status, code) => {
      for (const credit of [0xffffffff, 3]) {
        let refuseAt = 3; // the third Data call
        const host = await IxtHost.load(example("stream_lines"), {
          respond: (call) => (call.kind === "Data" && --refuseAt === 0 ? status : undefined),
        });
        expect(host.open(id, { method: "lines", initialCredit: credit })).toBe(0);
        host.data(id, "one\ntwo\nthree\nfour\n");
        host.credit(id, 100); // queued lines go out and the third is refused from the queue
        host.close(id, CloseReason.Normal);
        const got = delivered(host, id);
        expect(dataHex(got).map((h) => Buffer.from(h, "hex").toString())).toEqual(["one", "two"]);
        expect(lastCall(got)).toMatchObject({ kind: "Error", code });
        expect(host.data(id, "more\n")).toBe(StreamErrorCode.NotFound);
      }
    },
  );

  it("fails a line over 1 MiB with PayloadTooLarge, and takes one of exactly 1 MiB split across frames", async () => {
    const host = await IxtHost.load(example("stream_lines"));
    const line = new Uint8Array(MiB).fill(0x61);
    expect(host.open(id, { method: "lines" })).toBe(0);
    host.data(id, line.subarray(0, 1000));
    host.data(id, line.subarray(1000));
    host.data(id, "\n");
    host.close(id, CloseReason.Normal);
    expect(delivered(host, id).map((c) => (c.kind === "Data" ? c.payload.length : c.kind))).toEqual([
      MiB,
      7,
      "Close",
    ]);

    const other = streamIdOf(2);
    expect(host.open(other, { method: "lines" })).toBe(0);
    expect(host.data(other, "ok\n")).toBe(0);
    expect(host.data(other, line)).toBe(0);
    expect(host.data(other, "a")).toBe(0); // 1 MiB + 1 without an LF: known too long
    expect(lastCall(host.sentOn(other))).toMatchObject({
      kind: "Error",
      code: StreamErrorCode.PayloadTooLarge,
    });
    expect(host.data(other, "\n")).toBe(StreamErrorCode.NotFound);
    const whole = streamIdOf(3); // too long inside one frame
    expect(host.open(whole, { method: "lines" })).toBe(0);
    expect(host.data(whole, concat([line, Uint8Array.of(0x61, 0x0a)]))).toBe(0);
    expect(host.sentOn(whole).map((c) => c.kind === "Error" && c.code)).toEqual([
      StreamErrorCode.PayloadTooLarge,
    ]);
  });

  it("fails the stream with ResourceExhausted when its queue is full, after what was queued", async () => {
    const host = await IxtHost.load(example("stream_lines"));
    expect(host.open(id, { method: "lines", initialCredit: 0 })).toBe(0);
    const chunk = "x".repeat(64 * 1024 - 1) + "\n"; // 64 KiB lines: the 1 MiB queue takes 15 (with overhead)
    let lines = 0;
    while (host.data(id, chunk) === 0 && lines < 40) lines++;
    host.credit(id, 1 << 30);
    const got = delivered(host, id);
    const sent = got.filter((c) => c.kind === "Data").length;
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(17);
    expect(lastCall(got)).toMatchObject({ kind: "Error", code: StreamErrorCode.ResourceExhausted });
  });
});
