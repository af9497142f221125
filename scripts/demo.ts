// `npm run demo`: runs build/stream_echo.wasm in the host shim and prints the stream, frame by frame.
import { fileURLToPath } from "node:url";
import {
  CloseReason,
  IxtHost,
  StreamErrorCode,
  nameOf,
  outboundFrame,
  streamIdOf,
  toHex,
  type OutboundCall,
} from "../host-shim/index.js";

const wasm = fileURLToPath(new URL("../../build/stream_echo.wasm", import.meta.url));
const host = await IxtHost.load(wasm);
const id = streamIdOf(1);
const text = (bytes: Uint8Array) => JSON.stringify(new TextDecoder().decode(bytes));
const result = (code: number) => (code === 0 ? "ok" : nameOf(StreamErrorCode, code));

function show(call: OutboundCall): void {
  const detail =
    call.kind === "data"
      ? `Data   ${text(call.payload)}`
      : call.kind === "close"
        ? `Close  ${nameOf(CloseReason, call.reason)}`
        : `Error  ${nameOf(StreamErrorCode, call.code)} ${JSON.stringify(call.message)}`;
  console.log(`  <- ${detail.padEnd(34)} ${toHex(outboundFrame(call))}`);
}

function deliver(label: string, send: () => number): void {
  const before = host.sent.length;
  console.log(`  -> ${label.padEnd(34)} dispatcher: ${result(send())}`);
  host.sent.slice(before).forEach(show);
}

console.log(`stream_echo.wasm, stream ${toHex(id)}`);
deliver(`Open   method "echo"`, () => host.open(id, { method: "echo" }));
for (const message of ["hello", "ixt", ""]) {
  deliver(`Data   ${JSON.stringify(message)}`, () => host.data(id, message));
}
deliver("Close  Normal", () => host.close(id, CloseReason.Normal));
