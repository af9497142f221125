"""Host refusals in wasmtime (docs/ABI.md, "Host refusals"): the host answers a
module's Data, Close or Error with each host status, on a frame sent directly (from the handler, on the
stack) and on one drained from the stream's queue after a Credit frame, on the first call or a later one.

  WouldBlock                  the frame is kept and retried, in order: at the stream's next Credit frame
                              (Credit(0) included) and at the end of any later dispatcher call (a Data or an
                              Open on another stream); nothing is lost or reordered, also on a stream with
                              unlimited credit, and when the retry is refused again
  UnknownStream, StreamClosed the stream is finished: nothing more is sent on it, later Data is NotFound (5),
                              and its id can be opened again
  any other (2, 4, 6, 10, 77) on a drained Data frame: it and everything behind it are dropped and the stream
                              fails with Error(PayloadTooLarge 12) for host PayloadTooLarge, Internal (9)
                              otherwise (the default onSendFailed); on a direct Data the echo examples fail
                              the stream with the same codes; a refused Close or Error finishes the stream

Modules: the echoes (stream_echo, stream_upper, stream_router, fixtures/capped_echo) and the producers
(stream_ticker, stream_json, a refusal on the Nth tick).

    python3 conformance/refusals.py [--build DIR] [--only TEXT]
"""

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from abi import (  # noqa: E402  the ABI's numbers, from docs/abi.json
    BAD_ARGUMENT,
    HOST_INTERNAL,
    INVALID_MEMORY,
    OK,
    PAYLOAD_TOO_LARGE,
    PAYLOAD_TOO_LARGE_CODE,
    STREAM_CLOSED,
    UNKNOWN_STREAM,
    WOULD_BLOCK,
)
from streams_model import (  # noqa: E402
    INTERNAL,
    NOT_FOUND,
    PROFILES,
    RESOURCE_EXHAUSTED,
    UNLIMITED,
    Driver,
    Stop,
    data_frame,
)

ROOT = Path(__file__).resolve().parent.parent
STATUSES = [WOULD_BLOCK, UNKNOWN_STREAM, BAD_ARGUMENT, STREAM_CLOSED, PAYLOAD_TOO_LARGE, INVALID_MEMORY, HOST_INTERNAL, 77]
STATUS_NAMES = {
    WOULD_BLOCK: "WouldBlock", UNKNOWN_STREAM: "UnknownStream", BAD_ARGUMENT: "BadArgument",
    STREAM_CLOSED: "StreamClosed", PAYLOAD_TOO_LARGE: "PayloadTooLarge", INVALID_MEMORY: "InvalidMemory",
    HOST_INTERNAL: "Internal", 77: "unknown status 77",
}
GONE = {UNKNOWN_STREAM, STREAM_CLOSED}
ECHOES = ["stream_echo", "stream_upper", "stream_router", "fixtures/capped_echo"]
PRODUCERS = ["stream_ticker", "stream_json"]
TRIGGERS = ["credit0", "other-data", "other-open"]


def fail_code(status: int) -> int:
    """The Error code a stream is failed with after the host refused a frame with `status`."""
    return PAYLOAD_TOO_LARGE_CODE if status == PAYLOAD_TOO_LARGE else INTERNAL


class Policy:
    """The host's refusal policy: `arm(kind, status, nth, times)` refuses the nth call of `kind` from now on
    (and the `times - 1` calls after it; times=None: until `release()`)."""

    def __init__(self):
        self.rules: list = []

    def arm(self, kind: str, status: int, nth: int = 1, times: Optional[int] = 1, stream: Optional[bytes] = None):
        self.rules.append({"kind": kind, "status": status, "nth": nth, "times": times, "seen": 0, "stream": stream})

    def release(self) -> None:
        self.rules.clear()

    def __call__(self, kind: str, stream: bytes, length: int) -> Optional[int]:
        for rule in self.rules:
            if rule["kind"] != kind or (rule["stream"] is not None and rule["stream"] != stream):
                continue
            if rule["times"] is not None and rule["times"] <= 0:
                continue
            rule["seen"] += 1
            if rule["seen"] >= rule["nth"]:
                if rule["times"] is not None:
                    rule["times"] -= 1
                return rule["status"]
        return None


class Case:
    def __init__(self, build: str, module: str):
        self.profile = PROFILES[module]
        self.policy = Policy()
        codes = {RESOURCE_EXHAUSTED, INTERNAL, PAYLOAD_TOO_LARGE_CODE}
        self.d = Driver(os.path.join(build, f"{module}.wasm"), self.profile, codes, respond=self.policy, record=True)
        self.host = self.d.host
        self.fail = self.d.fail
        self.expect = self.d.expect

    def calls(self, i: bytes, since: int = 0) -> list:
        """(kind, status, payload or code) of the calls on stream i from host.sent[since:]."""
        return [
            (c.kind, c.status, c.payload if c.kind == "data" else c.code)
            for c in self.host.sent[since:]
            if c.stream_id == i
        ]

    def out(self, i: bytes) -> list:
        return [c.payload for c in self.host.sent if c.stream_id == i and c.kind == "data" and c.status == OK]

    def echo(self, payload: bytes) -> bytes:
        return self.profile.transform(payload) if self.profile.kind == "echo" else payload

    def trigger(self, how: str, i: bytes, other: bytes) -> None:
        """A later dispatcher call that must retry a WouldBlock frame on stream i."""
        if how == "credit0":
            self.d.credit(i, 0)
        elif how == "other-data":
            self.expect(self.d.data(other, b"other") == 0, "Data on the other stream refused")
        else:
            j, result = self.d.open()
            self.expect(result == 0, f"Open of a third stream answered {result}")

    def reopen(self, i: bytes) -> None:
        """A finished stream has left the table: later Data is NotFound and its id can be opened again."""
        self.expect(self.host.dispatch(data_frame(i, b"late")) == NOT_FOUND, "Data after the stream's end is not NotFound (5)")
        self.d.model.finish(i)
        self.d.model.opened(i, 3)
        result = self.d.dispatch(self.profile.open(i, UNLIMITED, 3), "Open of the same id again")
        self.expect(result == 0, f"the id of a finished stream cannot be opened again: Open answered {result} "
                                 f"(11: the stream is still in the table)")
        if result == 0 and self.profile.kind == "echo":
            self.d.data(i, b"again")
            self.d.close(i)

    def after_refusal(self, i: bytes, status: int, since: int, expect_error: Optional[int]) -> None:
        """After a refusal other than WouldBlock: the calls on i after host.sent[since] (the refused one)."""
        later = self.calls(i, since + 1)
        if status in GONE or expect_error is None:
            self.expect(later == [], f"after the refusal ({STATUS_NAMES[status]}) the module still sent {later}")
        else:
            want = [("error", OK, expect_error)]
            self.expect(later == want, f"after the refusal ({STATUS_NAMES[status]}) the module sent {later}, expected {want}")
        self.reopen(i)

    def finish(self) -> list:
        self.policy.release()
        open_streams = [i for i, log in self.d.model.streams.items() if log.end is None]
        try:
            self.d.wind_down(open_streams)
        except Stop:
            pass
        self.d.model.check_all()
        return self.d.model.violations


def index_of_refusal(case: Case, i: bytes, kind: str, status: int) -> int:
    for n, c in enumerate(case.host.sent):
        if c.stream_id == i and c.kind == kind and c.status == status:
            return n
    case.fail(f"the host never refused a {kind} with {STATUS_NAMES[status]}: the module did not send it?")
    raise Stop()


# ---- scenarios: each takes (case, status, variant) ----


def data_direct(c: Case, status: int, nth: int, trigger: str) -> None:
    """Unlimited credit: d1..d4 echoed at once; the host refuses the echo of d<nth>. A WouldBlock lasts until
    the host releases it (the SDK also retries at the end of the call that was refused): d<nth> and the frames
    sent after it wait, then go out in order at the trigger."""
    i, _ = c.d.open()
    other, _ = c.d.open()
    payloads = [b"d%d" % n for n in range(1, 5)]
    blocked = status == WOULD_BLOCK
    c.policy.arm("data", status, nth=nth, times=None if blocked else 1, stream=i)
    for n, p in enumerate(payloads, 1):
        c.expect(c.d.data(i, p) == 0, f"Data {n} not answered 0")
        if n == nth and not blocked:
            break
    refused_at = index_of_refusal(c, i, "data", status)
    echoed = [c.echo(p) for p in payloads[: nth - 1]]
    c.expect(c.out(i) == echoed, f"sent {c.out(i)}, expected {echoed}")
    if blocked:
        c.policy.release()
        c.trigger(trigger, i, other)
        c.expect(c.out(i) == [c.echo(p) for p in payloads],
                 f"after {trigger}: sent {c.out(i)}: the WouldBlock frame and those behind it were not retried in order")
        c.d.close(i)
        c.expect(c.calls(i)[-1:] == [("close", OK, 0)], f"the stream did not close: {c.calls(i)[-1:]}")
    else:
        c.after_refusal(i, status, refused_at, fail_code(status))


def data_drained(c: Case, status: int, nth: int, trigger: str) -> None:
    """Credit 0: d1..d3 queued; a Credit frame drains them and the host refuses d<nth> (a WouldBlock lasts
    until released)."""
    i, _ = c.d.open(credit=0)
    other, _ = c.d.open()
    payloads = [b"q%d" % n for n in range(1, 4)]
    for p in payloads:
        c.expect(c.d.data(i, p) == 0, "Data not answered 0")
    c.expect(c.out(i) == [], f"sent {c.out(i)} without credit")
    blocked = status == WOULD_BLOCK
    c.policy.arm("data", status, nth=nth, times=None if blocked else 1, stream=i)
    c.d.credit(i, 1 << 20)
    refused_at = index_of_refusal(c, i, "data", status)
    echoed = [c.echo(p) for p in payloads[: nth - 1]]
    c.expect(c.out(i) == echoed, f"after the Credit: sent {c.out(i)}, expected {echoed}")
    if blocked:
        c.policy.release()
        c.trigger(trigger, i, other)
        c.expect(c.out(i) == [c.echo(p) for p in payloads], f"after {trigger}: sent {c.out(i)}: not retried, lost or reordered")
        c.d.close(i)
        c.expect(c.calls(i)[-1:] == [("close", OK, 0)], f"the stream did not close: {c.calls(i)[-1:]}")
    else:
        c.after_refusal(i, status, refused_at, fail_code(status))


def close_direct(c: Case, status: int, nth: int, trigger: str) -> None:
    """Unlimited credit: d1 echoed; the caller's Close is answered with Close(Normal), which the host refuses."""
    i, _ = c.d.open()
    other, _ = c.d.open()
    c.d.data(i, b"d1")
    c.policy.arm("close", status, times=None if status == WOULD_BLOCK else 1, stream=i)
    c.d.close(i)
    after_end(c, i, other, "close", status, trigger, 0)


def close_drained(c: Case, status: int, nth: int, trigger: str) -> None:
    """Credit 0: d1 queued, then the module's Close(Normal) queued behind it; a Credit frame drains both."""
    i, _ = c.d.open(credit=0)
    other, _ = c.d.open()
    c.d.data(i, b"d1")
    c.d.close(i)
    c.expect(c.calls(i) == [], f"sent {c.calls(i)} without credit")
    c.policy.arm("close", status, times=None if status == WOULD_BLOCK else 1, stream=i)
    c.d.credit(i, 1 << 20)
    c.expect(c.out(i) == [c.echo(b"d1")], f"sent {c.out(i)}, expected d1")
    after_end(c, i, other, "close", status, trigger, 0)


def error_direct(c: Case, status: int, nth: int, trigger: str) -> None:
    """Credit 0, nothing queued: a Data frame above the stream's queue limit gets QueueFull, and the echo fails
    the stream with Error(ResourceExhausted) at once; the host refuses that Error."""
    i, _ = c.d.open(credit=0)
    other, _ = c.d.open()
    c.policy.arm("error", status, times=None if status == WOULD_BLOCK else 1, stream=i)
    c.d.data(i, b"z" * (c.profile.stream_queue_limit + 1))
    after_end(c, i, other, "error", status, trigger, RESOURCE_EXHAUSTED)


def error_drained(c: Case, status: int, nth: int, trigger: str) -> None:
    """Credit 0: d1 queued; a Data frame that would pass the queue limit makes the echo fail the stream, its
    Error queued behind d1; a Credit frame drains both and the host refuses the Error."""
    i, _ = c.d.open(credit=0)
    other, _ = c.d.open()
    c.d.data(i, b"d1")
    c.d.data(i, b"z" * c.profile.stream_queue_limit)
    c.expect(c.calls(i) == [], f"sent {c.calls(i)} without credit")
    c.policy.arm("error", status, times=None if status == WOULD_BLOCK else 1, stream=i)
    c.d.credit(i, 1 << 20)
    c.expect(c.out(i) == [c.echo(b"d1")], f"sent {c.out(i)}, expected d1")
    after_end(c, i, other, "error", status, trigger, RESOURCE_EXHAUSTED)


def after_end(c: Case, i: bytes, other: bytes, kind: str, status: int, trigger: str, code: int) -> None:
    refused_at = index_of_refusal(c, i, kind, status)
    if status == WOULD_BLOCK:
        done = [x for x in c.calls(i, refused_at + 1) if x[1] != WOULD_BLOCK]
        c.expect(done == [], f"while the host blocks: sent {done}")
        c.policy.release()
        c.trigger(trigger, i, other)
        later = [x for x in c.calls(i, refused_at + 1) if x[1] != WOULD_BLOCK]
        c.expect(later == [(kind, OK, code)], f"after {trigger}: sent {later}, expected the {kind} retried: {(kind, OK, code)}")
        c.reopen(i)
    else:
        c.after_refusal(i, status, refused_at, None)


def wouldblock_persisting(c: Case, status: int, nth: int, trigger: str) -> None:
    """The host keeps answering WouldBlock over several retries (Credit(0), Data on another stream, Data on the
    stream itself): nothing goes out and nothing is lost; once it takes frames, the trigger sends them all."""
    i, _ = c.d.open()
    other, _ = c.d.open()
    c.policy.arm("data", WOULD_BLOCK, times=None, stream=i)
    c.d.data(i, b"d1")
    c.d.credit(i, 0)
    c.d.data(other, b"other")
    c.d.data(i, b"d2")
    c.expect(c.out(i) == [], f"sent {c.out(i)} though the host blocks")
    retries = len([x for x in c.calls(i) if x[1] == WOULD_BLOCK])
    c.expect(retries >= 3, f"only {retries} attempts over 4 dispatcher calls while blocked: not retried at each call")
    c.policy.release()
    c.trigger(trigger, i, other)
    c.d.close(i)
    c.expect(c.out(i) == [c.echo(b"d1"), c.echo(b"d2")], f"sent {c.out(i)}: lost or reordered")


def many_blocked(c: Case, status: int, nth: int, trigger: str) -> None:
    """40 streams blocked at once (each one echo refused with WouldBlock, then one more frame queued behind it):
    once the host takes frames again, later dispatcher calls (Data on another stream) send them all, each stream
    in order, within 10 calls."""
    streams = [c.d.open()[0] for _ in range(40)]
    other, _ = c.d.open()
    c.policy.arm("data", WOULD_BLOCK, times=None)
    for n, i in enumerate(streams):
        c.d.data(i, b"a%d" % n)
        c.d.data(i, b"b%d" % n)
    c.policy.release()
    calls = 0
    while calls < 10 and any(len(c.out(i)) < 2 for i in streams):
        c.d.data(other, b"tick")
        calls += 1
    for n, i in enumerate(streams):
        want = [c.echo(b"a%d" % n), c.echo(b"b%d" % n)]
        if c.out(i) != want:
            c.fail(f"stream {n}: sent {c.out(i)} after {calls} later calls, expected {want}")
            break


def producer_tick(c: Case, status: int, nth: int, trigger: str) -> None:
    """A producer with unlimited credit: the host refuses tick <nth> of 50 (a WouldBlock lasts until released;
    the producer must wait, not spin, and go on after the retry)."""
    p = c.profile
    i = c.d.new_id()
    c.d.model.opened(i, 50)
    blocked = status == WOULD_BLOCK
    c.policy.arm("data", status, nth=nth, times=None if blocked else 1, stream=i)
    c.expect(c.d.dispatch(p.open(i, UNLIMITED, 50), "Open") == 0, "Open refused")
    refused_at = index_of_refusal(c, i, "data", status)
    ticks = [p.tick(n) for n in range(1, 51)]
    c.expect(c.out(i) == ticks[: nth - 1], f"{len(c.out(i))} ticks sent, expected {nth - 1} before the refused one")
    if blocked:
        attempts = len([x for x in c.calls(i) if x[1] == WOULD_BLOCK])
        c.expect(attempts <= 2, f"{attempts} sends refused with WouldBlock during one call: the producer spins")
        c.policy.release()
        c.d.credit(i, 0)
        c.expect(c.out(i) == ticks, f"after Credit(0): {len(c.out(i))} ticks, expected all 50 in order")
        c.expect(c.calls(i)[-1:] == [("close", OK, 0)], f"the producer did not close: {c.calls(i)[-1:]}")
    else:
        c.after_refusal(i, status, refused_at, fail_code(status))


# (name, function, variants (nth, trigger) for WouldBlock, variants for the other statuses, modules)
SCENARIOS = [
    ("Data sent directly", data_direct, [(1, t) for t in TRIGGERS] + [(3, "credit0")], [(1, ""), (3, "")], ECHOES),
    ("Data drained from the queue", data_drained, [(1, t) for t in TRIGGERS] + [(2, "credit0")], [(1, ""), (2, "")], ECHOES),
    ("Close sent directly", close_direct, [(1, t) for t in TRIGGERS], [(1, "")], ECHOES),
    ("Close drained from the queue", close_drained, [(1, t) for t in TRIGGERS], [(1, "")], ECHOES),
    ("Error sent directly", error_direct, [(1, t) for t in TRIGGERS], [(1, "")], ECHOES),
    ("Error drained from the queue", error_drained, [(1, t) for t in TRIGGERS], [(1, "")], ECHOES),
    ("WouldBlock over several retries", wouldblock_persisting, [(1, t) for t in TRIGGERS], [], ECHOES),
    ("40 streams blocked at once", many_blocked, [(1, "other-data")], [], ECHOES),
    ("a producer's tick", producer_tick, [(5, "credit0")], [(5, "")], PRODUCERS),
]


def cases(build: str, only: Optional[str]):
    for name, fn, wb_variants, other_variants, modules in SCENARIOS:
        for module in modules:
            if not os.path.exists(os.path.join(build, f"{module}.wasm")):
                continue
            for status in STATUSES:
                for nth, trigger in wb_variants if status == WOULD_BLOCK else other_variants:
                    label = f"{module}: {name}, host answers {STATUS_NAMES[status]}"
                    label += f" (call {nth})" if nth > 1 else ""
                    label += f", retried by {trigger}" if status == WOULD_BLOCK else ""
                    if only and only not in label:
                        continue
                    yield label, module, fn, status, nth, trigger


def run_case(build: str, module: str, fn, status: int, nth: int, trigger: str) -> list:
    c = Case(build, module)
    try:
        fn(c, status, nth, trigger)
    except Stop:
        pass
    return c.finish()


def run(build: str = str(ROOT / "build"), only: Optional[str] = None, out=print):
    passed = failed = 0
    start = time.perf_counter()
    missing = [m for m in ECHOES + PRODUCERS if not os.path.exists(os.path.join(build, f"{m}.wasm"))]
    for m in missing:
        failed += 1
        out(f"FAIL host refusals: {m} not built")
    for label, module, fn, status, nth, trigger in cases(build, only):
        try:
            violations = run_case(build, module, fn, status, nth, trigger)
        except Exception as err:  # noqa: BLE001 - a harness error is a failure too
            violations = [f"{type(err).__name__}: {err}"]
        if violations:
            failed += 1
            out(f"FAIL {label}")
            for v in violations:
                out(f"     {v}")
        else:
            passed += 1
            out(f"ok   {label}")
    out(f"host refusals: {passed + failed} cases in {time.perf_counter() - start:.1f} s")
    return passed, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--only")
    args = parser.parse_args()
    passed, failed = run(args.build, args.only)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
