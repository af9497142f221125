"""JsonReader.readString and errorReport under a memory cap in wasmtime (issue 25): never a trap.

tests/fixtures/json_probe.ts under an 8 MiB cap (Store.set_limits): one JSON string of n bytes is written
into guest memory and read with `readString` (which needs 2n bytes for the UTF-16 result), for n from
64 KiB up in steps of 64 KiB until the text itself no longer fits, plain and with escapes. Each read
answers the string, whole and right, or `JsonError.NoMemory` (20); nothing traps. The sizes cross the
window where n bytes are free but 2n are not, so a reader that checked for n bytes instead of 2n would
trap there. The instance still reads a small string at the end.

errorReport with a long member name (a handler's `fail(UnknownMember, name)`) is asked with memory full,
then again as 16 KiB of it is freed at a time: each answer is the whole report or, while memory is short,
the plain reason or the message without its offset, and nothing traps. The steps cross the window where the report's check passes but an
allocation it makes does not fit (a check for the message's length in bytes instead of twice that, or a
`+` chain that holds two copies of a long message at once, both trapped there).

    python3 conformance/json_memory.py     # also run by conformance/run.py (not with --quick)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ixt_host import IxtHost  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KiB = 1 << 10
MiB = 1 << 20
CAP = 8 * MiB
STEP = 16 * KiB  # memory freed between two error reports
READ_STRING = 5  # json_probe_read's kind for readString
NO_MEMORY = 20  # JsonError.NoMemory


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


class Probe:
    def __init__(self, build: Path, cap: int):
        self.host = IxtHost(str(build / "fixtures" / "json_probe.wasm"), memory_cap=cap)

    def call(self, name: str, *args) -> int:
        return self.host.call_export(name, *args) & 0xFFFFFFFF

    def read_string(self, text: bytes):
        """None when the text does not fit; else (ok, error, UTF-16 bytes of the result)."""
        ptr = self.call("json_probe_alloc", len(text))
        if ptr == 0:
            return None
        try:
            self.host.write(ptr, text)
            ok = self.call("json_probe_read", ptr, len(text), READ_STRING)
            error = self.call("json_probe_error")
            result = self.host.read(self.call("json_probe_text"), self.call("json_probe_text_len"))
        finally:
            self.call("json_probe_free", ptr)
        return ok, error, result


def content(n: int, escaped: bool) -> tuple:
    """n bytes of string content and the string it decodes to."""
    if not escaped:
        raw = bytes(0x61 + i % 26 for i in range(26)) * (n // 26 + 1)
        return raw[:n], raw[:n].decode()
    unit = b"abc\\n\\u00e9xyz"  # 14 bytes, 9 characters
    raw = unit * (n // len(unit) + 1)
    raw = raw[: n - n % len(unit)]
    return raw, raw.decode().replace("\\n", "\n").replace("\\u00e9", "\u00e9")


def read_strings_under_cap(build: Path, out, escaped: bool) -> None:
    probe = Probe(build, CAP)
    answered = refused = 0
    n = 64 * KiB
    while True:
        raw, want = content(n, escaped)
        got = probe.read_string(b'"' + raw + b'"')
        if got is None:
            break
        ok, error, result = got
        if ok:
            check(error == 0, f"n={n}: ok with error {error}")
            check(result == want.encode("utf-16-le"), f"n={n}: the string read is not the text's")
            answered += 1
        else:
            check(error == NO_MEMORY, f"n={n}: refused with error {error}, expected NoMemory (20)")
            check(result == b"", f"n={n}: NoMemory with a string of {len(result)} bytes")
            refused += 1
        n += 64 * KiB
    check(answered > 0 and refused > 0, f"answered {answered}, NoMemory {refused}: the sizes missed the limit")
    check(probe.read_string(b'"still here"')[:2] == (1, 0), "the instance no longer reads a small string")
    kind = "escaped" if escaped else "plain"
    out(f"json_probe under {CAP // MiB} MiB: {kind} strings up to {(n - 64 * KiB) // KiB} KiB, "
        f"{answered} read, {refused} NoMemory, peak memory {probe.host.memory_bytes() / MiB:.2f} MiB")


def error_reports_under_cap(build: Path, out) -> None:
    probe = Probe(build, CAP)
    name = "m" * (300 * KiB)  # 600 KiB as UTF-16: the report needs about that much again
    units = name.encode("utf-16-le")
    ptr = probe.call("json_probe_alloc", len(units))
    probe.host.write(ptr, units)
    probe.call("json_probe_keep_name", ptr, len(name))
    probe.call("json_probe_free", ptr)
    unknown_member = probe.call("json_probe_unknown_member")
    plain_len = probe.call("json_probe_error_message", unknown_member)
    plain = probe.host.read(probe.call("json_probe_text"), plain_len * 2).decode("utf-16-le")
    named = f'{plain} "{name}"'
    whole = named + " at byte 0"
    # Memory full: 64 KiB blocks while they fit, then 1 KiB ones.
    chunks = []
    for size in (64 * KiB, KiB):
        while (chunk := probe.call("json_probe_alloc", size)) != 0:
            chunks.append((chunk, size))
    reports = []
    kinds = {"plain": 0, "named": 0, "whole": 0}
    while True:
        length = probe.call("json_probe_error_report", unknown_member)
        text = probe.host.read(probe.call("json_probe_text"), length * 2).decode("utf-16-le")
        check(text in (plain, plain + " at byte 0", named, whole),
              f"{len(reports)} steps freed: a report of {length} units, neither whole nor the plain reason")
        reports.append(text == whole)
        kinds[text == whole and "whole" or text == named and "named" or "plain"] += 1
        if len(reports) >= 4 and all(reports[-4:]) or not chunks:
            break
        freed = 0
        while chunks and freed < STEP:
            chunk, size = chunks.pop()
            probe.call("json_probe_free", chunk)
            freed += size
    check(kinds["named"] > 0, "no step where the message fitted and the report did not: the window was missed")
    check(reports[-1], "the report never came whole: the steps did not reach enough memory")
    out(f"json_probe under {CAP // MiB} MiB: errorReport with a {len(name) // KiB} Ki-unit name, "
        f"{len(reports)} steps of {STEP // KiB} KiB freed: {kinds['plain']} plain reasons, "
        f"{kinds['named']} without the offset, {kinds['whole']} whole")


def run(build: str = str(ROOT / "build"), out=print):
    """Runs the suite; prints one line per part; returns (passed, failed)."""
    cap = f"{CAP // MiB} MiB"
    parts = [
        (f"json_probe: readString of {name} strings under {cap} answers NoMemory, never traps",
         lambda escaped=escaped: read_strings_under_cap(Path(build), out, escaped))
        for name, escaped in (("plain", False), ("escaped", True))
    ]
    parts.append((f"json_probe: errorReport with a long member name under {cap}, never a trap",
                  lambda: error_reports_under_cap(Path(build), out)))
    passed = failed = 0
    for title, part in parts:
        try:
            part()
        except Exception as err:  # noqa: BLE001 - a trap or a wrong answer: report it and go on
            failed += 1
            out(f"FAIL {title}\n     {type(err).__name__}: {err}")
        else:
            passed += 1
            out(f"ok   {title}")
    return passed, failed

if __name__ == "__main__":
    p, f = run()
    print(f"{p} passed, {f} failed")
    sys.exit(1 if f else 0)
