"""Writes tests/vectors/scenarios.json: stream scenarios both hosts replay (tests/scenarios.test.ts in the
host shim under V8, conformance/run.py under wasmtime). Frames are encoded here with struct, independently of
the host shim; the expectations follow docs/ABI.md and each module's documented behaviour.

    python3 conformance/make_scenarios.py && npx prettier --write tests/vectors/scenarios.json
"""

import json
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from abi import (  # noqa: E402  the ABI's numbers, from docs/abi.json
    CANCEL,
    CLOSE,
    CREDIT,
    DATA,
    ERROR,
    GOING_AWAY,
    INTERNAL,
    INVALID_ARGUMENT,
    NORMAL,
    NOT_FOUND,
    OPEN,
    PERMISSION_DENIED,
    PROTOCOL_VIOLATION,
    RESOURCE_EXHAUSTED,
    SERVER_STREAM,
    UNARY,
    UNIMPLEMENTED,
    UNLIMITED_CREDIT,
)
from abi import CANCEL_DEADLINE as DEADLINE  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "scenarios.json"


def sid(n: int) -> bytes:
    return struct.pack("<Q", n) + bytes(8)


def open_(i, method=b"", context=b"", payload=b"", interaction=SERVER_STREAM, credit=UNLIMITED_CREDIT, deadline=0):
    return (
        bytes([OPEN]) + i + struct.pack("<BIIH", interaction, credit, deadline, len(method)) + method
        + struct.pack("<I", len(context)) + context + payload
    )


def data(i, payload: bytes):
    return bytes([DATA]) + i + payload


def error(i, code, message: bytes):
    return bytes([ERROR]) + i + struct.pack("<I", code) + message


def close(i, reason):
    return bytes([CLOSE]) + i + bytes([reason])


def cancel(i, reason):
    return bytes([CANCEL]) + i + bytes([reason])


def credit(i, n):
    return bytes([CREDIT]) + i + struct.pack("<I", n)


def out(frame: bytes, status: int = 0):
    return {"frame": frame.hex(), "status": status}


def step(frame: bytes, result: int = 0, sent=(), trap=False):
    s = {"send": frame.hex(), "result": result, "sent": list(sent)}
    if trap:
        s = {"send": frame.hex(), "trap": True, "sent": list(sent)}
    return s


ECHOES = ["stream_echo", "wasi/stream_echo", "wasi/echo_log"]
COUNTERS = ["stream_counter"]
HOOKS = ["fixtures/runtime_hooks", "wasi/runtime_hooks"]

a, b = sid(1), sid(2)
binary = bytes([0, 0xFF, 0xC3, 0x28])
big = bytes(range(256)) * 16

scenarios = []


def scenario(name, modules, steps):
    scenarios.append({"name": name, "modules": modules, "steps": steps})


def echo(i, payload):
    return step(data(i, payload), 0, [out(data(i, payload))])


# The logger fixture (tests/fixtures/logger.ts) logs with `log` and echoes each payload as text; under the
# WASI profile its lines go to stderr, which the frames do not show.
scenario(
    "logger: logging does not change the frames: each payload is echoed, the caller's Close is answered",
    ["wasi/logger"],
    [
        step(open_(a, method=b"m"), 0),
        echo(a, b"warn"),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
    ],
)


scenario(
    "echo: every Data payload comes back byte for byte; the caller's Close is answered with Close(Normal)",
    ECHOES,
    [
        step(open_(a, b"echo", b"\x01\x02", b"req", credit=65536, deadline=1500)),
        echo(a, b"hello"),
        echo(a, b""),
        echo(a, binary),
        echo(a, big),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
        step(data(a, b"late"), NOT_FOUND),
        step(close(a, NORMAL), 0),
    ],
)
scenario(
    "echo: two interleaved streams stay separate; Close(GoingAway) is answered with Close(Normal)",
    ECHOES,
    [
        step(open_(a)),
        step(open_(b)),
        echo(a, b"a0"),
        echo(b, b"b0"),
        echo(a, b"a1"),
        step(close(b, GOING_AWAY), 0, [out(close(b, NORMAL))]),
        echo(a, b"a-last"),
        step(data(b, b"b-late"), NOT_FOUND),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
    ],
)
scenario(
    "echo: Cancel and the caller's Error end a stream silently; later frames are NotFound or ignored",
    ECHOES,
    [
        step(open_(a)),
        step(open_(b)),
        step(cancel(a, DEADLINE)),
        step(error(b, INTERNAL, b"caller broke")),
        step(data(a, b"late"), NOT_FOUND),
        step(data(b, b"late"), NOT_FOUND),
        step(error(a, INTERNAL, b"late"), NOT_FOUND),
        step(close(a, NORMAL)),
        step(cancel(b, DEADLINE)),
        step(credit(a, 10)),
    ],
)
scenario(
    "echo: Opens the dispatcher refuses (second Open for a live id, a Unary Open) leave streams as they were",
    ECHOES,
    [
        step(open_(a)),
        step(open_(a, b"again"), PROTOCOL_VIOLATION),
        echo(a, b"still live"),
        step(open_(b, interaction=UNARY), UNIMPLEMENTED),
        step(data(b, b"never opened"), NOT_FOUND),
        step(credit(a, 4096)),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
    ],
)
scenario(
    "counter: Data is counted, not echoed; on Close the totals are sent, then Close(Normal)",
    COUNTERS,
    [
        step(open_(a, b"count")),
        step(data(a, b"abc")),
        step(data(a, b"")),
        step(data(a, b"hello")),
        step(close(a, NORMAL), 0, [out(data(a, b"8 bytes in 3 frames")), out(close(a, NORMAL))]),
    ],
)
scenario(
    "abort: an explicit abort sends Internal with its message on the dispatched stream, then traps",
    HOOKS,
    [
        step(open_(a)),
        step(data(a, b"abort"), trap=True, sent=[out(error(a, INTERNAL, b"explicit"))]),
    ],
)
scenario(
    "trace: the handler goes on after trace()",
    HOOKS,
    [
        step(open_(a)),
        step(data(a, b"trace"), 0, [out(data(a, b"traced"))]),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
    ],
)
scenario(
    "echo under credit: Data beyond the credit waits, in order, and goes out whole when a Credit frame covers it",
    ECHOES,
    [
        step(open_(a, credit=10)),
        echo(a, b"hello"),
        step(data(a, b"world!")),  # 6 bytes, 5 of credit left: queued
        step(data(a, b"")),  # behind the queued frame
        step(credit(a, 1), 0, [out(data(a, b"world!")), out(data(a, b""))]),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
    ],
)
scenario(
    "upper: each Data comes back upper-cased (Unicode case mapping)",
    ["stream_upper"],
    [
        step(open_(a)),
        step(data(a, b"hello"), 0, [out(data(a, b"HELLO"))]),
        step(data(a, "Straße ✓".encode()), 0, [out(data(a, "STRASSE ✓".encode()))]),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
    ],
)
scenario(
    "upper: a character split across Data frames is carried to the next one; invalid bytes become U+FFFD; "
    "a partial character left at the caller's Close goes out as U+FFFD, then Close(Normal)",
    ["stream_upper"],
    [
        step(open_(a)),
        step(data(a, b"a\xc3"), 0, [out(data(a, b"A"))]),  # ß split after its first byte
        step(data(a, b"\x9fb\xe2\x82"), 0, [out(data(a, b"SSB"))]),  # € split after 2 of its 3 bytes
        step(data(a, b"\xac\xf0"), 0, [out(data(a, "€".encode()))]),  # 😀 split after 1 of its 4 bytes
        step(data(a, b"\x9f\x98"), 0, [out(data(a, b""))]),  # still incomplete: 3 bytes carried
        step(data(a, b"\x80x\xffy"), 0, [out(data(a, "😀X\ufffdY".encode()))]),
        step(data(a, b"z\xf0\x9f"), 0, [out(data(a, b"Z"))]),
        step(close(a, NORMAL), 0, [out(data(a, "\ufffd".encode())), out(close(a, NORMAL))]),
    ],
)
scenario(
    "ticker: emits 1..N, each tick whole once the credit covers it, then Close(Normal); a bad count is rejected",
    ["stream_ticker"],
    [
        step(open_(a, payload=b"12", credit=10), 0, [out(data(a, str(n).encode())) for n in range(1, 10)]),
        step(credit(a, 1), 0, [out(data(a, b"10"))]),
        step(credit(a, 1)),  # "11" needs 2 bytes: 1 available
        step(credit(a, 3), 0, [out(data(a, b"11")), out(data(a, b"12")), out(close(a, NORMAL))]),
        step(open_(b, payload=b"abc"), INVALID_ARGUMENT),
    ],
)
def tick(prefix: str, i: int) -> bytes:
    """The i-th frame of stream_json: compact JSON, escaped as JSON.stringify does."""
    return json.dumps({"seq": i, "text": f"{prefix}{i}"}, separators=(",", ":"), ensure_ascii=False).encode()


JSON_REQUEST = b'{"count": 3, "prefix": "a\\"b\\n\\u00e9"}'  # the prefix a"b<newline>é
T1, T2, T3 = (tick('a"b\né', i) for i in (1, 2, 3))  # 28 bytes each
scenario(
    "json: {count, prefix} streams {seq, text} frames paced by credit, past the caller's Close, then Close(Normal); "
    "a malformed request is refused with InvalidArgument and the module goes on; another method is Unimplemented",
    ["stream_json"],
    [
        step(open_(a, b"json", payload=JSON_REQUEST, credit=30), 0, [out(data(a, T1))]),  # 2 bytes left
        step(close(a, NORMAL)),  # a producer goes on after the caller's Close
        step(credit(a, len(T2) - 3)),  # 1 byte short of the next tick
        step(credit(a, 1), 0, [out(data(a, T2))]),
        step(credit(a, 100), 0, [out(data(a, T3)), out(close(a, NORMAL))]),
        step(open_(b, b"json", payload=b'{"count":1.5,"prefix":"p"}'), INVALID_ARGUMENT),
        step(open_(sid(3), b"json", payload=b'{"count":3,"prefix":"p"} x'), INVALID_ARGUMENT),
        step(open_(sid(4), b"json", payload=b'{"count":3,"prefix":"\xc0\xaf"}'), INVALID_ARGUMENT),
        step(open_(sid(5), b"json", payload=b'{"count":3}'), INVALID_ARGUMENT),
        step(open_(sid(6), b"other", payload=JSON_REQUEST), UNIMPLEMENTED),
        step(
            open_(b, b"json", payload=b'{"prefix":"p","count":1}'),
            0,
            [out(data(b, tick("p", 1))), out(close(b, NORMAL))],
        ),
    ],
)
CANON_IN = b' { "b" : [ 1 , 2.50 , -0e+1 ] ,\n "a" : "\\/\\u00e9\\n\\u001F" , "b" : null } '
CANON_OUT = b'{"b":[1,2.50,-0e+1],"a":"/\xc3\xa9\\n\\u001f","b":null}'
scenario(
    "json.canon: each Data frame's JSON text answered with its compact form as credit allows; an invalid text "
    "fails only its stream with InvalidArgument and the byte offset; the caller's Close is Close(Normal)",
    ["json_canon"],
    [
        step(open_(a, b"json.canon", credit=0)),
        step(data(a, CANON_IN)),  # queued: no credit yet
        step(credit(a, len(CANON_OUT)), 0, [out(data(a, CANON_OUT))]),
        step(open_(b, b"json.canon")),
        step(data(b, b'["x",1,]'), 0, [out(error(b, INVALID_ARGUMENT, b"invalid JSON at byte 7: expected a value"))]),
        step(data(b, b"[]"), NOT_FOUND),
        step(data(a, b'"\\ud83d\\ude00"'), 0),  # no credit left: queued
        step(credit(a, 6), 0, [out(data(a, '"\U0001F600"'.encode()))]),
        step(data(a, b'"\\ud800"'), 0, [out(error(a, INVALID_ARGUMENT, b"invalid JSON at byte 1: lone surrogate escape"))]),
        step(open_(sid(3), b"json.canon")),
        step(data(sid(3), b"true"), 0, [out(data(sid(3), b"true"))]),
        step(close(sid(3), NORMAL), 0, [out(close(sid(3), NORMAL))]),
    ],
)
scenario(
    "router: method echo with a context is echoed; no context is PermissionDenied; another method is Unimplemented",
    ["stream_router"],
    [
        step(open_(a, b"echo", b"caller-token")),
        step(open_(b, b"echo"), PERMISSION_DENIED),
        step(open_(sid(3), b"upper", b"caller-token"), UNIMPLEMENTED),
        echo(a, b"routed"),
        step(close(a, NORMAL), 0, [out(close(a, NORMAL))]),
    ],
)

# ---- text across frames (examples/stream_lines.ts) and valid UTF-8 out (tests/fixtures/lone_surrogates.ts) ----

scenario(
    "lines: one frame per line without its LF (CR kept), a character split across frames carried, invalid UTF-8 as "
    "U+FFFD, paced by credit (the rest queued); at the caller's Close the last line, lines=N, Close(Normal)",
    ["stream_lines"],
    [
        step(open_(a, b"lines", credit=8)),
        step(data(a, b"ab\r\nc\xc3"), 0, [out(data(a, b"ab\r"))]),  # "c" and half of "é" carried; 5 bytes left
        # "cé" (3 bytes) goes out; "\xff" becomes U+FFFD (3 bytes), more than the 2 left: queued, and "" behind it
        step(data(a, b"\xa9\n\xff\n\nd\xe2\x82"), 0, [out(data(a, "cé".encode()))]),
        step(credit(a, 1), 0, [out(data(a, "\ufffd".encode())), out(data(a, b""))]),
        step(close(a, NORMAL)),  # "d" and an incomplete "€" (one U+FFFD), lines=5 and Close wait for credit
        step(credit(a, 100), 0, [out(data(a, "d\ufffd".encode())), out(data(a, b"lines=5")), out(close(a, NORMAL))]),
        step(data(a, b"late\n"), NOT_FOUND),
        step(open_(b, b"other"), UNIMPLEMENTED),
        step(open_(b, b"lines")),
        step(close(b, NORMAL), 0, [out(data(b, b"lines=0")), out(close(b, NORMAL))]),
    ],
)

LONE_SURROGATES = ["\ud800", "\udc00\ud800", "\udbffabc", "abc\udfff", "a\udc00b", "\ud83d\ude00\ud800", "\udc00\ud83d\ude00x"]


def replacing(text: str) -> bytes:
    """text's UTF-8 with U+FFFD for each lone surrogate (what TextEncoder writes)."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode()


for abort_case in (1, 5):
    scenario(
        f"lone surrogates: sendText and Error messages write U+FFFD for each, as TextEncoder does; a refused "
        f"sendTextOrFail fails the stream with ResourceExhausted; abort(case {abort_case}) sends Internal the same way",
        ["fixtures/lone_surrogates"],
        [step(open_(a))]
        + [step(data(a, b"text %d" % k), 0, [out(data(a, replacing(s)))]) for k, s in enumerate(LONE_SURROGATES)]
        + [
            step(open_(sid(10 + k))) if n == 0 else
            step(data(sid(10 + k), b"error %d" % k), 0, [out(error(sid(10 + k), INVALID_ARGUMENT, replacing(s)))])
            for k, s in enumerate(LONE_SURROGATES) for n in (0, 1)
        ]
        + [
            step(open_(b, credit=0)),
            step(data(b, b"orfail-text 1100000"), 0,
                 [out(error(b, RESOURCE_EXHAUSTED, b"the stream's send queue is full"))]),
            step(data(a, b"abort %d" % abort_case), trap=True,
                 sent=[out(error(a, INTERNAL, replacing(LONE_SURROGATES[abort_case])))]),
        ],
    )

doc = {
    "about": (
        "Stream scenarios replayed by both hosts: tests/scenarios.test.ts (host shim, V8) and conformance/run.py "
        "(wasmtime, only the three ixt imports). Each scenario runs on a fresh instance of each module in "
        "'modules' (a path under build/ without .wasm; 'wasi/…' modules are built with the WASI profile by "
        "scripts/build-wasi.mjs). Each step sends one inbound frame ('send', hex) and expects the dispatcher's "
        "'result', or a trap ('trap': true, the last step), and exactly the outbound calls 'sent' during that "
        "step: the frame the runtime would forward (hex) and the status the host returned. Generated by "
        "conformance/make_scenarios.py."
    ),
    "scenarios": scenarios,
}
if __name__ == "__main__":
    OUT.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {OUT} ({len(scenarios)} scenarios)")
