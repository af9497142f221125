"""Traps in wasmtime (docs/ABI.md, "When the guest traps"), with tests/fixtures/trapper.ts: a Data payload "abort" calls
abort("boom"), "overflow" recurses without bound (wasmtime stops it: a stack overflow, no guest code runs),
anything else is echoed. The host calls the same instance again after each trap, as wasmtime allows:

  abort          the trapped stream got Error(Internal 9, "boom") before the trap and is finished (later Data
                 is NotFound); another stream's queued data drains whole and in order after a Credit frame
  overflow       the same, but its Internal goes out at the next call (first, before anything else)
  10,000 traps   abort and overflow alternately, each on a new stream, while an echo stream holds queued data:
                 every later call works, each trapped stream gets exactly one Internal, the queue drains at the
                 end, and memory does not grow after the first 100 traps
  shadow stack   tests/fixtures/author_trapper.ts (the incremental runtime keeps a 32 KiB shadow stack): 10,000
                 traps alternating abort, engine stack overflow and shadow-stack overflow, each on a new stream,
                 while a stream holds queued frames; then a recursion using 90% of the shadow stack (the most a
                 fresh instance holds, measured first) still works, so not even 1 byte leaked per trap; memory
                 stays flat over the second half; each trapped stream got exactly one Internal and is finished
                 (later Data is NotFound); the queued frames drain whole and in order
  no dealloc     (--no-dealloc) as above with a host that does not call ixt_dealloc for the frame of a
                 trapped call: informational, printed, never a failure (docs/ABI.md lets the runtime free
                 that buffer or leave it)

    python3 conformance/traps.py [--build DIR] [--traps N] [--no-dealloc]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ixt_host import OK, TRAPPED  # noqa: E402
from streams_model import INTERNAL, NOT_FOUND, Driver, KiB, Profile, Stop, data_frame  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODULE = "fixtures/trapper"
TRAPS = 10_000
PROFILE = Profile(MODULE, "echo")


class TrapCase:
    def __init__(self, build: str, dealloc_after_trap: bool = True, module: str = MODULE):
        self.d = Driver(os.path.join(build, f"{module}.wasm"), PROFILE, {INTERNAL}, record=True,
                        dealloc_after_trap=dealloc_after_trap)
        self.build = build
        self.host = self.d.host
        self.expect = self.d.expect
        self.fail = self.d.fail

    def trap(self, i: bytes, command: bytes) -> list:
        """Sends Data `command` on stream i, expects a trap; returns the calls made during it."""
        before = len(self.host.sent)
        result = self.host.dispatch(data_frame(i, command))
        if result != TRAPPED:
            self.fail(f"Data {command!r} did not trap: dispatcher answered {result}")
            raise Stop()
        return self.host.sent[before:]

    def calls(self, since: int) -> list:
        return [(c.stream_id, c.kind, c.status, c.payload if c.kind == "data" else c.code) for c in self.host.sent[since:]]

    def internals(self, i: bytes) -> list:
        return [c for c in self.host.sent if c.stream_id == i and c.kind == "error"]

    def queued_echo(self, payloads):
        """An echo stream without credit holding `payloads` in its queue."""
        e, result = self.d.open(credit=0)
        self.expect(result == 0, f"Open answered {result}")
        for p in payloads:
            self.expect(self.d.data(e, p) == 0, "Data not answered 0")
        return e

    def drain(self, e: bytes, payloads) -> None:
        self.d.credit(e, 1 << 20)
        out = [c.payload for c in self.host.sent if c.stream_id == e and c.kind == "data" and c.status == OK]
        self.expect(out == list(payloads), f"the queued stream sent {out} after the trap(s), expected {list(payloads)}")

    def finish(self) -> list:
        try:
            self.d.wind_down([i for i, log in self.d.model.streams.items() if log.end is None])
        except Stop:
            pass
        self.d.model.check_all()
        return self.d.model.violations


def abort_case(c: TrapCase) -> None:
    queued = [b"q1", b"q2", b"q3"]
    e = c.queued_echo(queued)
    b, _ = c.d.open()
    c.expect(c.d.data(b, b"before") == 0, "echo on the stream before the trap failed")
    during = c.trap(b, b"abort")
    want = [(b, "error", OK, INTERNAL, b"boom")]
    got = [(x.stream_id, x.kind, x.status, x.code, x.payload) for x in during]
    c.expect(got == want, f"during the abort the module sent {got}, expected Error(Internal, 'boom') on its stream")
    c.expect("unreachable" in (c.host.last_trap or ""), f"trap reason: {c.host.last_trap}")
    since = len(c.host.sent)
    c.drain(e, queued)
    c.expect(all(x[0] == e for x in c.calls(since)), f"the call after the trap sent {c.calls(since)}")
    c.expect(c.host.dispatch(data_frame(b, b"late")) == NOT_FOUND, "Data on the aborted stream is not NotFound")
    c.expect(len(c.internals(b)) == 1, f"{len(c.internals(b))} Errors on the aborted stream, expected 1")
    c.d.close(e)


def overflow_case(c: TrapCase) -> None:
    queued = [b"q1", b"q2"]
    e = c.queued_echo(queued)
    s, _ = c.d.open()
    during = c.trap(s, b"overflow")
    c.expect("stack" in (c.host.last_trap or "").lower(), f"not a stack overflow: {c.host.last_trap}")
    c.expect(during == [], f"during the stack overflow the module sent {during} (no guest code can run)")
    since = len(c.host.sent)
    c.d.credit(e, 1 << 20)
    calls = c.calls(since)
    want_first = (s, "error", OK, INTERNAL)
    c.expect(calls[:1] == [want_first], f"the next call sent {calls[:3]}…, expected Error(Internal) on the overflowed stream first")
    out = [x[3] for x in calls if x[0] == e and x[1] == "data"]
    c.expect(out == queued, f"the queued stream sent {out} after the trap, expected {queued}")
    c.expect(c.host.dispatch(data_frame(s, b"late")) == NOT_FOUND, "Data on the overflowed stream is not NotFound")
    c.expect(len(c.internals(s)) == 1, f"{len(c.internals(s))} Errors on the overflowed stream, expected 1")
    c.d.close(e)


def baseline(build: str, streams: int) -> int:
    """Memory after the same frames as many_traps with every stream ending normally instead of trapping."""
    c = TrapCase(build)
    e = c.queued_echo([b"held %d" % n for n in range(5)])
    for n in range(streams):
        s, _ = c.d.open()
        c.d.data(s, b"abort!" if n % 2 == 0 else b"overflow!")
        c.d.close(s)
        c.d.model.finish(s)
    c.drain(e, [b"held %d" % n for n in range(5)])
    return c.host.memory_bytes()


def many_traps(c: TrapCase, traps: int, strict: bool = True) -> str:
    queued = [b"held %d" % n for n in range(5)]
    e = c.queued_echo(queued)
    marks = []  # memory after each tenth of the traps
    trapped = []
    for n in range(traps):
        s, result = c.d.open()
        if result != 0:
            c.fail(f"after {n} traps an Open was answered {result}")
            raise Stop()
        c.trap(s, b"abort" if n % 2 == 0 else b"overflow")
        trapped.append(s)
        if (n + 1) % (traps // 10 or 1) == 0:
            marks.append(c.host.memory_bytes())
    # The last overflow's Internal goes out at this call.
    c.drain(e, queued)
    counts = {}
    for x in c.host.sent:
        if x.kind == "error":
            counts[x.stream_id] = counts.get(x.stream_id, 0) + (1 if x.status == OK and x.code == INTERNAL else 100)
    wrong = [s for s in trapped if counts.get(s) != 1]
    c.expect(not wrong, f"{len(wrong)} of {traps} trapped streams did not get exactly one Internal "
                        f"(e.g. stream #{trapped.index(wrong[0]) if wrong else 0}: {counts.get(wrong[0]) if wrong else 0})")
    i, result = c.d.open()
    c.expect(result == 0 and c.d.data(i, b"after the traps") == 0, "a new stream does not work after the traps")
    c.d.close(i)
    c.d.close(e)
    # Garbage (the trapped streams' objects) is collected in steps (the incremental collector), so memory grows at first
    # whether or not anything leaks. The yardstick: the same frames with streams that end normally.
    normal = baseline(c.build, traps)
    note = "memory by tenths " + " ".join(f"{m / KiB:.0f}" for m in marks) + f" KiB; without traps {normal / KiB:.0f} KiB"
    if strict and marks:
        c.expect(marks[-1] <= normal, f"memory after {traps:,} traps is {marks[-1]} bytes, above the {normal} "
                                      f"the same streams need without trapping: something leaks per trap")
    return note


AUTHOR_TRAPPER = "fixtures/author_trapper"


def deepest(build: str, hi: int = 1 << 16) -> int:
    """The deepest "deep N" a fresh author_trapper serves (its shadow stack's capacity, in levels)."""
    def serves(n: int) -> bool:
        d = Driver(os.path.join(build, f"{AUTHOR_TRAPPER}.wasm"), PROFILE, {INTERNAL}, record=True)
        i, _ = d.open()
        return d.host.dispatch(data_frame(i, b"deep %d" % n)) == 0 and d.host.sent[-1].payload == b"deep %d" % n

    lo = 0  # invariant: lo is served, hi is not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if serves(mid) else (lo, mid)
    return lo


def shadow_stack_traps(build: str, traps: int):
    def case(c: TrapCase) -> str:
        depth = deepest(build) * 9 // 10
        queued = [b"held %d" % n for n in range(5)]
        e = c.queued_echo(queued)
        kinds = [b"abort", b"overflow", b"shadow"]
        trapped, marks = [], []
        for n in range(traps):
            s, result = c.d.open()
            if result != 0:
                c.fail(f"after {n} traps an Open was answered {result}")
                raise Stop()
            c.trap(s, kinds[n % 3])
            trapped.append(s)
            if (n + 1) % (traps // 10 or 1) == 0:
                marks.append(c.host.memory_bytes())
        i, result = c.d.open()
        c.expect(result == 0, f"Open after {traps} traps answered {result}")
        c.expect(c.d.data(i, b"deep %d" % depth) == 0, f"deep {depth} after {traps} traps failed")
        c.expect(c.host.sent[-1].payload == b"deep %d" % depth, f"deep {depth} after the traps sent {c.host.sent[-1]}")
        c.drain(e, queued)
        internals = {}
        for x in c.host.sent:
            if x.kind == "error":
                internals.setdefault(x.stream_id, []).append((x.status, x.code, x.payload))
        wrong = [n for n, s in enumerate(trapped) if len(internals.get(s, [])) != 1 or internals[s][0][:2] != (OK, INTERNAL)]
        c.expect(not wrong, f"{len(wrong)} of {traps} trapped streams did not get exactly one Internal "
                            f"(e.g. #{wrong[0] if wrong else 0}: {internals.get(trapped[wrong[0]]) if wrong else 0})")
        shadow = [internals.get(s, [(0, 0, b"")])[0][2] for s in trapped[2::3]]
        c.expect(all(b"stack overflow" in (m or b"") for m in shadow),
                 f"a shadow-stack overflow's Internal does not say so: {shadow[0]!r}")
        late = [c.host.dispatch(data_frame(s, b"late")) for s in trapped[-3:]]
        c.expect(late == [NOT_FOUND] * 3, f"Data on trapped streams answered {late}, expected NotFound")
        c.d.data(i, b"still here")
        c.d.close(i)
        c.d.close(e)
        c.expect(marks[-1] == marks[len(marks) // 2 - 1], f"memory grew over the second half of the traps: "
                 + " ".join(f"{m // KiB}" for m in marks) + " KiB")
        return f"deep {depth} after the traps; memory by tenths " + " ".join(f"{m // KiB}" for m in marks) + " KiB"

    return case


CASES = [
    ("abort: Internal 'boom' on the aborted stream; another stream's queue drains after the trap", abort_case, True),
    ("stack overflow: Internal at the next call; another stream's queue drains", overflow_case, True),
]


def run(build: str = str(ROOT / "build"), traps: int = TRAPS, out=print, no_dealloc: bool = False):
    passed = failed = 0
    for module in (MODULE, AUTHOR_TRAPPER):
        if not os.path.exists(os.path.join(build, f"{module}.wasm")):
            out(f"FAIL traps: {module}.wasm not built (npm run build:fixtures)")
            return 0, 1
    tests = [(name, (lambda c, f=fn: (f(c), "")[1]), True) for name, fn, _ in CASES]
    tests.append((f"{traps:,} traps in a row (abort and stack overflow alternately): later calls work, memory flat",
                  lambda c: many_traps(c, traps), True))
    tests.append((f"{traps:,} traps (abort, stack overflow, shadow-stack overflow) leak no shadow stack: a recursion "
                  f"using 90% of it still works after them; queues kept, memory flat",
                  shadow_stack_traps(build, traps), True, AUTHOR_TRAPPER))
    if no_dealloc:
        tests.append((f"{traps:,} traps with a host that does not call ixt_dealloc after a trap (informational)",
                      lambda c: many_traps(c, traps), False))
    for name, fn, counts, *module in tests:
        start = time.perf_counter()
        c = TrapCase(build, dealloc_after_trap=counts, module=module[0] if module else MODULE)
        note = ""
        try:
            note = fn(c) or ""
        except Stop:
            pass
        violations = c.finish()
        line = f"{name} ({time.perf_counter() - start:.1f} s)" + (f" — {note}" if note else "")
        if not violations:
            passed += 1
            out(f"ok   {line}")
        elif not counts:
            out(f"info {line}")
            for v in violations:
                out(f"     {v}")
        else:
            failed += 1
            out(f"FAIL {line}")
            for v in violations:
                out(f"     {v}")
    return passed, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--traps", type=int, default=TRAPS)
    parser.add_argument("--no-dealloc", action="store_true", help="also run the informational no-dealloc variant")
    args = parser.parse_args()
    passed, failed = run(args.build, args.traps, no_dealloc=args.no_dealloc)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
