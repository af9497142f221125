// Encodes and decodes frames (docs/ABI.md, "Frames").

import {
  CREDIT_OFFSET,
  ERROR_CODE_OFFSET,
  ERROR_MESSAGE_OFFSET,
  FRAME_HEADER_LEN,
  FrameKind,
  InteractionKind,
  OPEN_CONTEXT_LEN_SIZE,
  OPEN_CREDIT_OFFSET,
  OPEN_DEADLINE_OFFSET,
  OPEN_INTERACTION_OFFSET,
  OPEN_METHOD_LEN_OFFSET,
  OPEN_METHOD_OFFSET,
  REASON_OFFSET,
  STREAM_ID_LEN,
  UNLIMITED_CREDIT,
  minFrameLen,
  nameOf,
} from "./abi.js";

/** A 16-byte stream id. */
export type StreamId = Uint8Array;

/** The fields of an Open frame; everything but the id has a default. */
export interface OpenFields {
  /** The `InteractionKind` byte; default ServerStream (2), the only one the SDK accepts. */
  interaction?: number;
  /** Credit in bytes the caller grants at once; default `UNLIMITED_CREDIT` (0xFFFFFFFF). */
  initialCredit?: number;
  /** Deadline in ms from the Open; default 0 (none). */
  deadlineMs?: number;
  /** The method: a string is encoded as UTF-8; default empty. At most 65535 bytes (RangeError otherwise). */
  method?: string | Uint8Array;
  /** The invocation context, opaque bytes; default empty. */
  context?: Uint8Array;
  /** The request payload: a string is encoded as UTF-8; default empty. */
  payload?: Uint8Array | string;
}

/** One decoded frame. */
export type Frame =
  | {
      kind: "Open";
      streamId: StreamId;
      interaction: number;
      initialCredit: number;
      deadlineMs: number;
      method: Uint8Array;
      context: Uint8Array;
      payload: Uint8Array;
    }
  | { kind: "Data"; streamId: StreamId; payload: Uint8Array }
  | { kind: "Error"; streamId: StreamId; code: number; message: Uint8Array }
  | { kind: "Close"; streamId: StreamId; reason: number }
  | { kind: "Cancel"; streamId: StreamId; reason: number }
  | { kind: "Credit"; streamId: StreamId; credit: number };

const utf8 = new TextEncoder();

function bytesOf(value: Uint8Array | string | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  return typeof value === "string" ? utf8.encode(value) : value;
}

function checkId(streamId: StreamId): void {
  if (streamId.length !== STREAM_ID_LEN) {
    throw new RangeError(`stream id must be ${STREAM_ID_LEN} bytes, got ${streamId.length}`);
  }
}

function header(kind: number, streamId: StreamId, tailLen: number): { frame: Uint8Array; view: DataView } {
  checkId(streamId);
  const frame = new Uint8Array(FRAME_HEADER_LEN + tailLen);
  frame[0] = kind;
  frame.set(streamId, 1);
  return { frame, view: new DataView(frame.buffer) };
}

/** Encodes an Open frame. Defaults: ServerStream, unlimited credit, no deadline, empty method, context and payload. */
export function encodeOpen(streamId: StreamId, fields: OpenFields = {}): Uint8Array {
  const method = bytesOf(fields.method);
  const context = bytesOf(fields.context);
  const payload = bytesOf(fields.payload);
  if (method.length > 0xffff) throw new RangeError("method longer than 65535 bytes");
  const tailLen =
    OPEN_METHOD_OFFSET -
    FRAME_HEADER_LEN +
    method.length +
    OPEN_CONTEXT_LEN_SIZE +
    context.length +
    payload.length;
  const { frame, view } = header(FrameKind.Open, streamId, tailLen);
  view.setUint8(OPEN_INTERACTION_OFFSET, fields.interaction ?? InteractionKind.ServerStream);
  view.setUint32(OPEN_CREDIT_OFFSET, fields.initialCredit ?? UNLIMITED_CREDIT, true);
  view.setUint32(OPEN_DEADLINE_OFFSET, fields.deadlineMs ?? 0, true);
  view.setUint16(OPEN_METHOD_LEN_OFFSET, method.length, true);
  frame.set(method, OPEN_METHOD_OFFSET);
  const contextLenAt = OPEN_METHOD_OFFSET + method.length;
  view.setUint32(contextLenAt, context.length, true);
  frame.set(context, contextLenAt + OPEN_CONTEXT_LEN_SIZE);
  frame.set(payload, contextLenAt + OPEN_CONTEXT_LEN_SIZE + context.length);
  return frame;
}

/** Encodes a Data frame. */
export function encodeData(streamId: StreamId, payload: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const bytes = bytesOf(payload);
  const { frame } = header(FrameKind.Data, streamId, bytes.length);
  frame.set(bytes, FRAME_HEADER_LEN);
  return frame;
}

/** Encodes an Error frame with a UTF-8 message. */
export function encodeError(streamId: StreamId, code: number, message: Uint8Array | string = ""): Uint8Array {
  const bytes = bytesOf(message);
  const { frame, view } = header(
    FrameKind.Error,
    streamId,
    ERROR_MESSAGE_OFFSET - FRAME_HEADER_LEN + bytes.length,
  );
  view.setUint32(ERROR_CODE_OFFSET, code, true);
  frame.set(bytes, ERROR_MESSAGE_OFFSET);
  return frame;
}

/** Encodes a Close frame. */
export function encodeClose(streamId: StreamId, reason: number): Uint8Array {
  const { frame, view } = header(FrameKind.Close, streamId, minFrameLen(FrameKind.Close)! - FRAME_HEADER_LEN);
  view.setUint8(REASON_OFFSET, reason);
  return frame;
}

/** Encodes a Cancel frame. */
export function encodeCancel(streamId: StreamId, reason: number): Uint8Array {
  const { frame, view } = header(
    FrameKind.Cancel,
    streamId,
    minFrameLen(FrameKind.Cancel)! - FRAME_HEADER_LEN,
  );
  view.setUint8(REASON_OFFSET, reason);
  return frame;
}

/** Encodes a Credit frame. */
export function encodeCredit(streamId: StreamId, credit: number): Uint8Array {
  const { frame, view } = header(
    FrameKind.Credit,
    streamId,
    minFrameLen(FrameKind.Credit)! - FRAME_HEADER_LEN,
  );
  view.setUint32(CREDIT_OFFSET, credit, true);
  return frame;
}

/** The bytes of `frame` at [start, end), or a RangeError naming the field that runs past the end. */
function slice(frame: Uint8Array, start: number, end: number, field: string): Uint8Array {
  if (end > frame.length) throw new RangeError(`${field} runs past the end of the frame`);
  return frame.slice(start, end);
}

/** Decodes a well-formed frame; throws a RangeError naming what is malformed. Trailing bytes of fixed-size kinds are ignored. */
export function decodeFrame(frame: Uint8Array): Frame {
  if (frame.length < FRAME_HEADER_LEN) throw new RangeError(`frame shorter than ${FRAME_HEADER_LEN} bytes`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const streamId = frame.slice(1, FRAME_HEADER_LEN);
  const kind = frame[0];
  const minLen = minFrameLen(kind);
  if (minLen === undefined) throw new RangeError(`unknown frame kind ${kind}`);
  if (frame.length < minLen) {
    throw new RangeError(`${nameOf(FrameKind, kind)} frame shorter than ${minLen} bytes`);
  }
  switch (kind) {
    case FrameKind.Open: {
      const methodLen = view.getUint16(OPEN_METHOD_LEN_OFFSET, true);
      const method = slice(frame, OPEN_METHOD_OFFSET, OPEN_METHOD_OFFSET + methodLen, "method");
      const contextLenAt = OPEN_METHOD_OFFSET + methodLen;
      const contextAt = contextLenAt + OPEN_CONTEXT_LEN_SIZE;
      if (contextAt > frame.length) throw new RangeError("context length runs past the end of the frame");
      const contextLen = view.getUint32(contextLenAt, true);
      const context = slice(frame, contextAt, contextAt + contextLen, "context");
      return {
        kind: "Open",
        streamId,
        interaction: frame[OPEN_INTERACTION_OFFSET],
        initialCredit: view.getUint32(OPEN_CREDIT_OFFSET, true),
        deadlineMs: view.getUint32(OPEN_DEADLINE_OFFSET, true),
        method,
        context,
        payload: frame.slice(contextAt + contextLen),
      };
    }
    case FrameKind.Data:
      return { kind: "Data", streamId, payload: frame.slice(FRAME_HEADER_LEN) };
    case FrameKind.Error:
      return {
        kind: "Error",
        streamId,
        code: view.getUint32(ERROR_CODE_OFFSET, true),
        message: frame.slice(ERROR_MESSAGE_OFFSET),
      };
    case FrameKind.Close:
      return { kind: "Close", streamId, reason: frame[REASON_OFFSET] };
    case FrameKind.Cancel:
      return { kind: "Cancel", streamId, reason: frame[REASON_OFFSET] };
    default:
      return { kind: "Credit", streamId, credit: view.getUint32(CREDIT_OFFSET, true) };
  }
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Bytes of a hex string (whitespace ignored). */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new RangeError(`not hex: ${hex}`);
  return new Uint8Array(Buffer.from(clean, "hex"));
}

/** A 16-byte stream id whose bytes are `n` as a little-endian u64 followed by 8 zero bytes: handy in tests. */
export function streamIdOf(n: number | bigint): StreamId {
  const id = new Uint8Array(STREAM_ID_LEN);
  new DataView(id.buffer).setBigUint64(0, BigInt(n), true);
  return id;
}
