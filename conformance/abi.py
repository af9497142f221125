"""The ABI's numbers for the Python suites, read from docs/abi.json (written from docs/ABI.md, the contract).
tests/abi-consistency.test.ts checks every name below against that file, so a number is never written twice.
"""

import json
from pathlib import Path

ABI = json.loads((Path(__file__).resolve().parent.parent / "docs" / "abi.json").read_text())
_enums = ABI["enums"]
_layout = ABI["layout"]
_limits = ABI["limits"]

# Each enum as a dict (name -> value), then its values by name.
FRAME_KIND = _enums["FrameKind"]
OPEN, DATA, ERROR, CLOSE, CANCEL, CREDIT = (FRAME_KIND[k] for k in ("Open", "Data", "Error", "Close", "Cancel", "Credit"))
MIN_FRAME_LEN = {FRAME_KIND[k]: n for k, n in ABI["minFrameLen"].items()}  # by kind value

UNARY, CLIENT_STREAM, SERVER_STREAM, BIDI_STREAM = (
    _enums["InteractionKind"][k] for k in ("Unary", "ClientStream", "ServerStream", "BidiStream")
)
CLOSE_REASON = _enums["CloseReason"]
NORMAL, GOING_AWAY, TIMEOUT = (CLOSE_REASON[k] for k in ("Normal", "GoingAway", "Timeout"))
CANCEL_REASON = _enums["CancelReason"]
CANCEL_CALLER, CANCEL_CALLEE, CANCEL_DEADLINE, CANCEL_SHUTDOWN = (
    CANCEL_REASON[k] for k in ("Caller", "Callee", "Deadline", "Shutdown")
)

STREAM_ERROR_CODE = _enums["StreamErrorCode"]
_codes = STREAM_ERROR_CODE
UNKNOWN, CANCELLED, DEADLINE_EXCEEDED, INVALID_ARGUMENT, REJECTED, NOT_FOUND = (
    _codes[k] for k in ("Unknown", "Cancelled", "DeadlineExceeded", "InvalidArgument", "Rejected", "NotFound")
)
PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE = (
    _codes[k] for k in ("PermissionDenied", "ResourceExhausted", "Unimplemented", "Internal", "Unavailable")
)
PROTOCOL_VIOLATION, PAYLOAD_TOO_LARGE_CODE = _codes["ProtocolViolation"], _codes["PayloadTooLarge"]

HOST_STATUS = _enums["HostStatus"]
_status = HOST_STATUS
OK, UNKNOWN_STREAM, BAD_ARGUMENT, STREAM_CLOSED = (_status[k] for k in ("Ok", "UnknownStream", "BadArgument", "StreamClosed"))
PAYLOAD_TOO_LARGE, WOULD_BLOCK, INVALID_MEMORY, HOST_INTERNAL = (
    _status[k] for k in ("PayloadTooLarge", "WouldBlock", "InvalidMemory", "Internal")
)
SEND_STATUS = _enums["SendStatus"]
QUEUED, QUEUE_FULL, NO_MEMORY = (SEND_STATUS[k] for k in ("Queued", "QueueFull", "NoMemory"))
SDK_STATUS_FIRST, SDK_STATUS_LAST = ABI["sdkStatusRange"]["first"], ABI["sdkStatusRange"]["last"]

STREAM_ID_LEN = _layout["STREAM_ID_LEN"]
FRAME_HEADER_LEN = _layout["FRAME_HEADER_LEN"]
OPEN_CREDIT_OFFSET = _layout["OPEN_CREDIT_OFFSET"]
CREDIT_OFFSET = _layout["CREDIT_OFFSET"]
UNLIMITED_CREDIT = _limits["UNLIMITED_CREDIT"]
QUEUED_FRAME_OVERHEAD = _limits["QUEUED_FRAME_OVERHEAD"]
DEFAULT_MAX_FRAME_SIZE = _limits["DEFAULT_MAX_FRAME_SIZE"]
DEFAULT_MAX_LIVE_STREAMS = _limits["DEFAULT_MAX_LIVE_STREAMS"]
DEFAULT_STREAM_QUEUE_LIMIT = _limits["DEFAULT_STREAM_QUEUE_LIMIT"]
DEFAULT_QUEUE_BUDGET = _limits["DEFAULT_QUEUE_BUDGET"]

# A call stopped inside the allocator or the SDK's bookkeeping loses the instance (docs/ABI.md, "When a call is
# stopped"): the export that says so, the code every later frame gets, and the messages streams are failed with.
_interrupts = ABI["interrupts"]
ABI_REVISION = ABI["revision"]
LOST_EXPORT = _interrupts["LOST_EXPORT"]
LOST_CODE = _interrupts["LOST_CODE"]
LOST_MESSAGE = _interrupts["LOST_MESSAGE"]
TRAPPED_MESSAGE = _interrupts["TRAPPED_MESSAGE"]
