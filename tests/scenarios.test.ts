// The stream scenarios of tests/vectors/scenarios.json in the host shim. conformance/run.py replays the
// same file in wasmtime, so the two hosts assert the same dispatcher results and outbound frames.
import { openSync, readFileSync, readdirSync } from "node:fs";
import { devNull } from "node:os";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadForRun } from "../cli/run.js";
import { GuestTrap, type IxtHost, fromHex, outboundFrame, toHex } from "../host-shim/index.js";

interface Step {
  send: string;
  result?: number;
  trap?: boolean;
  sent: { frame: string; status: number }[];
}
interface Scenario {
  name: string;
  modules: string[];
  steps: Step[];
}

const root = fileURLToPath(new URL("..", import.meta.url));
const { scenarios } = JSON.parse(readFileSync(`${root}tests/vectors/scenarios.json`, "utf8")) as {
  scenarios: Scenario[];
};

const quiet = openSync(devNull, "w");

/** A module under build/ by its scenario name, loaded as the runtime would (WASI and `_initialize`). */
async function load(name: string): Promise<IxtHost> {
  const module = await WebAssembly.compile(await readFile(`${root}build/${name}.wasm`));
  return loadForRun(module, { stdout: quiet, stderr: quiet }); // a WASI module's console.log is not checked here
}

describe("scenarios.json", () => {
  it("covers every example, and the echo in the WASI profile", () => {
    const covered = new Set(scenarios.flatMap((s) => s.modules));
    for (const name of [...listExamples(), "wasi/stream_echo"]) {
      expect(covered, `no scenario in tests/vectors/scenarios.json runs ${name}`).toContain(name);
    }
  });

  for (const scenario of scenarios) {
    for (const module of scenario.modules) {
      it(`${module}: ${scenario.name}`, async () => {
        const host = await load(module);
        scenario.steps.forEach((step, n) => {
          const before = host.sent.length;
          const where = `step ${n} (send ${step.send.slice(0, 40)}…)`;
          if (step.trap) {
            expect(() => host.dispatch(fromHex(step.send)), where).toThrow(GuestTrap);
          } else {
            expect(host.dispatch(fromHex(step.send)), where).toBe(step.result);
          }
          const sent = host.sent
            .slice(before)
            .map((call) => ({ frame: toHex(outboundFrame(call)), status: call.status }));
          expect(sent, where).toEqual(step.sent);
        });
      });
    }
  }
});

function listExamples(): string[] {
  return readdirSync(`${root}examples`)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => name.slice(0, -3));
}
