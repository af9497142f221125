// Traps and recovery (docs/ABI.md, "When the guest traps"), in V8 through the host shim: the host keeps
// calling the instance after a trap, as wasmtime allows. conformance/traps.py runs the same in wasmtime.
import { describe, expect, it } from "vitest";
import {
  CloseReason,
  GuestTrap,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  streamIdOf,
} from "../host-shim/index.js";
import { buildModule } from "../host-shim/testing.js";
import { fixture } from "./helpers.js";

const trapper = () => IxtHost.load(fixture("trapper"), { resumeAfterTrap: true });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Delivers a Data frame that must trap; returns the GuestTrap. */
function trap(host: IxtHost, id: Uint8Array, payload: string): GuestTrap {
  try {
    host.data(id, payload);
  } catch (err) {
    expect(err).toBeInstanceOf(GuestTrap);
    return err as GuestTrap;
  }
  throw new Error(`"${payload}" did not trap`);
}

describe("after a trap the module keeps serving", () => {
  it("an abort sends Internal with its message; that stream is finished; the others keep their queues", async () => {
    const host = await trapper();
    const [victim, queued] = [streamIdOf(1), streamIdOf(2)];
    expect(host.open(victim)).toBe(0);
    expect(host.open(queued, { initialCredit: 0 })).toBe(0);
    expect(host.data(queued, "waiting")).toBe(0); // queued: no credit yet
    const err = trap(host, victim, "abort");
    expect(err.abortMessage).toMatch(/^boom/);
    host.clearSent();
    // The next call recovers: the victim is gone, the queued stream drains when credit comes.
    expect(host.credit(queued, 100)).toBe(0);
    expect(host.sent.map((c) => [c.kind, c.kind === "Data" ? text(c.payload) : ""])).toEqual([
      ["Data", "waiting"],
    ]);
    expect(host.data(victim, "x")).toBe(StreamErrorCode.NotFound);
  });

  it("a stack overflow sends nothing at the trap; the module sends Internal for that stream at its next call", async () => {
    const host = await trapper();
    const [victim, other] = [streamIdOf(1), streamIdOf(2)];
    host.open(victim);
    host.open(other);
    const err = trap(host, victim, "overflow");
    expect(err.abortMessage).toBeUndefined();
    expect(host.sentOn(victim)).toEqual([]);
    expect(host.data(other, "still here")).toBe(0);
    const [internal] = host.sentOn(victim);
    expect(internal).toMatchObject({ kind: "Error", code: StreamErrorCode.Internal, status: HostStatus.Ok });
    expect(internal.kind === "Error" && internal.message).toBe(
      "the module trapped while serving this stream",
    );
    expect(text((host.sentOn(other)[0] as { payload: Uint8Array }).payload)).toBe("still here");
    expect(host.data(victim, "x")).toBe(StreamErrorCode.NotFound);
  });

  it("10,000 traps in a row, aborts and stack overflows, grow neither memory nor the failures of later calls", async () => {
    const host = await trapper();
    const survivor = streamIdOf(999_999);
    host.open(survivor);
    // Warm up to the plateau: collections run every 1 MiB of garbage, and the allocator doubles memory
    // when it grows, so memory levels off after a few MiB of churn. Then traps must not move it.
    for (let i = 0; i < 30_000; i++) {
      const id = streamIdOf(2_000_000 + i);
      host.open(id);
      host.close(id, CloseReason.Normal);
    }
    const plateau = host.memory.buffer.byteLength;
    host.clearSent();
    for (let i = 0; i < 10_000; i++) {
      const id = streamIdOf(i + 1);
      expect(host.open(id)).toBe(0);
      trap(host, id, i % 2 ? "overflow" : "abort");
    }
    expect(host.data(survivor, "alive")).toBe(0);
    expect(text((host.sentOn(survivor).at(-1) as { payload: Uint8Array }).payload)).toBe("alive");
    expect(host.memory.buffer.byteLength).toBe(plateau);
    // every victim got exactly one Internal: from the abort path or from recovery
    const internals = host.sent.filter((c) => c.kind === "Error" && c.code === StreamErrorCode.Internal);
    expect(internals).toHaveLength(10_000);
  });
});

// The call that recovers a trap may dispatch nothing (a frame shorter than a header): it must still clear
// the trapped call's flag (a bit of the sections' state word). A release build would not show a flag left
// set; the debug build checks, at the next call's start, that the word is clear, and traps if not.
describe("a trap recovered by a call that dispatches nothing", () => {
  for (const target of ["release", "debug"] as const) {
    it(`${target} build: a frame too short for a header recovers the trap, and later frames run as usual`, async () => {
      const wasm = await buildModule("tests/fixtures/trapper.ts", { target });
      const host = await IxtHost.load(wasm, { resumeAfterTrap: true });
      const [victim, other] = [streamIdOf(1), streamIdOf(2)];
      expect(host.open(victim)).toBe(0);
      expect(host.open(other)).toBe(0);
      trap(host, victim, "overflow");
      expect(host.dispatch(new Uint8Array(10))).toBe(StreamErrorCode.ProtocolViolation);
      expect(host.sentOn(victim)).toMatchObject([{ kind: "Error", code: StreamErrorCode.Internal }]);
      expect(host.instanceLost).toBe(false);
      for (const payload of ["after", "again"]) expect(host.data(other, payload)).toBe(0);
      expect(host.sentOn(other).map((c) => (c.kind === "Data" ? text(c.payload) : c.kind))).toEqual([
        "after",
        "again",
      ]);
      expect(host.sentOn(victim)).toHaveLength(1); // recovered once
    });
  }
});

describe("traps under the incremental runtime leak no shadow stack (author_trapper)", () => {
  const authorTrapper = () => IxtHost.load(fixture("author_trapper"), { resumeAfterTrap: true });

  /** Sends "deep n" on a new stream; true when the reply came back (the shadow stack held n levels). */
  async function serves(n: number, host?: IxtHost): Promise<boolean> {
    const h = host ?? (await authorTrapper());
    const id = streamIdOf(777_000_000 + n);
    if (h.open(id) !== 0) return false;
    try {
      h.data(id, `deep ${n}`);
    } catch (err) {
      if (err instanceof GuestTrap) return false;
      throw err;
    }
    const last = h.sentOn(id).at(-1);
    return last?.kind === "Data" && text(last.payload) === `deep ${n}`;
  }

  it("10,000 traps (abort, stack overflow, shadow-stack overflow), then a recursion using 90% of the shadow stack still works", async () => {
    // The deepest recursion a fresh instance holds: the shadow stack's capacity in levels.
    let [lo, hi] = [0, 1 << 16];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await serves(mid)) lo = mid;
      else hi = mid;
    }
    const depth = Math.floor(lo * 0.9); // a leak of even 1 byte per trap would eat the other 10%
    expect(depth).toBeGreaterThan(100);
    const host = await authorTrapper();
    const queued = streamIdOf(999_999);
    expect(host.open(queued, { initialCredit: 0 })).toBe(0);
    for (const p of ["q1", "q2", "q3"]) expect(host.data(queued, p)).toBe(0);
    const kinds = ["abort", "overflow", "shadow"];
    const marks: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const id = streamIdOf(i + 1);
      expect(host.open(id)).toBe(0);
      expect(() => host.data(id, kinds[i % 3])).toThrow(GuestTrap);
      if ((i + 1) % 1000 === 0) marks.push(host.memory.buffer.byteLength);
    }
    expect(await serves(depth, host)).toBe(true);
    host.credit(queued, 100);
    const drained = host.sentOn(queued).filter((c) => c.kind === "Data");
    expect(drained.map((c) => (c.kind === "Data" ? text(c.payload) : ""))).toEqual(["q1", "q2", "q3"]);
    // each trapped stream got exactly one Internal and is finished; a shadow-stack overflow says so
    for (let i = 0; i < 10_000; i++) {
      const calls = host.sentOn(streamIdOf(i + 1));
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        kind: "Error",
        code: StreamErrorCode.Internal,
        status: HostStatus.Ok,
      });
      if (i % 3 === 2) expect(calls[0].kind === "Error" && calls[0].message).toMatch(/stack overflow/);
    }
    expect(host.data(streamIdOf(10_000), "late")).toBe(StreamErrorCode.NotFound);
    expect(marks.at(-1)).toBe(marks[4]); // flat over the second half
  });
});

describe("the abort message", () => {
  // runtime_hooks aborts with the Data payload as its message: "abort <text>".
  const hooks = () => IxtHost.load(fixture("runtime_hooks"), { resumeAfterTrap: true });

  it.each([
    ["ASCII", "x", 1],
    ["2-byte", "é", 2],
    ["3-byte", "€", 3],
    ["4-byte", "😀", 4],
  ])("is cut at 512 bytes on a character boundary (%s characters)", async (_name, char, size) => {
    const host = await hooks();
    const id = streamIdOf(1);
    host.open(id);
    const long = char.repeat(600);
    expect(() => host.data(id, `abort ${long}`)).toThrow(GuestTrap);
    const [call] = host.sentOn(id);
    const bytes = new TextEncoder().encode(call.kind === "Error" ? call.message : "");
    expect(bytes.length).toBe(512 - (512 % size));
    expect(call.kind === "Error" && call.message).toBe(char.repeat(Math.floor(512 / size)));
  });
});
