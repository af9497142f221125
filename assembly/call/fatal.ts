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
import { StreamErrorCode } from "../abi/enums";
import { stream_send_error } from "../abi/imports";
import { ABORT_MESSAGE_CAPACITY, STREAM_ID_LEN } from "../abi/layout";
import { runtimeConsistent } from "./sections";

// Globals here are @lazy: an abort can run before this file's top-level code has.
// @ts-ignore: decorator
@lazy const messageBuffer = memory.data(ABORT_MESSAGE_CAPACITY);
// @ts-ignore: decorator
@lazy const messageEnd = messageBuffer + <usize>ABORT_MESSAGE_CAPACITY;
// @ts-ignore: decorator
@lazy const idBuffer = memory.data(<i32>STREAM_ID_LEN);

// Every function here takes strings as addresses: a managed operand would put this path on the shadow
// stack, and the shadow stack is what has run out when the runtime aborts with "stack overflow". So this
// path has no shadow-stack frame at all, and cannot recurse into its own overflow check.

// The length in UTF-16 units of the string at `text` (its runtime header's size, in bytes, halved).
// @ts-ignore: decorator
@inline
function unitsOf(text: usize): i32 {
  return <i32>(load<u32>(text - sizeof<u32>()) >>> 1);
}

// Appends the string at `text` as UTF-8 up to the buffer's end, never splitting a character (a lone
// surrogate is written as U+FFFD). Counts how many UTF-16 units fit, then lets the standard library's
// encoder (which allocates nothing) write them. Returns the new end.
function appendString(at: usize, text: usize): usize {
  const count = unitsOf(text);
  let room = messageEnd - at;
  let fit = 0;
  while (fit < count) {
    const c = <u32>load<u16>(text + ((<usize>fit) << 1));
    let size: usize = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    let step = 1;
    if (
      (c & 0xfc00) == 0xd800 &&
      fit + 1 < count &&
      ((<u32>load<u16>(text + ((<usize>(fit + 1)) << 1))) & 0xfc00) == 0xdc00
    ) {
      size = 4; // a surrogate pair
      step = 2;
    }
    if (size > room) break;
    room -= size;
    fit += step;
  }
  return at + String.UTF8.encodeUnsafe(text, fit, at, false, String.UTF8.ErrorMode.REPLACE);
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

// Sends Error(code, "<message> at <file>:<line>") (just the message when `fileName` is 0) on the stream
// whose id is at `idPtr`; `message` and `fileName` are string addresses.
function sendError(idPtr: usize, code: u32, message: usize, fileName: usize, line: u32): void {
  let end = appendString(messageBuffer, message);
  if (fileName) {
    end = appendString(end, changetype<usize>(" at "));
    end = appendString(end, fileName);
    end = appendString(end, changetype<usize>(":"));
    end = appendDecimal(end, line);
  }
  stream_send_error(idPtr, STREAM_ID_LEN, code, messageBuffer, end - messageBuffer);
}

/**
 * Sends `Error(code, message)` on the stream whose id is at `idPtr`, UTF-8, cut at
 * `ABORT_MESSAGE_CAPACITY` bytes on a character boundary. Allocates nothing. The host's answer is ignored:
 * the stream is failing either way.
 */
export function sendStaticError(idPtr: usize, code: StreamErrorCode, message: string): void {
  sendError(idPtr, code, changetype<usize>(message), 0, 0);
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
 * Fails the stream whose code is running with `Internal` and "<message> at <file>:<line>" (just the
 * message when `fileName` is 0), once per call. `message` and `fileName` are string addresses (see above).
 * The abort override calls this before it traps.
 */
export function failRunningStream(message: usize, fileName: usize, line: u32): void {
  if (claimRunningStream()) sendError(idBuffer, StreamErrorCode.Internal, message, fileName, line);
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
    let end = appendString(messageBuffer, changetype<usize>(OUT_OF_MEMORY_MESSAGE));
    end = appendDecimal(end, <u64>size);
    end = appendString(end, changetype<usize>(" bytes"));
    stream_send_error(
      idBuffer,
      STREAM_ID_LEN,
      StreamErrorCode.ResourceExhausted,
      messageBuffer,
      end - messageBuffer,
    );
  }
  // Nothing of TLSF or the collector changed since the allocation was asked for (a full collection ran to
  // its end): the trap leaves them consistent, so the next call recovers as after any trap.
  runtimeConsistent();
  unreachable();
}
