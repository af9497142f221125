// The preset's debug target checks what a release build cannot afford to: a StreamFrame kept past its
// callback aborts naming the accessor (the stream gets Internal with that message), and a send on a stream
// that has ended logs a warning naming the call. The release build of the same module does neither.
import { beforeAll, describe, expect, it } from "vitest";
import { GuestTrap, IxtHost, buildModule, streamIdOf } from "../host-shim/testing.js";

const FIXTURE = "tests/fixtures/kept_frame.ts";
let debug = "";
let release = "";

beforeAll(async () => {
  debug = await buildModule(FIXTURE, { target: "debug" });
  release = await buildModule(FIXTURE, { target: "release" });
}, 240_000);

/** The texts of the Data frames and the Error messages the module sent, in order. */
function outbound(host: IxtHost): string[] {
  return host.sent.map((call) => {
    if (call.kind === "Data") return `data:${new TextDecoder().decode(call.payload)}`;
    if (call.kind === "Error") return `error ${call.code}:${call.message}`;
    return call.kind;
  });
}

describe("a StreamFrame kept past its callback", () => {
  it("aborts in a debug build, naming the accessor, and the stream gets Internal with that message", async () => {
    const host = await IxtHost.load(debug);
    const id = streamIdOf(1);
    expect(host.open(id, { method: "keep" })).toBe(0);
    let trap: unknown;
    try {
      host.data(id, "hello");
    } catch (err) {
      trap = err;
    }
    expect(trap).toBeInstanceOf(GuestTrap);
    const message = (trap as GuestTrap).abortMessage ?? "";
    expect(message).toMatch(/^StreamFrame\.method\(\) used after its callback returned/);
    expect(outbound(host)).toEqual([expect.stringMatching(/^error 9:StreamFrame\.method\(\) used after/)]);
  });

  it("is caught in each of the next calls too, with other streams' frames in between", async () => {
    const host = await IxtHost.load(debug, { resumeAfterTrap: true });
    const keeper = streamIdOf(1);
    expect(host.open(keeper, { method: "keep" })).toBe(0);
    for (let n = 2; n < 40; n++) expect(host.open(streamIdOf(n), { method: "late" })).toBe(0);
    expect(() => host.data(keeper, "x")).toThrow(GuestTrap);
  });

  it("reads the current frame silently in a release build (the check costs a release build nothing)", async () => {
    const host = await IxtHost.load(release);
    const id = streamIdOf(1);
    expect(host.open(id, { method: "keep" })).toBe(0);
    expect(host.data(id, "hello")).toBe(0);
    // The kept view now points at the Data frame: its method reads as "" (a Data frame has none).
    expect(outbound(host)).toEqual(["data::hello"]);
  });
});

describe("a send on a stream that has ended", () => {
  it("logs a warning naming the call and the status in a debug build", async () => {
    const host = await IxtHost.load(debug);
    const id = streamIdOf(1);
    expect(host.open(id, { method: "late" })).toBe(0);
    expect(host.data(id, "x")).toBe(0);
    expect(host.logs).toContainEqual({
      level: "warn",
      message: "sendText on a stream that has ended returned StreamClosed (3); nothing was sent",
    });
    expect(outbound(host)).toEqual(["Close"]);
  });

  it("logs nothing in a release build", async () => {
    const host = await IxtHost.load(release);
    const id = streamIdOf(1);
    expect(host.open(id, { method: "late" })).toBe(0);
    expect(host.data(id, "x")).toBe(0);
    expect(host.logs).toEqual([]);
  });
});
