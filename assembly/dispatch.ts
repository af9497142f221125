// The exported dispatcher: one inbound frame per call (docs/ABI.md, "Dispatcher results"), and the work
// that belongs between calls: retrying blocked streams and recovering from a trap.
//
// The Data branch is the hot path. It holds no managed value but the two it passes to `onData` (the
// incremental runtime puts every managed call operand on its shadow stack), and everything else is out of
// line, so a Data frame costs one small shadow-stack frame.

import {
  beginCall,
  callActive,
  callFrame,
  callSerial,
  clearTrappedCall,
  endCall,
  failureReported,
  restoreStackPointer,
  runStreamCode,
  runningStreamHi,
  runningStreamLo,
} from "./call";
import { FrameKind, InteractionKind, StreamErrorCode } from "./enums";
import { sendStaticError } from "./fatal";
import { ERROR_MESSAGE_DECODE_MAX, StreamFrame } from "./frame";
import { isLiveBuffer, ixt_dealloc } from "./frame-buffers";
import { canAllocateCollecting } from "./gc";
import { canAllocate } from "./heap";
import { FRAME_HEADER_LEN, STREAM_ID_OFFSET } from "./layout";
import { factoryFor } from "./routes";
import {
  LiveStream,
  blockedStreamCount,
  firstBlocked,
  liveStreamCount,
  lookupStream,
  lookupStreamAddress,
  maxLiveStreams,
  requeueBlocked,
  streamTakesInput,
  tableGrowthBytes,
  trackStream,
} from "./streams";

/**
 * Memory an Open must be able to get before its handler is created: the stream, a handler and what its
 * `onOpen` allocates. An Open that cannot get it (after a collection) is answered `ResourceExhausted`.
 */
export const OPEN_HEADROOM: usize = 16 << 10;

/** Most blocked streams retried at the end of one dispatcher call (the rest wait for the next call). */
export const RETRIES_PER_CALL: i32 = 16;

// The message sent for a stream whose call trapped without the SDK reporting it first (a stack overflow
// or another engine trap), at the module's next call.
const TRAPPED_MESSAGE = "the module trapped while serving this stream";

// One view in static memory, re-pointed at each frame: reading a frame allocates nothing, and being
// unmanaged, the view costs the garbage collector nothing either.
const frame = changetype<StreamFrame>(memory.data(offsetof<StreamFrame>()));

/**
 * Handles one inbound frame at `ptr` (`len` bytes). Returns 0 when the frame was handled (for Open:
 * accepted), otherwise a `StreamErrorCode`. Exported to the runtime; see docs/ABI.md.
 */
export function ixt_module_handle_server_stream(ptr: usize, len: usize): u32 {
  if (callActive()) {
    restoreStackPointer(); // here, at the point beginCall recorded it: the trapped call's frames are freed
    recoverFromTrap(ptr);
  }
  if (len < FRAME_HEADER_LEN) return StreamErrorCode.ProtocolViolation;
  const lo = load<u64>(ptr, STREAM_ID_OFFSET);
  const hi = load<u64>(ptr, STREAM_ID_OFFSET + 8);
  beginCall(ptr, lo, hi);
  let result: u32 = 0;
  if (load<u8>(ptr) == FrameKind.Data) {
    // The hot path: Data needs no check beyond the header, then one lookup and one call.
    const stream = lookupStreamAddress(lo, hi);
    if (stream != 0 && streamTakesInput(stream)) {
      frame.setData(ptr, len);
      changetype<LiveStream>(stream).handler.onData(changetype<LiveStream>(stream), frame);
    } else {
      result = StreamErrorCode.NotFound;
    }
  } else {
    result = frame.parse(ptr, len);
    if (result) {
      endCall(); // a malformed frame runs no code and sends nothing, retries included
      return result;
    }
    result = dispatch(lo, hi);
    if (result == REFUSED) {
      endCall(); // an Open refused by a dispatcher check (rules 5 and 6) runs nothing either
      return StreamErrorCode.Unimplemented;
    }
  }
  if (blockedStreamCount()) retryBlocked();
  endCall();
  return result;
}

// What `dispatch` answers for an Open refused by a dispatcher check: never a StreamErrorCode on the wire.
// @ts-ignore: decorator
@inline const REFUSED: u32 = 0xffff_ffff;

// Every frame but Data, once `frame.parse` has passed it.
function dispatch(lo: u64, hi: u64): u32 {
  const kind = frame.kind;
  if (kind == FrameKind.Open) return open(lo, hi);
  const stream = lookupStream(lo, hi);
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
      else stream.handler.onError(stream, frame.errorCode, errorMessage());
      break;
    }
    case FrameKind.Credit: {
      stream.receiveCredit(frame.credit);
      if (!stream.isClosed && stream.writable > 0) stream.handler.onWritable(stream);
      break;
    }
  }
  return 0;
}

// The bounded prefix of an Error frame's message, or "" when even that cannot be had.
function errorMessage(): string {
  return canAllocate(ERROR_MESSAGE_DECODE_MAX << 1) ? frame.messagePrefixText(ERROR_MESSAGE_DECODE_MAX) : "";
}

function open(lo: u64, hi: u64): u32 {
  if (frame.interactionKind != InteractionKind.ServerStream) return REFUSED;
  const factory = factoryFor(frame);
  if (!factory) return REFUSED;
  // A second Open for an id in the table is refused and leaves that stream as it was.
  if (lookupStream(lo, hi)) return StreamErrorCode.ProtocolViolation;
  if (liveStreamCount() >= maxLiveStreams()) return StreamErrorCode.ResourceExhausted;
  if (!canAllocateCollecting(OPEN_HEADROOM + tableGrowthBytes())) return StreamErrorCode.ResourceExhausted;
  const stream = new LiveStream(frame.streamIdPtr, factory(), frame.initialCredit, frame.deadlineMs);
  // In the table before onOpen runs, so the handler can already send on it.
  trackStream(stream);
  const decision = stream.handler.onOpen(stream, frame);
  if (decision.accepted) return 0;
  stream.terminate();
  return decision.code;
}

// Retries the streams the host answered WouldBlock before this call, oldest first, at most
// RETRIES_PER_CALL of them. A stream that can take more afterwards hears of it through onWritable.
function retryBlocked(): void {
  const now = callSerial();
  let stream = firstBlocked();
  for (let n = min(blockedStreamCount(), RETRIES_PER_CALL); stream && n > 0; n--) {
    const next = stream.nextBlocked; // read first: the retry may move or unlink this stream
    if (stream.blockedInCall != now) {
      runStreamCode(stream.idLo, stream.idHi); // a failure in its callbacks is reported on this stream
      stream.retry();
      if (stream.isBlocked) requeueBlocked(stream);
      else if (!stream.isClosed && stream.writable > 0) stream.handler.onWritable(stream);
    }
    stream = next;
  }
}

// The previous call trapped: the host is calling again. The stream whose code was running is finished
// (with Internal, unless the SDK already sent its Error), the frame buffer of the trapped call is
// reclaimed unless the host has reused it for this one, and every other stream carries on as it was.
function recoverFromTrap(currentFrame: usize): void {
  const stream = lookupStream(runningStreamLo(), runningStreamHi());
  if (stream) {
    if (!failureReported()) sendStaticError(stream.idPtr, StreamErrorCode.Internal, TRAPPED_MESSAGE);
    stream.terminate();
  }
  const trapped = callFrame();
  if (trapped != currentFrame && isLiveBuffer(trapped)) ixt_dealloc(trapped, 0);
  clearTrappedCall();
}
