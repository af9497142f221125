// ixt-sdk-as: the AssemblyScript guest SDK for the ixt server-stream ABI (docs/ABI.md).
//
// A module imports its API from here and re-exports the ABI exports from "./exports".

import "./overrides/abort";
import "./overrides/runtime";

export * from "./abi/enums";
export { ERROR_MESSAGE_DECODE_MAX, StreamFrame } from "./frames/frame";
export { QUEUED_FRAME_REFUSED, StreamSender, UNLIMITED } from "./sending/sender";
export { errorCodeFor, isSent, refusalMessage } from "./sending/status";
export {
  DEFAULT_QUEUE_BUDGET,
  DEFAULT_STREAM_QUEUE_LIMIT,
  QUEUED_FRAME_OVERHEAD,
  queuedBytesTotal,
  setQueueBudget,
  setStreamQueueLimit,
} from "./sending/frame-queue";
export { Clock, setClock } from "./sending/clock";
export { OpenDecision, ServerStreamHandler } from "./handlers/handler";
export { ServerStreamHandlerFactory, registerMethod, registerServerStreamHandler } from "./handlers/routes";
export { UNLIMITED_CREDIT, STREAM_ID_LEN } from "./abi/layout";
export { ALLOC_MAX, DEFAULT_MAX_FRAME_SIZE, maxFrameSize, setMaxFrameSize } from "./memory/frame-buffers";
export { allocatorGuarded } from "./memory/heap";
export { memoryAvailable } from "./memory/gc";
export { OUT_OF_MEMORY_MESSAGE } from "./call/fatal";
export { OPEN_HEADROOM } from "./dispatch/admission";
export { RETRIES_PER_CALL } from "./dispatch/retry";
export { TRAPPED_MESSAGE } from "./dispatch/recovery";
export {
  DEFAULT_MAX_LIVE_STREAMS,
  liveStreamCount,
  maxLiveStreams,
  setMaxLiveStreams,
} from "./streams/stream-table";
export { LOG_ENABLED, LogLevel, log } from "./frames/log";
export { decodeUtf8, utf8Equals, completeUtf8Len } from "./text/utf8";
export { Utf8StreamDecoder } from "./text/utf8-stream";
export { REPLACEMENT_UTF8_LEN, validUtf8Len, writeValidUtf8 } from "./text/utf8-valid";
export { DEFAULT_MAX_LINE_BYTES, LineError, LineSplitter } from "./text/lines";
export {
  Decimal,
  DecimalError,
  SignedDecimal,
  parseDecimal,
  parseDecimalText,
  parseSignedDecimal,
  parseSignedDecimalText,
} from "./text/decimal";
export { ProducerHandler } from "./handlers/producer";
export { findByte } from "./text/find-byte";
export { BYTE_BUFFER_FAILED, BYTE_BUFFER_MAX_LENGTH, ByteBuffer } from "./sending/bytes";
export { DEFAULT_MAX_DEPTH, JsonError, JsonReader, JsonToken, JsonWriter, jsonErrorMessage } from "./json";
