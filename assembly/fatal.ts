// Errors sent without allocating, for the paths that cannot allocate: an abort (which may come from the
// allocator itself, or with the wasm stack nearly exhausted), an allocation the host's memory cap refuses,
// and the recovery after a trap (docs/ABI.md, "When the guest traps" and "Memory").
//
// The message is built in static memory, UTF-8, cut at ABORT_MESSAGE_CAPACITY bytes on a character
// boundary; nothing here allocates or recurses.

import {
  failureReported,
  markFailureReported,
  runningStreamHi,
  runningStreamKnown,
  runningStreamLo,
} from "./call";
import { StreamErrorCode } from "./enums";
import { stream_send_error } from "./imports";
import { ABORT_MESSAGE_CAPACITY, STREAM_ID_LEN } from "./layout";

// Globals here are @lazy: an abort can run before this file's top-level code has.
// @ts-ignore: decorator
@lazy const messageBuffer = memory.data(ABORT_MESSAGE_CAPACITY);
// @ts-ignore: decorator
@lazy const messageEnd = messageBuffer + <usize>ABORT_MESSAGE_CAPACITY;
// @ts-ignore: decorator
@lazy const idBuffer = memory.data(<i32>STREAM_ID_LEN);

// Appends `text` as UTF-8 up to the buffer's end, never splitting a character (a lone surrogate is
// written as U+FFFD). Counts how many UTF-16 units fit, then lets the standard library's encoder (which
// allocates nothing) write them. Returns the new end.
function appendString(at: usize, text: string): usize {
  const units = changetype<usize>(text);
  const count = text.length;
  let room = messageEnd - at;
  let fit = 0;
  while (fit < count) {
    const c = <u32>load<u16>(units + ((<usize>fit) << 1));
    let size: usize = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    let step = 1;
    if (
      (c & 0xfc00) == 0xd800 &&
      fit + 1 < count &&
      ((<u32>load<u16>(units + ((<usize>(fit + 1)) << 1))) & 0xfc00) == 0xdc00
    ) {
      size = 4; // a surrogate pair
      step = 2;
    }
    if (size > room) break;
    room -= size;
    fit += step;
  }
  return at + String.UTF8.encodeUnsafe(units, fit, at, false, String.UTF8.ErrorMode.REPLACE);
}

// Appends `value` in decimal if all of its digits fit. Returns the new end.
function appendDecimal(at: usize, value: u64): usize {
  let digits: usize = 1;
  for (let rest = value; rest >= 10; rest /= 10) digits++;
  if (at + digits > messageEnd) return at;
  for (let i = digits; i > 0; i--) {
    store<u8>(at + i - 1, <u8>(0x30 + (value % 10)));
    value /= 10;
  }
  return at + digits;
}

/**
 * Sends `Error(code, "<message> at <file>:<line>")` (just the message without a file) on the stream whose
 * id is at `idPtr`. Allocates nothing. The host's answer is ignored: the stream is failing either way.
 */
export function sendStaticError(
  idPtr: usize,
  code: StreamErrorCode,
  message: string,
  fileName: string | null = null,
  line: u32 = 0,
): void {
  let end = appendString(messageBuffer, message);
  if (fileName != null) {
    end = appendString(end, " at ");
    end = appendString(end, fileName);
    end = appendString(end, ":");
    end = appendDecimal(end, line);
  }
  stream_send_error(idPtr, STREAM_ID_LEN, code, messageBuffer, end - messageBuffer);
}

// Claims the one failure report a call may send for its running stream: false outside a call, or when
// this call already sent one (an abort while reporting skips straight to the trap). Copies the id to
// static memory.
function claimRunningStream(): bool {
  if (!runningStreamKnown() || failureReported()) return false;
  markFailureReported(); // first: a second failure while sending this one sends nothing
  store<u64>(idBuffer, runningStreamLo());
  store<u64>(idBuffer, runningStreamHi(), 8);
  return true;
}

/**
 * Fails the stream whose code is running with `Internal` and "<message> at <file>:<line>", once per call.
 * The abort override calls this before it traps.
 */
export function failRunningStream(message: string, fileName: string | null, line: u32): void {
  if (claimRunningStream()) sendStaticError(idBuffer, StreamErrorCode.Internal, message, fileName, line);
}

/** The message an author's allocation that cannot be had fails its stream with: "…" + size + " bytes". */
export const OUT_OF_MEMORY_MESSAGE = "out of memory: could not allocate ";

/**
 * Fails the stream whose code is running with `ResourceExhausted` and "out of memory: could not allocate
 * <size> bytes", once per call, then traps: the allocation cannot be had and the code that asked for it
 * cannot go on. The next call recovers the instance (docs/ABI.md, "When the guest traps").
 */
export function outOfMemory(size: usize): void {
  if (claimRunningStream()) {
    let end = appendString(messageBuffer, OUT_OF_MEMORY_MESSAGE);
    end = appendDecimal(end, <u64>size);
    end = appendString(end, " bytes");
    stream_send_error(
      idBuffer,
      STREAM_ID_LEN,
      StreamErrorCode.ResourceExhausted,
      messageBuffer,
      end - messageBuffer,
    );
  }
  unreachable();
}
