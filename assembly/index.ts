// ixt-sdk-as: the AssemblyScript guest SDK for the ixt server-stream ABI (docs/ABI.md).
//
// A module imports its API from here and re-exports the ABI exports from "./exports".

import "./overrides/abort";

export * from "./enums";
export { ERROR_MESSAGE_DECODE_MAX, StreamFrame } from "./frame";
export {
  Clock,
  DEFAULT_QUEUE_BUDGET,
  DEFAULT_STREAM_QUEUE_LIMIT,
  QUEUED_FRAME_OVERHEAD,
  QUEUED_FRAME_REFUSED,
  StreamSender,
  UNLIMITED,
  errorCodeFor,
  isSent,
  refusalMessage,
  queuedBytesTotal,
  setClock,
  setQueueBudget,
  setStreamQueueLimit,
} from "./sender";
export { OpenDecision, ServerStreamHandler } from "./handler";
export { ServerStreamHandlerFactory, registerMethod, registerServerStreamHandler } from "./routes";
export { UNLIMITED_CREDIT, STREAM_ID_LEN } from "./layout";
export { ALLOC_MAX, DEFAULT_MAX_FRAME_SIZE, maxFrameSize, setMaxFrameSize } from "./frame-buffers";
export { allocatorGuarded } from "./heap";
export { memoryAvailable } from "./gc";
export { OUT_OF_MEMORY_MESSAGE } from "./fatal";
export { OPEN_HEADROOM } from "./dispatch";
export { DEFAULT_MAX_LIVE_STREAMS, liveStreamCount, maxLiveStreams, setMaxLiveStreams } from "./streams";
export { LOG_ENABLED, LogLevel, log } from "./log";
export { decodeUtf8, utf8Equals, completeUtf8Len } from "./utf8";
