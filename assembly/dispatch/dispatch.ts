// dispatch/ (layer 7 of 7, "dispatch", in assembly/layers.json): which Opens are admitted, retries, recovery
// after a trap or a stop, the lost instance, the dispatcher. Its files import only from this layer and the
// ones below.
//
// The exported dispatcher: one inbound frame per call (docs/ABI.md, "Dispatcher results" and "Stream
// lifecycle"). Retries (retry.ts), trap recovery (recovery.ts) and the lost instance's answer (lost.ts) run
// from here, between frames.
//
// The Data branch is the hot path. It holds no managed value but the two it passes to `onData` (the
// incremental runtime puts every managed call operand on its shadow stack), and everything else is out of
// line, so a Data frame costs one small shadow-stack frame.

import { admittedFactory, openStream } from "./admission";
import { blockedStreamCount } from "../streams/blocked-list";
import {
  beginCall,
  callActive,
  callSerial,
  endCall,
  frameTaken,
  handedOutFrame,
  restoreStackPointer,
  saveStackPointer,
} from "../call/call";
import { FrameKind, StreamErrorCode } from "../abi/enums";
import { ERROR_MESSAGE_DECODE_MAX, StreamFrame } from "../frames/frame";
import { canAllocate } from "../memory/heap";
import { FRAME_HEADER_LEN, STREAM_ID_OFFSET } from "../abi/layout";
import { LiveStream } from "../streams/live-stream";
import { DEBUG_GUARDS } from "../call/guards";
import { LOST_CODE, answerLost } from "./lost";
import { recoverFromTrap, recoverUndispatched } from "./recovery";
import { retryBlocked } from "./retry";
import { sectionsState, sectionsUnsafe } from "../call/sections";
import { lookupStream, lookupStreamAddress } from "../streams/stream-table";

// The views in static memory that frames are read through, re-pointed at each frame: reading a frame
// allocates nothing, and being unmanaged, a view costs the garbage collector nothing either. A release
// build has one. A debug build hands out a different one in each of DEBUG_VIEWS calls in a row, so that a
// view kept past its callback is a different object from the next call's and its accessors can tell
// (frame.ts: checkLive).
// @ts-ignore: decorator
@inline const DEBUG_VIEWS: usize = 64;
// @ts-ignore: decorator
@inline const VIEW_SIZE: usize = offsetof<StreamFrame>();
const views = memory.data(<i32>(DEBUG_GUARDS ? VIEW_SIZE * DEBUG_VIEWS : VIEW_SIZE));

// The view this call reads its frame through (call it after beginCall).
// @ts-ignore: decorator
@inline
function callView(): StreamFrame {
  if (!DEBUG_GUARDS) return changetype<StreamFrame>(views);
  return changetype<StreamFrame>(views + (<usize>callSerial() % DEBUG_VIEWS) * VIEW_SIZE);
}

/**
 * Handles one inbound frame at `ptr` (`len` bytes). Returns 0 when the frame was handled (for Open:
 * accepted), otherwise a `StreamErrorCode`. Exported to the runtime; see docs/ABI.md.
 */
export function ixt_module_handle_server_stream(ptr: usize, len: usize): u32 {
  // No managed value in this function, so it has no shadow-stack frame: it can put the stack pointer back
  // (after a trap) before any frame checks it for overflow. One test on the hot path: the instance is
  // whole, no call was cut short (the state word holds both), and this is the buffer ixt_alloc handed out.
  if ((sectionsState() | (handedOutFrame() ^ ptr)) != 0) {
    if (!startAfterStop(ptr)) return LOST_CODE;
  } else {
    saveStackPointer();
  }
  if (len < FRAME_HEADER_LEN) {
    frameTaken(); // beginCall takes it otherwise
    return StreamErrorCode.ProtocolViolation;
  }
  return handleFrame(ptr, len);
}

// The start of a call that finds the instance lost (answers it, returns false), a call that trapped or was
// stopped (recovers it), or a frame handed out earlier that never reached the dispatcher (fails its stream).
// No managed value here either: the stack pointer is put back before anything checks it.
function startAfterStop(ptr: usize): bool {
  if (sectionsUnsafe()) {
    answerLost(); // a call was stopped inside a section: the instance is lost (lost.ts)
    return false;
  }
  if (callActive()) {
    restoreStackPointer();
    recoverFromTrap(ptr);
  } else {
    saveStackPointer();
  }
  const handed = handedOutFrame();
  if (handed != ptr && handed) recoverUndispatched(); // an earlier frame never reached the dispatcher
  return true;
}

// Not `@inline`: asc would then give the export this function's shadow-stack frame, whose overflow check
// runs before the export can put the stack pointer back after a trap. Binaryen inlines it after the shadow
// stack is laid out, as long as the export itself stays small (the cold paths are in `startAfterStop`).
// A frame of at least FRAME_HEADER_LEN bytes.
function handleFrame(ptr: usize, len: usize): u32 {
  const lo = load<u64>(ptr, STREAM_ID_OFFSET);
  const hi = load<u64>(ptr, STREAM_ID_OFFSET + 8);
  beginCall(ptr, lo, hi);
  let result: u32 = 0;
  if (load<u8>(ptr) == FrameKind.Data) {
    // The hot path: Data needs no check beyond the header, then one lookup and one call.
    const stream = lookupStreamAddress(lo, hi);
    if (stream != 0 && LiveStream.takesInputAt(stream)) {
      const frame = callView();
      frame.setData(ptr, len);
      LiveStream.deliverDataAt(stream, frame);
    } else {
      result = StreamErrorCode.NotFound;
    }
  } else {
    const outcome = dispatchOther(ptr, len, lo, hi);
    result = <u32>outcome;
    if (outcome & REFUSED_BY_CHECK) {
      endCall(); // a frame the dispatcher's checks refuse runs no code and sends nothing, retries included
      return result;
    }
  }
  if (blockedStreamCount()) retryBlocked();
  endCall();
  return result;
}

// Marks a result of `dispatchOther` that a dispatcher check (rules 1 to 6) refused: above the 32 bits of
// the code, so no code a handler rejects with can be taken for it.
// @ts-ignore: decorator
@inline const REFUSED_BY_CHECK: u64 = 1 << 32;

// Every kind but Data: the checks (rules 1 to 6 of docs/ABI.md), then Open or the stream's frame. Out of
// line, so that its managed locals cost the Data path nothing. The low 32 bits are the code.
function dispatchOther(ptr: usize, len: usize, lo: u64, hi: u64): u64 {
  const frame = callView();
  const refused = frame.parse(ptr, len);
  if (refused) return (<u64>refused) | REFUSED_BY_CHECK;
  if (frame.kind != FrameKind.Open) return dispatchToStream(frame, lo, hi);
  const factory = admittedFactory(frame);
  if (!factory) return (<u64>StreamErrorCode.Unimplemented) | REFUSED_BY_CHECK;
  return openStream(frame, lo, hi, factory);
}

// Error, Close, Cancel and Credit, once `frame.parse` has passed them.
function dispatchToStream(frame: StreamFrame, lo: u64, hi: u64): u32 {
  const kind = frame.kind;
  const entry = lookupStream(lo, hi);
  // Not in the table: Error is NotFound; Close, Cancel and Credit raced with the module's own close.
  if (!entry) return kind == FrameKind.Error ? StreamErrorCode.NotFound : 0;
  const stream = changetype<LiveStream>(entry); // every entry is a LiveStream
  const sender = stream.sender;
  switch (kind) {
    case FrameKind.Close: {
      if (!stream.takesInput) break;
      stream.endInput();
      stream.handler.onClose(sender, frame.closeReason);
      break;
    }
    case FrameKind.Cancel:
    case FrameKind.Error: {
      // The handler hears of it unless the module had already closed or errored the stream.
      const wasOpen = !sender.isClosed;
      sender.terminate();
      if (!wasOpen) break;
      if (kind == FrameKind.Cancel) stream.handler.onCancel(sender, frame.cancelReason);
      else stream.handler.onError(sender, frame.errorCode, errorMessage(frame));
      break;
    }
    case FrameKind.Credit: {
      sender.receiveCredit(frame.credit);
      if (sender.writable > 0) stream.handler.onWritable(sender);
      break;
    }
  }
  return 0;
}

// The bounded prefix of an Error frame's message, or "" when even that cannot be had.
function errorMessage(frame: StreamFrame): string {
  return canAllocate(ERROR_MESSAGE_DECODE_MAX << 1) ? frame.messagePrefixText(ERROR_MESSAGE_DECODE_MAX) : "";
}
