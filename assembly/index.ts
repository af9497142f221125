// ixt-sdk-as: the AssemblyScript guest SDK for the ixt server-stream ABI (docs/ABI.md).
//
// A module imports its API from here and re-exports the ABI exports from "./exports".

import "./overrides/abort";

export * from "./enums";
export { StreamFrame } from "./frame";
export {
  Clock,
  DEFAULT_STREAM_QUEUE_LIMIT,
  StreamSender,
  UNLIMITED,
  setClock,
  setStreamQueueLimit,
} from "./sender";
export {
  OpenDecision,
  ServerStreamHandler,
  ServerStreamHandlerFactory,
  registerServerStreamHandler,
} from "./handler";
export { UNLIMITED_CREDIT, STREAM_ID_LEN } from "./layout";
export { ALLOC_MAX } from "./memory";
export { DEFAULT_MAX_LIVE_STREAMS, liveStreamCount, maxLiveStreams, setMaxLiveStreams } from "./streams";
