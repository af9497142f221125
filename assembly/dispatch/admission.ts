// Opening a stream (docs/ABI.md, "Dispatcher results" rules 5 and 6, and "Stream lifecycle"): which Opens
// are refused before any handler code runs, and the memory an Open must be able to get.

import { InteractionKind, StreamErrorCode } from "../abi/enums";
import { StreamFrame } from "../frames/frame";
import { canAllocateCollecting } from "../memory/gc";
import { LiveStream } from "../streams/live-stream";
import { DEBUG_GUARDS } from "../call/guards";
import { log } from "../frames/log";
import { ServerStreamHandlerFactory, factoryFor } from "../handlers/routes";
import {
  liveStreamCount,
  lookupStreamAddress,
  maxLiveStreams,
  tableGrowthBytes,
  trackStream,
} from "../streams/stream-table";

/**
 * Memory an Open must be able to get before its handler is created: the stream, a handler and what its
 * `onOpen` allocates. An Open that cannot get it (after a collection) is answered `ResourceExhausted`.
 */
export const OPEN_HEADROOM: usize = 16 << 10;

/**
 * The factory for the Open `frame` when it passes the dispatcher's checks (rule 5: the interaction is
 * ServerStream; rule 6: a handler is registered for its method), else null: the Open is then answered
 * Unimplemented, and the call runs nothing more.
 */
export function admittedFactory(frame: StreamFrame): ServerStreamHandlerFactory | null {
  if (frame.interactionKind != InteractionKind.ServerStream) return null;
  return factoryFor(frame);
}

/**
 * Opens the stream of the Open `frame` (id `lo`/`hi`) with `factory`'s handler, unless its id is in the
 * table (ProtocolViolation), the table is full or memory is short (ResourceExhausted). Returns 0 when
 * `onOpen` accepted it, otherwise the code the dispatcher answers.
 */
export function openStream(frame: StreamFrame, lo: u64, hi: u64, factory: ServerStreamHandlerFactory): u32 {
  // A second Open for an id in the table is refused and leaves that stream as it was.
  if (lookupStreamAddress(lo, hi)) return StreamErrorCode.ProtocolViolation;
  if (liveStreamCount() >= maxLiveStreams()) return StreamErrorCode.ResourceExhausted;
  if (!canAllocateCollecting(OPEN_HEADROOM + tableGrowthBytes())) return StreamErrorCode.ResourceExhausted;
  const stream = new LiveStream(frame.streamIdPtr, factory(), frame.initialCredit, frame.deadlineMs);
  // In the table before onOpen runs, so the handler can already send on it.
  trackStream(stream);
  const sender = stream.sender;
  const decision = stream.handler.onOpen(sender, frame);
  if (decision.accepted) return 0;
  sender.terminate();
  if (DEBUG_GUARDS && decision.reason.length) {
    log.info("Open rejected with code " + decision.code.toString() + ": " + decision.reason);
  }
  return decision.code;
}
