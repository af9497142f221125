// The ABI's numbers on the host side, taken from docs/abi.json (through the generated abi-values.ts).
// tests/abi-consistency.test.ts checks that docs/ABI.md, the SDK and every other copy agree with it.
import { ABI } from "./abi-values.js";

export { ABI };

/** The kind byte at offset 0 of every frame: Open 0, Data 1, Error 2, Close 3, Cancel 4, Credit 5. */
export const FrameKind = ABI.enums.FrameKind;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** The interaction an Open starts (offset 17): Unary 0, ClientStream 1, ServerStream 2, BidiStream 3. */
export const InteractionKind = ABI.enums.InteractionKind;

/** Why a stream was closed (Close frame, `stream_send_close`): Normal 0, GoingAway 1, Timeout 2. */
export const CloseReason = ABI.enums.CloseReason;

/** Why a stream was cancelled (Cancel frame): Caller 0, Callee 1, Deadline 2, Shutdown 3. */
export const CancelReason = ABI.enums.CancelReason;

/** Stream failure codes (a u32 on the wire; unknown values pass through). */
export const StreamErrorCode = ABI.enums.StreamErrorCode;

/** What the host imports return. Any other value is a refusal the ABI does not name. */
export const HostStatus = ABI.enums.HostStatus;

/**
 * The SDK's own send results (Queued 0x100, QueueFull 0x101, NoMemory 0x102): never returned by a host,
 * never on the wire. A host status in `SDK_STATUS_RANGE` reads as Internal to the module.
 */
export const SendStatus = ABI.enums.SendStatus;

/** The statuses the SDK keeps for itself (0x100 to 0x1FF, both included): a host answer there reads as Internal. */
export const SDK_STATUS_RANGE = ABI.sdkStatusRange;

/** Length of a stream id in bytes (16). */
export const STREAM_ID_LEN = ABI.layout.STREAM_ID_LEN;
/** Kind (1 byte) + stream id (16 bytes): 17. */
export const FRAME_HEADER_LEN = ABI.layout.FRAME_HEADER_LEN;
/** Open: u8 interaction kind (offset 17). */
export const OPEN_INTERACTION_OFFSET = ABI.layout.OPEN_INTERACTION_OFFSET;
/** Open: u32 initial credit in bytes (offset 18). */
export const OPEN_CREDIT_OFFSET = ABI.layout.OPEN_CREDIT_OFFSET;
/** Open: u32 deadline in ms from now (offset 22). */
export const OPEN_DEADLINE_OFFSET = ABI.layout.OPEN_DEADLINE_OFFSET;
/** Open: u16 method length (offset 26). */
export const OPEN_METHOD_LEN_OFFSET = ABI.layout.OPEN_METHOD_LEN_OFFSET;
/** Open: offset of the method (28); the u16 method length sits just before it. */
export const OPEN_METHOD_OFFSET = ABI.layout.OPEN_METHOD_OFFSET;
/** Open: size of the u32 context length after the method (4). */
export const OPEN_CONTEXT_LEN_SIZE = ABI.layout.OPEN_CONTEXT_LEN_SIZE;
/** Error: u32 code (offset 17). */
export const ERROR_CODE_OFFSET = ABI.layout.ERROR_CODE_OFFSET;
/** Error: the UTF-8 message, to the end of the frame (offset 21). */
export const ERROR_MESSAGE_OFFSET = ABI.layout.ERROR_MESSAGE_OFFSET;
/** Close and Cancel: u8 reason (offset 17). */
export const REASON_OFFSET = ABI.layout.REASON_OFFSET;
/** Credit: u32 additional bytes (offset 17). */
export const CREDIT_OFFSET = ABI.layout.CREDIT_OFFSET;
/** `initialCredit` meaning "no limit" (0xFFFFFFFF). */
export const UNLIMITED_CREDIT = ABI.limits.UNLIMITED_CREDIT;

/** The minimum length of a frame of `kind` (a `FrameKind` value), or undefined when `kind` names none. */
export function minFrameLen(kind: number): number | undefined {
  const name = nameOf(FrameKind, kind) as keyof typeof ABI.minFrameLen;
  return ABI.minFrameLen[name];
}

/** Name of a value in one of the enums above, or its number when it has none. */
export function nameOf(values: Readonly<Record<string, number>>, value: number): string {
  return Object.keys(values).find((name) => values[name] === value) ?? String(value);
}
