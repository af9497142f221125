// examples/stream_json.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/stream_json.ts" (loadModule builds it with your asconfig.json).
import { CloseReason, StreamErrorCode, json, isData, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/stream_json.ts";

describe("stream_json", () => {
  it("reads {count, prefix} and streams count JSON frames as credit allows, then closes", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    const request = JSON.stringify({ count: 3, prefix: 'p"' });
    expect(host.open(id, { method: "json", payload: request, initialCredit: 30 })).toBe(0);
    const frames = () =>
      host
        .sentOn(id)
        .filter(isData)
        .map((call) => json(call));
    expect(frames()).toEqual([{ seq: 1, text: 'p"1' }]); // 23 bytes: the next does not fit in 7
    host.credit(id, 100);
    expect(frames()).toEqual([1, 2, 3].map((seq) => ({ seq, text: `p"${seq}` })));
    expect(host.sentOn(id).at(-1)).toMatchObject({ kind: "Close", reason: CloseReason.Normal });
  });

  it("refuses a request that is not exactly {count, prefix}, without trapping", async () => {
    const host = await loadModule(MODULE);
    const bad = [
      "",
      "[]",
      '{"count": 1}', // prefix missing
      '{"count": 1, "prefix": "p", "count": 2}', // count repeated
      '{"count": 1.5, "prefix": "p"}',
      '{"count": "1", "prefix": "p"}',
      '{"count": 1, "prefix": "p", "extra": 0}',
      '{"count": 1, "prefix": "p"} x',
    ];
    for (const [i, payload] of bad.entries()) {
      expect(host.open(streamIdOf(i + 1), { method: "json", payload }), payload).toBe(
        StreamErrorCode.InvalidArgument,
      );
    }
    expect(host.open(streamIdOf(99), { method: "json", payload: '{"prefix":"","count":0}' })).toBe(0);
  });

  it("says why in a debug build's log: the member missing or repeated, by name, and where", async () => {
    const host = await loadModule(MODULE, { target: "debug" });
    host.open(streamIdOf(1), { method: "json", payload: '{"count": 1}' });
    host.open(streamIdOf(2), { method: "json", payload: '{"count": 1, "prefix": "p", "count": 2}' });
    expect(host.logs.map((line) => line.message)).toEqual([
      'Open rejected with code 3: missing member "prefix" at byte 12',
      'Open rejected with code 3: duplicate member "count" at byte 28',
    ]);
  });
});
