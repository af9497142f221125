// What a send's status means (docs/ABI.md, "Host refusals"): the SDK's reading of a host status, and the
// code a stream is failed with after a send that was not accepted.

import { HostStatus, SendStatus, StreamErrorCode } from "../abi/enums";

/** True for a send result that means the frame was accepted: `Ok` (sent) or `Queued` (it will go out). */
// @ts-ignore: decorator
@inline
export function isSent(status: i32): bool {
  return status == HostStatus.Ok || status == SendStatus.Queued;
}

/**
 * The `StreamErrorCode` to fail a stream with after a send returned `status`: `ResourceExhausted` for
 * `QueueFull` and `NoMemory`, `PayloadTooLarge` for the host's `PayloadTooLarge`, otherwise `Internal`.
 */
export function errorCodeFor(status: i32): StreamErrorCode {
  if (status == SendStatus.QueueFull || status == SendStatus.NoMemory)
    return StreamErrorCode.ResourceExhausted;
  if (status == HostStatus.PayloadTooLarge) return StreamErrorCode.PayloadTooLarge;
  return StreamErrorCode.Internal;
}

/** The message `sendDataOrFail` and its siblings fail a stream with, for a send that returned `status`. */
export function refusalMessage(status: i32): string {
  if (status == SendStatus.QueueFull) return "the stream's send queue is full";
  if (status == SendStatus.NoMemory) return "out of memory for the stream's send queue";
  if (status == HostStatus.PayloadTooLarge) return "the host refused a frame as too large";
  return "the host refused a send";
}

/**
 * A host status as the SDK reports it: a value in the SDK's own range (0x100-0x1ff: Queued, QueueFull,
 * NoMemory…) would read as one of those, so it is reported as Internal.
 */
// @ts-ignore: decorator
@inline
export function fromHost(status: i32): i32 {
  return (status & ~0xff) == 0x100 ? HostStatus.Internal : status;
}

/** True for the host statuses that say the stream no longer exists on the host's side. */
// @ts-ignore: decorator
@inline
export function streamGone(status: i32): bool {
  return status == HostStatus.UnknownStream || status == HostStatus.StreamClosed;
}
