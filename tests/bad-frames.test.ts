// Every malformed-frame rule of docs/ABI.md: the documented code, no callback, nothing sent, no trap,
// and the live stream is unaffected.
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../host-shim/index.js";
import { loadProbe, takeLog, vectors } from "./helpers.js";

const LIVE_ID = fromHex("101112131415161718191a1b1c1d1e1f");

describe("malformed frames", () => {
  it("cover every rule from 1 to 5", () => {
    expect(new Set(vectors.malformed.map((v) => v.rule))).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  for (const v of vectors.malformed) {
    it(`${v.name} -> ${v.result} (rule ${v.rule})`, async () => {
      const host = await loadProbe();
      expect(host.open(LIVE_ID)).toBe(0);
      takeLog(host);

      expect(host.dispatch(fromHex(v.hex))).toBe(v.result);
      expect(takeLog(host)).toEqual([]);
      expect(host.sent).toEqual([]);

      // The live stream still works.
      expect(host.data(LIVE_ID, "still here")).toBe(0);
      expect(takeLog(host)).toMatchObject([{ cb: "data", id: toHex(LIVE_ID) }]);
    });
  }
});
