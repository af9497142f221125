// The WASI profile (asconfig.wasi.json, built into build/wasi/ by scripts/build-wasi.mjs): the echo and the
// logging echo run under Node's node:wasi through the host shim, and under wasmtime with WASI.
import { execFileSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WASI } from "node:wasi";
import { describe, expect, it } from "vitest";
import { checkModule } from "../cli/check.js";
import {
  CloseReason,
  IxtHost,
  StreamErrorCode,
  encodeClose,
  encodeData,
  outboundFrame,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const wasiModule = (name: string) => `${root}build/wasi/${name}.wasm`;

/** Loads a WASI-profile module as the README says: Node's WASI imports, then `wasi.initialize`. */
async function loadWithWasi(name: string, stdout?: number): Promise<IxtHost> {
  const wasi = new WASI({ version: "preview1", args: [name], env: {}, returnOnExit: true, stdout });
  return IxtHost.load(wasiModule(name), {
    imports: { wasi_snapshot_preview1: wasi.wasiImport },
    onInstance: (instance) => wasi.initialize(instance),
  });
}

/** Open, "hello", "ixt", Close(Normal) on one stream; the outbound frames as hex. */
function echoSession(host: IxtHost): string[] {
  const id = streamIdOf(3);
  expect(host.open(id, { method: "echo" })).toBe(0);
  expect(host.data(id, "hello")).toBe(0);
  expect(host.data(id, "ixt")).toBe(0);
  expect(host.close(id, CloseReason.Normal)).toBe(0);
  return host.sent.map((call) => toHex(outboundFrame(call)));
}

const expectedEcho = () => {
  const id = streamIdOf(3);
  return [encodeData(id, "hello"), encodeData(id, "ixt"), encodeClose(id, CloseReason.Normal)].map(toHex);
};

function hasWasmtime(): boolean {
  try {
    execFileSync("python3", ["-c", "import wasmtime"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("WASI profile", () => {
  it("builds reactors: _initialize exported, nothing imported from env, the ABI intact", async () => {
    for (const name of ["stream_echo", "echo_log"]) {
      const report = await checkModule(await readFile(wasiModule(name)), { wasi: true });
      expect(report.problems).toBe(0);
      expect(report.exports.map((e) => e.item)).toContain("_initialize");
      expect(report.imports.every((i) => i.item.startsWith("ixt.") || i.item.startsWith("wasi_"))).toBe(true);
    }
    // echo_log uses console.log and Date: it imports WASI, and without --wasi the check says what to do.
    const log = await checkModule(await readFile(wasiModule("echo_log")));
    expect(log.problems).toBeGreaterThan(0);
    expect(log.imports.find((i) => !i.ok)?.message).toMatch(/WASI profile: pass --wasi/);
  });

  it("the echo runs under node:wasi through the shim", async () => {
    expect(echoSession(await loadWithWasi("stream_echo"))).toEqual(expectedEcho());
  });

  it("console.log and the clock reach WASI stdout; the frames are the echo's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ixt-wasi-"));
    const fd = openSync(join(dir, "stdout"), "w");
    const sent = echoSession(await loadWithWasi("echo_log", fd));
    closeSync(fd);
    expect(sent).toEqual(expectedEcho());
    expect(readFileSync(join(dir, "stdout"), "utf8")).toBe(
      "echo_log: data 5 bytes\necho_log: data 3 bytes\necho_log: close after 2 frames, clock ok\n",
    );
  });

  it("abort still becomes a stream error (the SDK's abort wins over the WASI shim's)", async () => {
    const host = await loadWithWasi("runtime_hooks");
    const id = streamIdOf(4);
    host.open(id);
    expect(() => host.data(id, "abort")).toThrow();
    expect(host.sent).toMatchObject([{ kind: "Error", code: StreamErrorCode.Internal, message: "explicit" }]);
  });

  it("Math.random gets its seed from WASI instead of aborting", async () => {
    const host = await loadWithWasi("runtime_hooks");
    const id = streamIdOf(5);
    host.open(id);
    expect(host.data(id, "random")).toBe(0);
    const call = host.sent[0];
    expect(call.kind).toBe("Data");
    if (call.kind === "Data")
      expect(Number(new TextDecoder().decode(call.payload))).toBeGreaterThanOrEqual(0);
  });

  it.skipIf(!hasWasmtime())("the same echo under wasmtime with WASI sends the same frames", () => {
    const script = `
import sys, os, tempfile
sys.path.insert(0, "conformance")
from ixt_host import IxtHost
sid = (3).to_bytes(8, "little") + bytes(8)
out = os.path.join(tempfile.mkdtemp(), "stdout")
host = IxtHost("build/wasi/echo_log.wasm", stdout_file=out)
opn = bytes([0]) + sid + bytes([2]) + b"\\xff\\xff\\xff\\xff" + bytes(4) + (4).to_bytes(2, "little") + b"echo" + bytes(4)
for frame in [opn, bytes([1]) + sid + b"hello", bytes([1]) + sid + b"ixt", bytes([3]) + sid + b"\\x00"]:
    assert host.dispatch(frame) == 0
for call in host.sent:
    print(call.frame.hex())
del host
print(open(out).read(), end="")
`;
    const lines = execFileSync("python3", ["-c", script], { cwd: root, encoding: "utf8" }).split("\n");
    expect(lines.slice(0, 3)).toEqual(expectedEcho());
    expect(lines.slice(3).join("\n")).toBe(
      "echo_log: data 5 bytes\necho_log: data 3 bytes\necho_log: close after 2 frames, clock ok\n",
    );
  });
});
