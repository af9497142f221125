// The exported dispatcher: one inbound frame per call (docs/ABI.md, "Dispatcher results").

import { FrameKind, InteractionKind, StreamErrorCode } from "./enums";
import { StreamFrame } from "./frame";
import { registeredFactory } from "./handler";
import {
  LiveStream,
  findStream,
  liveStreamCount,
  maxLiveStreams,
  trackStream,
  untrackStream,
} from "./streams";

// One view, re-pointed at each frame: reading a frame allocates nothing.
const frame = new StreamFrame();

/** Address of the stream id of the frame being dispatched, 0 between calls (read by overrides/abort.ts). */
// @ts-ignore: decorator
@lazy export let dispatchingStreamId: usize = 0;

/**
 * Handles one inbound frame at `ptr` (`len` bytes). Returns 0 when the frame was handled (for Open:
 * accepted), otherwise a `StreamErrorCode`. Exported to the runtime; see docs/ABI.md.
 */
export function ixt_module_handle_server_stream(ptr: usize, len: usize): u32 {
  const malformed = frame.parse(ptr, len);
  if (malformed) return malformed;
  dispatchingStreamId = frame.streamIdPtr;
  const result = dispatch(frame);
  dispatchingStreamId = 0;
  return result;
}

function dispatch(frame: StreamFrame): u32 {
  const kind = frame.kind;
  if (kind == FrameKind.Data) {
    // The hot path: one lookup, one call.
    const stream = findStream(frame.streamIdPtr);
    if (!stream) return StreamErrorCode.NotFound;
    stream.handler.onData(stream, frame);
    return 0;
  }
  if (kind == FrameKind.Open) return open(frame);
  const stream = findStream(frame.streamIdPtr);
  switch (kind) {
    case FrameKind.Error: {
      if (!stream) return StreamErrorCode.NotFound;
      stream.terminate();
      stream.handler.onError(stream, frame.errorCode, frame.messageText());
      break;
    }
    case FrameKind.Close: {
      // Not live: it raced with the module's own close. The module may still send after it.
      if (!stream) return 0;
      untrackStream(stream);
      stream.handler.onClose(stream, frame.closeReason);
      break;
    }
    case FrameKind.Cancel: {
      if (!stream) return 0;
      stream.terminate();
      stream.handler.onCancel(stream, frame.cancelReason);
      break;
    }
    // Credit: accepted and ignored until flow control lands.
  }
  return 0;
}

function open(frame: StreamFrame): u32 {
  if (frame.interactionKind != InteractionKind.ServerStream) return StreamErrorCode.Unimplemented;
  const factory = registeredFactory();
  if (!factory) return StreamErrorCode.Unimplemented;
  // A second Open for a live id is refused and leaves the live stream as it was.
  if (findStream(frame.streamIdPtr)) return StreamErrorCode.ProtocolViolation;
  if (liveStreamCount() >= maxLiveStreams()) return StreamErrorCode.ResourceExhausted;
  const stream = new LiveStream(frame.streamIdPtr, factory());
  // Live before onOpen runs, so the handler can already send on it.
  trackStream(stream);
  const decision = stream.handler.onOpen(stream, frame);
  if (decision.accepted) return 0;
  stream.terminate();
  return decision.code;
}
