"""Reject codes of every width, in wasmtime (docs/ABI.md, "Dispatcher results"): `OpenDecision.reject(code)`
answers the runtime `code` unchanged as a u32, a value StreamErrorCode does not name included, and 0 (which
would read as "accepted") as Rejected. No code can be taken for the dispatcher's own flags: the stream is
never left half-accepted (its next Data is NotFound, nothing is sent). tests/interrupts.test.ts checks the
same in the host shim. The fixture is tests/fixtures/stops.ts ("reject" rejects with the u32 of its payload).

    python3 conformance/reject_codes.py [build-dir]
"""

import os
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from abi import NOT_FOUND, PERMISSION_DENIED, REJECTED, SERVER_STREAM, UNLIMITED_CREDIT  # noqa: E402
from ixt_host import IxtHost  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODULE = "fixtures/stops"
SID = bytes(range(16))
CASES = [(0, REJECTED), (1 << 31, 1 << 31), ((1 << 31) + 1, (1 << 31) + 1), ((1 << 32) - 1, (1 << 32) - 1),
         (PERMISSION_DENIED, PERMISSION_DENIED)]


def open_frame(method: bytes, payload: bytes) -> bytes:
    return (bytes([0]) + SID + bytes([SERVER_STREAM]) + struct.pack("<IIH", UNLIMITED_CREDIT, 0, len(method))
            + method + struct.pack("<I", 0) + payload)


def run(build: str = str(ROOT / "build"), out=print):
    path = os.path.join(build, f"{MODULE}.wasm")
    if not os.path.exists(path):
        out(f"FAIL reject codes: {MODULE}.wasm not built (npm run build:fixtures)")
        return 0, 1
    passed = failed = 0
    for code, answer in CASES:
        host = IxtHost(path)
        result = host.dispatch(open_frame(b"reject", struct.pack("<I", code)))
        data = host.dispatch(bytes([1]) + SID + b"x")
        problems = []
        if result != answer:
            problems.append(f"the Open answered {result:#x}, not {answer:#x}")
        if data != NOT_FOUND:
            problems.append(f"the stream's next Data answered {data}, not NotFound: it was left in the table")
        if host.sent:
            problems.append(f"it sent {len(host.sent)} frames")
        name = f"reject codes: reject({code:#x}) answers {answer:#x} and leaves nothing behind"
        if problems:
            failed += 1
            out(f"FAIL {name}\n     " + "; ".join(problems))
        else:
            passed += 1
            out(f"ok   {name}")
    return passed, failed


if __name__ == "__main__":
    p, f = run(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build"))
    print(f"{p} passed, {f} failed")
    sys.exit(1 if f else 0)
