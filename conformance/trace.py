"""Replays scripted frame sequences through the wasmtime host (ixt_host.py) and prints what it recorded, as JSON,
so that tests/hosts-agree.test.ts can compare it with the TypeScript host shim's record of the same script.

Input (stdin): a list of runs, each {"module": path of a .wasm, "steps": [{"frame": hex, "answers": [status, …]}]}.
Each step delivers one frame, or, with "raw": [kind, id hex, id length, payload length, out of bounds] instead
of "frame", calls one import straight from tests/fixtures/raw_caller.ts (its result is the step's result), so the
host's own checks are compared too. The host answers the module's calls that pass its own checks with the step's
answers in order (Ok once they run out), as the shim's `respond` does. Output (stdout): for each run, for each
step, {"result", "sent": [calls], "streams": {id hex: [state, credit]}} (credit "unlimited" for no limit).

    python3 conformance/trace.py < runs.json
"""

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ixt_host import IxtHost  # noqa: E402


def call_record(call) -> dict:
    record = {"kind": call.kind.capitalize(), "streamId": call.stream_id.hex(), "status": call.status & 0xFFFFFFFF}
    if call.kind == "data":
        record["payload"] = call.payload.hex()
    elif call.kind == "close":
        record["reason"] = call.code
    else:
        record["code"] = call.code
        record["message"] = call.payload.decode("utf-8", errors="replace")
    return record


RAW_PAYLOAD_MAX = 64
OUT_OF_BOUNDS = 0xFFFFFFF0  # a pointer past any memory the fixture has


def raw_call(host: IxtHost, id_ptr: int, bytes_ptr: int, kind: str, sid: str, id_len: int, length: int, oob: bool):
    """One import called from raw_caller.ts with the given arguments; returns the host's status (unsigned)."""
    host.write(id_ptr, bytes.fromhex(sid))
    host.write(bytes_ptr, b"p" * length)
    ptr = OUT_OF_BOUNDS if oob else bytes_ptr
    if kind == "data":
        status = host.call_export("call_send_data", id_ptr, id_len, ptr, length)
    elif kind == "close":
        status = host.call_export("call_send_close", id_ptr, id_len, length)
    else:
        status = host.call_export("call_send_error", id_ptr, id_len, 9, ptr, length)
    return status & 0xFFFFFFFF


def run(module: str, steps: list) -> list:
    answers: list = []

    def respond(kind, sid, length):
        return answers.pop(0) if answers else None

    host = IxtHost(module, respond=respond)
    scratch = None
    trace = []
    for step in steps:
        answers[:] = step["answers"]
        if "raw" in step:
            if scratch is None:
                scratch = (host.call_export("scratch", 16), host.call_export("scratch", RAW_PAYLOAD_MAX))
            result = raw_call(host, *scratch, *step["raw"])
        else:
            result = host.dispatch(bytes.fromhex(step["frame"]))
        streams = {
            sid.hex(): [state, "unlimited" if host.credit[sid] == math.inf else host.credit[sid]]
            for sid, state in sorted(host.streams.items())
        }
        trace.append({"result": result, "sent": [call_record(c) for c in host.sent], "streams": streams})
        host.sent.clear()
    return trace


if __name__ == "__main__":
    print(json.dumps([run(r["module"], r["steps"]) for r in json.load(sys.stdin)]))
