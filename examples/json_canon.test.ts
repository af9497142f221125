// examples/json_canon.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/json_canon.ts" (loadModule builds it with your asconfig.json).
import { StreamErrorCode, dataTexts, isError, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "examples/json_canon.ts";

describe("json_canon", () => {
  it("answers each JSON text with its compact form", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    expect(host.open(id, { method: "json.canon" })).toBe(0);
    host.data(id, ' { "a" : [1, 2.50, true, null], "b" : "\\u0041\\/" } ');
    host.data(id, "[]");
    expect(dataTexts(host, id)).toEqual(['{"a":[1,2.50,true,null],"b":"A/"}', "[]"]);
  });

  it("fails only the stream whose text is not JSON, naming the byte", async () => {
    const host = await loadModule(MODULE);
    const [bad, good] = [streamIdOf(1), streamIdOf(2)];
    host.open(bad, { method: "json.canon" });
    host.open(good, { method: "json.canon" });
    host.data(bad, '{"a": tru}');
    const [error] = host.sentOn(bad).filter(isError);
    expect(error.code).toBe(StreamErrorCode.InvalidArgument);
    expect(error.message).toMatch(/^invalid JSON at byte 6\b/);
    host.data(good, "1");
    expect(dataTexts(host, good)).toEqual(["1"]);
  });
});
