// ixt-sdk-as: the AssemblyScript guest SDK for the ixt server-stream ABI (docs/ABI.md).
//
// A module imports its API from here and re-exports the ABI exports from "./exports".

import "./overrides/abort";
import "./overrides/runtime";

export * from "./enums";
export { ERROR_MESSAGE_DECODE_MAX, StreamFrame } from "./frame";
export { QUEUED_FRAME_REFUSED, StreamSender, UNLIMITED } from "./sender";
export { errorCodeFor, isSent, refusalMessage } from "./status";
export {
  DEFAULT_QUEUE_BUDGET,
  DEFAULT_STREAM_QUEUE_LIMIT,
  QUEUED_FRAME_OVERHEAD,
  queuedBytesTotal,
  setQueueBudget,
  setStreamQueueLimit,
} from "./frame-queue";
export { Clock, setClock } from "./clock";
export { OpenDecision, ServerStreamHandler } from "./handler";
export { ServerStreamHandlerFactory, registerMethod, registerServerStreamHandler } from "./routes";
export { UNLIMITED_CREDIT, STREAM_ID_LEN } from "./layout";
export { ALLOC_MAX, DEFAULT_MAX_FRAME_SIZE, maxFrameSize, setMaxFrameSize } from "./frame-buffers";
export { allocatorGuarded } from "./heap";
export { memoryAvailable } from "./gc";
export { OUT_OF_MEMORY_MESSAGE } from "./fatal";
export { OPEN_HEADROOM } from "./admission";
export { RETRIES_PER_CALL } from "./retry";
export { TRAPPED_MESSAGE } from "./recovery";
export { DEFAULT_MAX_LIVE_STREAMS, liveStreamCount, maxLiveStreams, setMaxLiveStreams } from "./stream-table";
export { LOG_ENABLED, LogLevel, log } from "./log";
export { decodeUtf8, utf8Equals, completeUtf8Len } from "./utf8";
export { Utf8StreamDecoder } from "./utf8-stream";
export { REPLACEMENT_UTF8_LEN, validUtf8Len, writeValidUtf8 } from "./utf8-valid";
export { DEFAULT_MAX_LINE_BYTES, LineError, LineSplitter } from "./lines";
export {
  Decimal,
  DecimalError,
  SignedDecimal,
  parseDecimal,
  parseDecimalText,
  parseSignedDecimal,
  parseSignedDecimalText,
} from "./decimal";
export { ProducerHandler } from "./producer";
export { findByte } from "./find-byte";
export { BYTE_BUFFER_FAILED, BYTE_BUFFER_MAX_LENGTH, ByteBuffer } from "./bytes";
export { DEFAULT_MAX_DEPTH, JsonError, JsonReader, JsonToken, JsonWriter, jsonErrorMessage } from "./json";
