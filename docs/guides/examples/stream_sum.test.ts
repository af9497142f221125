// docs/guides/examples/stream_sum.ts in the host shim. In your project: copy the module into assembly/ and this test
// into tests/, and make MODULE say "assembly/stream_sum.ts" (loadModule builds it with your asconfig.json).
import { StreamErrorCode, dataTexts, isError, loadModule, streamIdOf } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

const MODULE = "docs/guides/examples/stream_sum.ts";

describe("stream_sum", () => {
  it("answers each frame of decimal numbers with their sum and count", async () => {
    const host = await loadModule(MODULE);
    const id = streamIdOf(1);
    host.open(id);
    for (const frame of ["12 7  30", " 5 ", "", "18446744073709551615", "0 0"]) host.data(id, frame);
    expect(dataTexts(host, id)).toEqual([
      "sum=49 count=3",
      "sum=5 count=1",
      "sum=0 count=0",
      "sum=18446744073709551615 count=1",
      "sum=0 count=2",
    ]);
  });

  it("fails the stream with InvalidArgument at the first field that is not a number, or an overflow", async () => {
    const cases: [string, string][] = [
      ["1 2x 3", "not a number at byte 3"],
      ["1 +2", "not a number at byte 2"],
      ["10 007", "not a number at byte 3"], // a leading zero
      ["1\t2", "not a number at byte 1"],
      ["18446744073709551615 1", "the sum overflows"],
    ];
    for (const [frame, message] of cases) {
      const host = await loadModule(MODULE);
      const id = streamIdOf(1);
      host.open(id);
      host.data(id, frame);
      expect(host.sentOn(id).filter(isError), frame).toMatchObject([
        { code: StreamErrorCode.InvalidArgument, message },
      ]);
    }
  });
});
