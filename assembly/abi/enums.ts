// abi/ (layer 1 of 7, "abi", in assembly/layers.json): the wire's numbers and offsets, and the raw `ixt`
// imports. Its files import only from this layer and the ones below.
//
// The ABI's enums (docs/ABI.md, "Enums"). Values travel as raw numbers: a value not named here
// passes through unchanged, so handlers should treat these as open sets.

/** The kind byte at offset 0 of every frame. */
export enum FrameKind {
  Open = 0,
  Data = 1,
  Error = 2,
  Close = 3,
  Cancel = 4,
  Credit = 5,
}

/** The interaction an Open frame starts. This SDK serves `ServerStream`. */
export enum InteractionKind {
  Unary = 0,
  ClientStream = 1,
  ServerStream = 2,
  BidiStream = 3,
}

/** Why a stream was closed (Close frame, `stream_send_close`). */
export enum CloseReason {
  Normal = 0,
  GoingAway = 1,
  Timeout = 2,
}

/** Why a stream was cancelled (Cancel frame). */
export enum CancelReason {
  Caller = 0,
  Callee = 1,
  Deadline = 2,
  Shutdown = 3,
}

/** A stream failure code (Error frame, `stream_send_error`, dispatcher results). A `u32` on the wire. */
export enum StreamErrorCode {
  Unknown = 0,
  Cancelled = 1,
  DeadlineExceeded = 2,
  InvalidArgument = 3,
  Rejected = 4,
  NotFound = 5,
  PermissionDenied = 6,
  ResourceExhausted = 7,
  Unimplemented = 8,
  Internal = 9,
  Unavailable = 10,
  ProtocolViolation = 11,
  PayloadTooLarge = 12,
}

/** What a host import returns. `Ok` is the Rust crate's `err::OK`. */
export enum HostStatus {
  Ok = 0,
  UnknownStream = 1,
  BadArgument = 2,
  StreamClosed = 3,
  PayloadTooLarge = 4,
  WouldBlock = 5,
  InvalidMemory = 6,
  Internal = 10,
}

/**
 * What a send returns besides a `HostStatus`: the SDK's own outcomes, never returned by the host and
 * never on the wire (docs/ABI.md, "Credit and backpressure").
 */
export enum SendStatus {
  /** The payload was copied into the stream's queue; it goes out in order as credit arrives. */
  Queued = 0x100,
  /** The stream's queue limit or the module's queue budget would be passed: nothing was queued. */
  QueueFull = 0x101,
  /** The frame had to be queued but memory for it could not be had: nothing was queued. */
  NoMemory = 0x102,
}
