// Reading what a module sent: payloads as bytes, text or JSON, and type guards for the recorded calls
// (`IxtHost.sent`). The kinds are spelled as the ABI's frame kinds, as in `decodeFrame`: "Data", "Close",
// "Error".

import { HostStatus } from "./abi.js";
import { type StreamId, toHex } from "./frames.js";
import type { IxtHost, OutboundCall } from "./host.js";

/** A recorded `stream_send_data` call. */
export type DataCall = Extract<OutboundCall, { kind: "Data" }>;
/** A recorded `stream_send_close` call. */
export type CloseCall = Extract<OutboundCall, { kind: "Close" }>;
/** A recorded `stream_send_error` call. */
export type ErrorCall = Extract<OutboundCall, { kind: "Error" }>;

/** True for a Data call. */
export const isData = (call: OutboundCall): call is DataCall => call.kind === "Data";
/** True for a Close call. */
export const isClose = (call: OutboundCall): call is CloseCall => call.kind === "Close";
/** True for an Error call. */
export const isError = (call: OutboundCall): call is ErrorCall => call.kind === "Error";

// ignoreBOM: a leading U+FEFF the module sent is part of the text, not a marker to drop.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * The bytes a call carries: a Data call's payload, an Error call's message as UTF-8. Throws a TypeError
 * for a Close, which carries none.
 */
export function bytes(call: OutboundCall): Uint8Array {
  if (call.kind === "Data") return call.payload;
  if (call.kind === "Error") return utf8Encoder.encode(call.message);
  throw new TypeError(`a ${call.kind} call carries no payload`);
}

/**
 * A Data call's payload decoded as UTF-8 (a TypeError when it is not valid UTF-8), or an Error call's
 * message. Throws a TypeError for a Close.
 */
export function text(call: OutboundCall): string {
  if (call.kind === "Error") return call.message;
  const payload = bytes(call);
  try {
    return utf8.decode(payload);
  } catch {
    throw new TypeError(`the Data payload (${payload.length} bytes) is not valid UTF-8`);
  }
}

/** A Data call's payload (or an Error's message) parsed as JSON; throws a SyntaxError when it is not JSON. */
export function json<T = unknown>(call: OutboundCall): T {
  return JSON.parse(text(call)) as T;
}

/**
 * The calls on one stream that the host accepted (status Ok), in order: what the caller receives. Calls
 * the host refused (e.g. a Data answered WouldBlock, which the SDK sends again later) are left out.
 */
export function delivered(host: IxtHost, streamId: StreamId): OutboundCall[] {
  const key = toHex(streamId);
  return host.sent.filter((call) => call.streamId === key && call.status === HostStatus.Ok);
}

/** The delivered Data payloads on one stream, as UTF-8 text. */
export function dataTexts(host: IxtHost, streamId: StreamId): string[] {
  return delivered(host, streamId).filter(isData).map(text);
}
