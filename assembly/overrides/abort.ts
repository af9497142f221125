// Replacements for AssemblyScript's `abort`, `trace` and `seed`, which would otherwise import from
// `env`: the ixt runtime provides nothing outside `ixt`. asconfig.json selects them with
// `"use": ["abort=__ixt_abort", "trace=__ixt_trace", "seed=__ixt_seed"]`.

import { dispatchingStreamId } from "../dispatch";
import { StreamErrorCode } from "../enums";
import { stream_send_error } from "../imports";
import { ABORT_MESSAGE_CAPACITY, STREAM_ID_LEN } from "../layout";

// The message is built here, not on the heap: an abort may come from the allocator itself.
// Globals here are @lazy: abort can run before this file's top-level code has.
// @ts-ignore: decorator
@lazy const messageBuffer = memory.data(ABORT_MESSAGE_CAPACITY);
// @ts-ignore: decorator
@lazy const messageEnd = messageBuffer + ABORT_MESSAGE_CAPACITY;
// @ts-ignore: decorator
@lazy let aborting = false;

// Appends up to the space left, as UTF-8 (at most 3 bytes per UTF-16 unit).
function appendString(at: usize, text: string | null): usize {
  if (text == null) return at;
  const room: usize = (messageEnd - at) / 3;
  const units = min(<usize>text.length, room);
  return at + String.UTF8.encodeUnsafe(changetype<usize>(text), <i32>units, at);
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
 * Called by AssemblyScript on a failed assertion, an out-of-bounds access or `abort()`. Sends
 * `Internal` with "<message> at <file>:<line>" (just the message when there is no file) on the stream
 * being dispatched, then traps: the instance cannot continue, but the caller learns why. The
 * parameters are optional because user code calls this as `abort(message?)`.
 */
// @ts-ignore: decorator
@global
export function __ixt_abort(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  const stream = dispatchingStreamId;
  if (!aborting && stream) {
    aborting = true; // an abort while reporting one must not recurse
    let end = appendString(messageBuffer, message != null ? message : "abort");
    if (fileName != null) {
      end = appendString(end, " at ");
      end = appendString(end, fileName);
      end = appendString(end, ":");
      end = appendDecimal(end, line);
    }
    stream_send_error(stream, STREAM_ID_LEN, StreamErrorCode.Internal, messageBuffer, end - messageBuffer);
  }
  unreachable();
}

/** `trace()` output has nowhere to go: the ixt ABI has no log channel (use the WASI profile). */
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
