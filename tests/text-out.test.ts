// Valid UTF-8 out, always: a lone surrogate has no UTF-8, and everything the SDK encodes (sendText, an
// Error's message, a debug build's log lines, the abort path's message) writes U+FFFD for it, exactly as
// TextEncoder does, through tests/fixtures/lone_surrogates.ts. The same checks run in wasmtime, byte for
// byte, as the scenario "lone surrogates" of tests/vectors/scenarios.json. Also the sender's canSend and
// send…OrFail helpers.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { benchOut, compileAs, root } from "../bench/harness.js";
import {
  CloseReason,
  GuestTrap,
  HostStatus,
  IxtHost,
  StreamErrorCode,
  streamIdOf,
} from "../host-shim/index.js";
import { fixture } from "./helpers.js";

// The fixture's CASES: alone, reversed pair, at the start, at the end, between ASCII, next to a valid pair.
const CASES = [
  "\uD800",
  "\uDC00\uD800",
  "\uDBFFabc",
  "abc\uDFFF",
  "a\uDC00b",
  "\uD83D\uDE00\uD800",
  "\uDC00\uD83D\uDE00x",
];
const encoder = new TextEncoder();
/** What the caller must read: TextEncoder's bytes (U+FFFD for each lone surrogate), decoded. */
const asSent = (text: string) => new TextDecoder().decode(encoder.encode(text));
const id = streamIdOf(1);
const debugBuild = join(benchOut, "text-out", "lone_surrogates.debug.wasm");

describe("lone surrogates out", () => {
  beforeAll(async () => {
    await compileAs("tests/fixtures/lone_surrogates.ts", debugBuild, [
      "--config",
      join(root, "asconfig.json"),
      "--target",
      "debug",
    ]);
  }, 120_000);

  it.each(CASES.map((c, k) => [k, c]))("sendText writes TextEncoder's bytes for case %i", async (k, text) => {
    const host = await IxtHost.load(fixture("lone_surrogates"));
    host.open(id);
    host.data(id, `text ${k}`);
    const [call] = host.sentOn(id);
    expect(call.kind === "Data" && [...call.payload]).toEqual([...encoder.encode(text as string)]);
  });

  it("an Error's message and the abort path's message write U+FFFD for each lone surrogate", async () => {
    for (const [k, text] of CASES.entries()) {
      const host = await IxtHost.load(fixture("lone_surrogates"), { resumeAfterTrap: true });
      host.open(id);
      host.data(id, `error ${k}`);
      // The shim decodes without fatal: WTF-8 (ED A0 80) would read as three U+FFFD, not one.
      expect(host.sentOn(id)).toEqual([
        expect.objectContaining({
          kind: "Error",
          code: StreamErrorCode.InvalidArgument,
          message: asSent(text),
        }),
      ]);
      const other = streamIdOf(2);
      host.open(other);
      expect(() => host.data(other, `abort ${k}`)).toThrow(GuestTrap);
      expect(host.sentOn(other)).toEqual([
        expect.objectContaining({ kind: "Error", code: StreamErrorCode.Internal, message: asSent(text) }),
      ]);
    }
  });

  it("a debug build's log lines write U+FFFD for each lone surrogate", async () => {
    const host = await IxtHost.load(debugBuild);
    host.open(id);
    for (const k of CASES.keys()) host.data(id, `log ${k}`);
    expect(host.logs.map((l) => l.message)).toEqual(CASES.map(asSent));
  });
});

describe("StreamSender.canSend and send…OrFail", () => {
  const texts = (host: IxtHost) =>
    host.sentOn(id).map((c) => (c.kind === "Data" ? new TextDecoder().decode(c.payload) : c.kind));

  it("canSend(n): a frame of n bytes would go out now (not queued), false for a negative n and while blocked", async () => {
    let block = false;
    const host = await IxtHost.load(fixture("lone_surrogates"), {
      respond: (call) => (block && call.kind === "Data" ? HostStatus.WouldBlock : undefined),
    });
    host.open(id, { initialCredit: 10 });
    for (const n of [10, 7, 8, 5, 2, 0, -1]) host.data(id, `cansend ${n}`);
    // credit 10: yes(3) → 7: yes(3) → 4: no(2) → 2: no(2) → 0 … queued from here, so even canSend(0) is false
    expect(texts(host)).toEqual(["yes", "yes", "no", "no"]);
    host.credit(id, 100);
    expect(texts(host)).toEqual(["yes", "yes", "no", "no", "no", "no", "no"]);
    block = true;
    host.data(id, "cansend 0"); // its answer is refused with WouldBlock: the stream is blocked
    block = false;
    // blocked: nothing would go out now, whatever its size
    host.data(id, "cansend 1");
    host.credit(id, 0);
    expect(texts(host).slice(-2)).toEqual(["yes", "no"]);
  });

  it.each(["orfail-data", "orfail-bytes", "orfail-text"])(
    "%s returns true when sent or queued",
    async (command) => {
      const host = await IxtHost.load(fixture("lone_surrogates"));
      host.open(id, { initialCredit: 2 });
      host.data(id, `${command} 3`); // queued: not enough credit
      host.credit(id, 100);
      expect(texts(host)).toEqual(["xxx", "taken"]);
    },
  );

  it.each(["orfail-data", "orfail-bytes", "orfail-text"])(
    "%s fails the stream with errorCodeFor(status) when refused: QueueFull, a host status",
    async (command) => {
      const host = await IxtHost.load(fixture("lone_surrogates"));
      host.open(id, { initialCredit: 0 });
      host.data(id, `${command} 1100000`); // above the 1 MiB queue limit
      expect(host.sentOn(id)).toEqual([
        expect.objectContaining({
          kind: "Error",
          code: StreamErrorCode.ResourceExhausted,
          message: "the stream's send queue is full",
        }),
      ]);
      const refusing = await IxtHost.load(fixture("lone_surrogates"), {
        respond: (call) => (call.kind === "Data" ? HostStatus.PayloadTooLarge : undefined),
      });
      refusing.open(id);
      refusing.data(id, `${command} 3`);
      expect(
        refusing.sentOn(id).map((c) => [c.kind, c.status, c.kind === "Error" && [c.code, c.message]]),
      ).toEqual([
        ["Data", HostStatus.PayloadTooLarge, false],
        ["Error", HostStatus.Ok, [StreamErrorCode.PayloadTooLarge, "the host refused a frame as too large"]],
      ]);
      expect(refusing.close(id, CloseReason.Normal)).toBe(0); // ignored: the stream has ended
    },
  );
});
