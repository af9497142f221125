// `ixt-as run`: opens a stream in the host shim, feeds it and prints every frame both ways, as the runtime
// would see them: what `extism call` is to Extism.
import {
  CancelReason,
  CloseReason,
  GuestTrap,
  IxtHost,
  StreamErrorCode,
  nameOf,
  outboundFrame,
  toHex,
  type OutboundCall,
  HostStatus,
  UNLIMITED_CREDIT,
} from "../host-shim/index.js";
import { WASI_MODULE, WASI_REACTOR_EXPORT } from "./abi-spec.js";

/** One frame after the Open: a Data frame, or a Credit frame granting more bytes. */
export type RunStep = { kind: "Data"; payload: Uint8Array } | { kind: "credit"; bytes: number };

/** What to send on the stream. */
export interface RunPlan {
  streamId: Uint8Array;
  method: string;
  /** The Open's request payload, invocation context and initial credit (0xFFFFFFFF: unlimited). */
  payload: Uint8Array;
  context: Uint8Array;
  initialCredit: number;
  steps: RunStep[];
  end: "close" | "cancel" | "none";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const MAX_HEX_BYTES = 4096;

/** A payload as text: JSON-quoted UTF-8, or its size when it is not UTF-8. */
export function payloadText(bytes: Uint8Array): string {
  try {
    return JSON.stringify(strictUtf8.decode(bytes));
  } catch {
    return `<${bytes.length} bytes, not UTF-8>`;
  }
}

function hexOf(frame: Uint8Array): string {
  if (frame.length <= MAX_HEX_BYTES) return toHex(frame);
  return `${toHex(frame.subarray(0, MAX_HEX_BYTES))}… (${frame.length} bytes)`;
}

function describeOutbound(call: OutboundCall): string {
  switch (call.kind) {
    case "Data":
      return `Data   ${payloadText(call.payload)}`;
    case "Close":
      return `Close  ${nameOf(CloseReason, call.reason)}`;
    case "Error":
      return `Error  ${nameOf(StreamErrorCode, call.code)} ${JSON.stringify(call.message)}`;
  }
}

/**
 * Loads a module in the shim as the runtime would: a WASI-profile module gets Node's WASI, and a reactor's
 * `_initialize` runs once before the first frame (a module built with the WASI profile that uses no WASI
 * function imports nothing from it, but is still a reactor).
 */
export async function loadForRun(
  module: WebAssembly.Module,
  stdio: { stdout?: number; stderr?: number } = {},
): Promise<IxtHost> {
  const needsWasi = WebAssembly.Module.imports(module).some((i) => i.module === WASI_MODULE);
  const reactor = WebAssembly.Module.exports(module).some((e) => e.name === WASI_REACTOR_EXPORT);
  if (!needsWasi) {
    return IxtHost.load(module, {
      onInstance: reactor ? (instance) => (instance.exports[WASI_REACTOR_EXPORT] as () => void)() : undefined,
    });
  }
  const { WASI } = await import("node:wasi"); // imported here: loading it prints an experimental warning
  const wasi = new WASI({ version: "preview1", args: ["ixt-as"], env: {}, returnOnExit: true, ...stdio });
  return IxtHost.load(module, {
    imports: { [WASI_MODULE]: wasi.wasiImport },
    onInstance: (instance) => wasi.initialize(instance),
  });
}

/**
 * Runs the plan and prints each inbound frame with the dispatcher's result and each outbound frame (text
 * and hex). Returns false when the guest trapped.
 */
export function runPlan(host: IxtHost, plan: RunPlan, print: (line: string) => void): boolean {
  const result = (code: number) => (code === 0 ? "ok" : `${nameOf(StreamErrorCode, code)} (${code})`);
  const show = (call: OutboundCall) => {
    const status = call.status === 0 ? "" : `  [host answered ${nameOf(HostStatus, call.status)}]`;
    print(`  <- ${describeOutbound(call).padEnd(36)} ${hexOf(outboundFrame(call))}${status}`);
  };
  const deliver = (label: string, send: () => number): boolean => {
    const before = host.sent.length;
    let code: number | undefined;
    let trap: GuestTrap | undefined;
    try {
      code = send();
    } catch (err) {
      if (!(err instanceof GuestTrap)) throw err;
      trap = err;
    }
    print(`  -> ${label.padEnd(36)} dispatcher: ${trap ? `trapped (${trap.message})` : result(code!)}`);
    host.sent.slice(before).forEach(show);
    return !trap;
  };

  print(`stream ${toHex(plan.streamId)}`);
  const id = plan.streamId;
  const { method, payload, context, initialCredit } = plan;
  const credit = initialCredit === UNLIMITED_CREDIT ? "" : ` credit ${initialCredit}`;
  const request = payload.length ? ` payload ${payloadText(payload)}` : "";
  const label = `Open   method ${JSON.stringify(method)}${credit}${request}`;
  if (!deliver(label, () => host.open(id, { method, payload, context, initialCredit }))) return false;
  for (const step of plan.steps) {
    const delivered =
      step.kind === "Data"
        ? deliver(`Data   ${payloadText(step.payload)}`, () => host.data(id, step.payload))
        : deliver(`Credit ${step.bytes}`, () => host.credit(id, step.bytes));
    if (!delivered) return false;
  }
  if (plan.end === "close") return deliver("Close  Normal", () => host.close(id, CloseReason.Normal));
  if (plan.end === "cancel") return deliver("Cancel Caller", () => host.cancel(id, CancelReason.Caller));
  return true;
}
