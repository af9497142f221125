"""wasmtime conformance suite: replays tests/vectors/scenarios.json (the scenarios tests/scenarios.test.ts
replays in the host shim) and the malformed frames of tests/vectors/frames.json against every built module,
in wasmtime, with a host that defines only the `ixt` imports (and WASI for the WASI profile).

Then the hardening suites, against the same build: host refusals (refusals.py), reject codes of every width
(reject_codes.py), traps (traps.py)
and memory caps (memory_caps.py: every example under a 64 MiB cap, tests/fixtures/capped_echo.ts under 8 MiB),
and JSON (json_suite.py: json_canon over JSONTestSuite, mutations, 1,000 texts of 1 MiB under 64 MiB;
json_memory.py: JsonReader.readString answers NoMemory under an 8 MiB cap, never traps),
the module author's own code under caps (author_memory.py), and calls stopped by fuel or an epoch at sampled
points of every frame kind (interrupts.py; IXT_INTERRUPTS=full tries every point).

    pip install -r conformance/requirements.txt
    npm run build:wasm && npm run build:fixtures && npm run build:wasi
    python3 conformance/run.py            # ends with "N passed, N failed"; exit status 1 on any failure
    python3 conformance/run.py --quick    # only the scenarios and vectors, not the hardening suites
"""

import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import author_memory  # noqa: E402
import interrupts  # noqa: E402
import json_memory  # noqa: E402
import json_suite  # noqa: E402
import memory_caps  # noqa: E402
import refusals  # noqa: E402
import reject_codes  # noqa: E402
import traps  # noqa: E402
from ixt_host import GuestTrap, IxtHost  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("IXT_BUILD", ROOT / "build"))  # IXT_BUILD: another build folder
SCENARIOS = json.loads((ROOT / "tests" / "vectors" / "scenarios.json").read_text())["scenarios"]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "frames.json").read_text())
LIVE_ID = bytes.fromhex("101112131415161718191a1b1c1d1e1f")
ECHOES = ["stream_echo", "wasi/stream_echo", "wasi/echo_log"]


def wasm(name: str) -> str:
    return str(BUILD / f"{name}.wasm")


def open_frame(sid: bytes) -> bytes:
    return bytes([0]) + sid + bytes([2]) + b"\xff\xff\xff\xff" + bytes(4 + 2 + 4)


def sent_json(host: IxtHost, since: int):
    return [{"frame": call.frame.hex(), "status": call.status} for call in host.sent[since:]]


def check(condition: bool, message: str):
    if not condition:
        raise AssertionError(message)


def run_scenario(module: str, scenario) -> None:
    host = IxtHost(wasm(module))
    for n, step in enumerate(scenario["steps"]):
        before = len(host.sent)
        where = f"step {n} (send {step['send'][:40]}…)"
        if step.get("trap"):
            try:
                result = host.dispatch(bytes.fromhex(step["send"]))
            except GuestTrap:
                pass
            else:
                raise AssertionError(f"{where}: expected a trap, got result {result}")
        else:
            result = host.dispatch(bytes.fromhex(step["send"]))
            check(result == step["result"], f"{where}: dispatcher returned {result}, expected {step['result']}")
        got = sent_json(host, before)
        check(got == step["sent"], f"{where}: sent {got}, expected {step['sent']}")


def run_malformed(module: str, vector) -> None:
    host = IxtHost(wasm(module))
    check(host.dispatch(open_frame(LIVE_ID)) == 0, "Open of the live stream refused")
    result = host.dispatch(bytes.fromhex(vector["hex"]))
    check(result == vector["result"], f"dispatcher returned {result}, expected {vector['result']}")
    check(host.sent == [], f"sent {sent_json(host, 0)}, expected nothing")
    still = bytes([1]) + LIVE_ID + b"still here"
    check(host.dispatch(still) == 0, "the live stream no longer takes Data")
    check(sent_json(host, 0) == [{"frame": still.hex(), "status": 0}], "the live stream no longer echoes")


def run_wasi_log() -> None:
    """The WASI profile's console.log reaches the runtime's stdout; the frames are the echo's."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stdout.txt")
        host = IxtHost(wasm("wasi/echo_log"), stdout_file=out)
        check(host.uses_wasi, "echo_log imports nothing from WASI")
        sid = bytes(range(16))
        check(host.dispatch(open_frame(sid)) == 0, "Open refused")
        check(host.dispatch(bytes([1]) + sid + b"hello") == 0, "Data refused")
        check(host.dispatch(bytes([3]) + sid + b"\x00") == 0, "Close refused")
        del host  # flushes and closes the WASI stdout file
        log = Path(out).read_text()
        expected = "echo_log: data 5 bytes\necho_log: close after 1 frames, clock ok\n"
        check(log == expected, f"stdout was {log!r}, expected {expected!r}")


def main() -> int:
    tests = []
    for scenario in SCENARIOS:
        for module in scenario["modules"]:
            tests.append((f"{module}: {scenario['name']}", lambda m=module, s=scenario: run_scenario(m, s)))
    for module in ECHOES:
        for vector in VECTORS["malformed"]:
            name = f"{module}: malformed {vector['name']} -> {vector['result']} (rule {vector['rule']})"
            tests.append((name, lambda m=module, v=vector: run_malformed(m, v)))
    tests.append(("wasi/echo_log: console.log and the clock reach WASI stdout", run_wasi_log))

    # Every built example (and WASI build) must be covered by a scenario.
    covered = {m for s in SCENARIOS for m in s["modules"]}
    built = sorted(
        f"{prefix}{p.stem}"
        for prefix, folder in (("", BUILD), ("wasi/", BUILD / "wasi"))
        for p in folder.glob("*.wasm")
    )

    def coverage():
        missing = [m for m in built if m not in covered]
        check(not missing, f"no scenario in tests/vectors/scenarios.json runs {missing}")
        absent = [m for m in covered if not os.path.exists(wasm(m))]
        check(not absent, f"not built: {absent} (npm run build:wasm && npm run build:fixtures && npm run build:wasi)")

    tests.insert(0, ("every built module has a scenario, every scenario's module is built", coverage))

    passed = failed = 0
    for name, test in tests:
        try:
            test()
        except Exception as err:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {name}\n     {err}")
            if not isinstance(err, (AssertionError, GuestTrap)):
                traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name}")
    if "--quick" not in sys.argv:
        for suite in (refusals, reject_codes, traps, memory_caps, json_suite, json_memory, author_memory, interrupts):
            suite_passed, suite_failed = suite.run(str(BUILD), out=lambda line: print(line, flush=True))
            passed, failed = passed + suite_passed, failed + suite_failed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
