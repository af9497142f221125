// The ABI's numbers on the host side (docs/ABI.md). tests/abi-consistency.test.ts checks that they agree
// with docs/ABI.md and assembly/enums.ts.

/** The kind byte at offset 0 of every frame. */
export const FrameKind = { Open: 0, Data: 1, Error: 2, Close: 3, Cancel: 4, Credit: 5 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** The interaction an Open starts. */
export const InteractionKind = { Unary: 0, ClientStream: 1, ServerStream: 2, BidiStream: 3 } as const;

/** Why a stream was closed. */
export const CloseReason = { Normal: 0, GoingAway: 1, Timeout: 2 } as const;

/** Why a stream was cancelled. */
export const CancelReason = { Caller: 0, Callee: 1, Deadline: 2, Shutdown: 3 } as const;

/** Stream failure codes (a u32 on the wire; unknown values pass through). */
export const StreamErrorCode = {
  Unknown: 0,
  Cancelled: 1,
  DeadlineExceeded: 2,
  InvalidArgument: 3,
  Rejected: 4,
  NotFound: 5,
  PermissionDenied: 6,
  ResourceExhausted: 7,
  Unimplemented: 8,
  Internal: 9,
  Unavailable: 10,
  ProtocolViolation: 11,
  PayloadTooLarge: 12,
} as const;

/** What the host imports return. */
export const HostStatus = {
  Ok: 0,
  UnknownStream: 1,
  BadArgument: 2,
  StreamClosed: 3,
  PayloadTooLarge: 4,
  WouldBlock: 5,
  InvalidMemory: 6,
  Internal: 10,
} as const;

/** Length of a stream id in bytes. */
export const STREAM_ID_LEN = 16;
/** Kind (1 byte) + stream id (16 bytes). */
export const FRAME_HEADER_LEN = 17;
/** Open: offset of the method; the u16 method length sits just before it. */
export const OPEN_METHOD_OFFSET = 28;
/** `initialCredit` meaning "no limit". */
export const UNLIMITED_CREDIT = 0xffffffff;

/** Name of a value in one of the enums above, or its number when it has none. */
export function nameOf(values: Readonly<Record<string, number>>, value: number): string {
  return Object.keys(values).find((name) => values[name] === value) ?? String(value);
}
