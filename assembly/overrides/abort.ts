// Replacements for AssemblyScript's `abort`, `trace` and `seed`, which would otherwise import from
// `env`: the ixt runtime provides nothing outside `ixt`. The preset selects them with
// `"use": ["abort=__ixt_abort", "trace=__ixt_trace", "seed=__ixt_seed"]`.

import { abortReported, markAbortReported, runningStreamId } from "../call";
import { StreamErrorCode } from "../enums";
import { stream_send_error } from "../imports";
import { ABORT_MESSAGE_CAPACITY, STREAM_ID_LEN } from "../layout";

// The message is built here, not on the heap: an abort may come from the allocator itself, or with the
// wasm stack nearly exhausted, so this path neither allocates nor recurses.
// Globals here are @lazy: abort can run before this file's top-level code has.
// @ts-ignore: decorator
@lazy const messageBuffer = memory.data(ABORT_MESSAGE_CAPACITY);
// @ts-ignore: decorator
@lazy const messageEnd = messageBuffer + <usize>ABORT_MESSAGE_CAPACITY;

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

function appendDecimal(at: usize, value: u32): usize {
  let digits: usize = 1;
  for (let rest = value; rest >= 10; rest /= 10) digits++;
  if (at + digits > messageEnd) return at;
  for (let i = digits; i > 0; i--) {
    store<u8>(at + i - 1, 0x30 + (value % 10));
    value /= 10;
  }
  return at + digits;
}

/**
 * Sends `Internal` on the stream whose id is at `idPtr` with "<message> at <file>:<line>" (just the
 * message without a file), UTF-8, cut at `ABORT_MESSAGE_CAPACITY` (512) bytes on a character boundary.
 * Allocates nothing. The host's answer is ignored: the stream is failing either way.
 */
export function reportInternalError(
  idPtr: usize,
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
  stream_send_error(idPtr, STREAM_ID_LEN, StreamErrorCode.Internal, messageBuffer, end - messageBuffer);
}

/**
 * Called by AssemblyScript on a failed assertion, an out-of-bounds access or `abort()`. Sends
 * `Internal` with "<message> at <file>:<line>" on the stream whose code is running (once per call: an
 * abort while reporting one does not report again), then traps: the call cannot continue, but the caller
 * learns why. If the host calls the module again, that stream is finished and the others carry on
 * (docs/ABI.md, "When the guest traps"). The parameters are optional because user code calls this as
 * `abort(message?)`.
 */
// @ts-ignore: decorator
@global
export function __ixt_abort(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  const stream = runningStreamId();
  if (stream && !abortReported()) {
    markAbortReported(); // first: a second abort while sending this one skips straight to the trap
    reportInternalError(stream, message != null ? message : "abort", fileName, line);
  }
  unreachable();
}

/** `trace()` output has nowhere to go: the ixt ABI has no log channel (use `log` or the WASI profile). */
// @ts-ignore: decorator
@global
export function __ixt_trace(
  message: string,
  n: i32 = 0,
  a0: f64 = 0,
  a1: f64 = 0,
  a2: f64 = 0,
  a3: f64 = 0,
  a4: f64 = 0,
): void {}

/** `Math.random` needs a seed and the ixt ABI has no entropy source: fail loudly, not predictably. */
// @ts-ignore: decorator
@global
export function __ixt_seed(): f64 {
  abort("Math.random has no entropy source under the ixt ABI; use the WASI profile");
  return 0;
}
