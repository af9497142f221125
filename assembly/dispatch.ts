// The exported dispatcher: one inbound frame per call (docs/ABI.md, "Dispatcher results").

import { FrameKind, InteractionKind, StreamErrorCode } from "./enums";
import { StreamFrame } from "./frame";
import { registeredFactory } from "./handler";
import { LiveStream, findStream, liveStreamCount, maxLiveStreams, trackStream } from "./streams";

// One view in static memory, re-pointed at each frame: reading a frame allocates nothing, and being
// unmanaged, the view costs the shadow stack nothing either.
const frame = changetype<StreamFrame>(memory.data(offsetof<StreamFrame>()));

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
  const result = frame.kind == FrameKind.Data ? dispatchData(frame) : dispatch(frame);
  dispatchingStreamId = 0;
  return result;
}

// The hot path, one lookup and one call, apart from the other kinds so its shadow-stack frame stays small.
function dispatchData(frame: StreamFrame): u32 {
  const stream = findStream(frame.streamIdPtr);
  if (!stream || !stream.takesInput) return StreamErrorCode.NotFound;
  stream.handler.onData(stream, frame);
  return 0;
}

function dispatch(frame: StreamFrame): u32 {
  const kind = frame.kind;
  if (kind == FrameKind.Open) return open(frame);
  const stream = findStream(frame.streamIdPtr);
  // Not in the table: Error is NotFound; Close, Cancel and Credit raced with the module's own close.
  if (!stream) return kind == FrameKind.Error ? StreamErrorCode.NotFound : 0;
  switch (kind) {
    case FrameKind.Close: {
      if (!stream.takesInput) break;
      stream.inputOpen = false;
      stream.handler.onClose(stream, frame.closeReason);
      break;
    }
    case FrameKind.Cancel:
    case FrameKind.Error: {
      // The handler hears of it unless the module had already closed or errored the stream.
      const wasOpen = !stream.isClosed;
      stream.terminate();
      if (!wasOpen) break;
      if (kind == FrameKind.Cancel) stream.handler.onCancel(stream, frame.cancelReason);
      else stream.handler.onError(stream, frame.errorCode, frame.messageText());
      break;
    }
    case FrameKind.Credit: {
      stream.receiveCredit(frame.credit);
      if (!stream.isClosed && stream.queuedFrames == 0) stream.handler.onWritable(stream);
      break;
    }
  }
  return 0;
}

function open(frame: StreamFrame): u32 {
  if (frame.interactionKind != InteractionKind.ServerStream) return StreamErrorCode.Unimplemented;
  const factory = registeredFactory();
  if (!factory) return StreamErrorCode.Unimplemented;
  // A second Open for an id in the table is refused and leaves that stream as it was.
  if (findStream(frame.streamIdPtr)) return StreamErrorCode.ProtocolViolation;
  if (liveStreamCount() >= maxLiveStreams()) return StreamErrorCode.ResourceExhausted;
  const stream = new LiveStream(frame.streamIdPtr, factory(), frame.initialCredit, frame.deadlineMs);
  // In the table before onOpen runs, so the handler can already send on it.
  trackStream(stream);
  const decision = stream.handler.onOpen(stream, frame);
  if (decision.accepted) return 0;
  stream.terminate();
  return decision.code;
}
