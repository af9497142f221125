// Byte offsets and minimum lengths of frames (docs/ABI.md, "Frames"). Every other file reads
// frame fields through these names; no offset is written as a bare number elsewhere.

import { FrameKind } from "./enums";

/** Length of a stream id, in bytes. */
export const STREAM_ID_LEN: usize = 16;
/** Offset of the stream id. */
export const STREAM_ID_OFFSET: usize = 1;
/** Length of the header every frame starts with: kind (1) + stream id (16). */
export const FRAME_HEADER_LEN: usize = 17;

/** Open: u8 interaction kind. */
export const OPEN_INTERACTION_OFFSET: usize = 17;
/** Open: u32 initial credit in bytes. */
export const OPEN_CREDIT_OFFSET: usize = 18;
/** Open: u32 deadline in ms from now. */
export const OPEN_DEADLINE_OFFSET: usize = 22;
/** Open: u16 method length M; the method follows. */
export const OPEN_METHOD_LEN_OFFSET: usize = 26;
/** Open: offset of the method's first byte. */
export const OPEN_METHOD_OFFSET: usize = 28;
/** Open: size of the u32 context length that follows the method. */
export const OPEN_CONTEXT_LEN_SIZE: usize = sizeof<u32>();
/** Open: minimum length (M = 0, C = 0, no payload). */
export const OPEN_MIN_LEN: usize = OPEN_METHOD_OFFSET + OPEN_CONTEXT_LEN_SIZE;

/** Error: u32 code; the UTF-8 message follows to the end of the frame. */
export const ERROR_CODE_OFFSET: usize = 17;
/** Error: offset of the message. */
export const ERROR_MESSAGE_OFFSET: usize = 21;

/** Close: u8 reason; Cancel: u8 reason. */
export const REASON_OFFSET: usize = 17;
/** Credit: u32 additional bytes. */
export const CREDIT_OFFSET: usize = 17;

/** `Open.initialCredit` value meaning "no limit". */
export const UNLIMITED_CREDIT: u32 = 0xffffffff;

/** Minimum frame length of a kind; 0 for a value that is not a `FrameKind`. */
export function minFrameLen(kind: u32): usize {
  switch (kind) {
    case FrameKind.Open:
      return OPEN_MIN_LEN;
    case FrameKind.Data:
      return FRAME_HEADER_LEN;
    case FrameKind.Error:
      return ERROR_MESSAGE_OFFSET;
    case FrameKind.Close:
    case FrameKind.Cancel:
      return REASON_OFFSET + sizeof<u8>();
    case FrameKind.Credit:
      return CREDIT_OFFSET + sizeof<u32>();
  }
  return 0;
}

/** Bytes reserved for the message the abort override sends (longer messages are cut). */
export const ABORT_MESSAGE_CAPACITY: i32 = 512;
