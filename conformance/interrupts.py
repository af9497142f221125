"""Calls stopped at any point (docs/ABI.md, "When a call is stopped"), in wasmtime with fuel; epochs as a smoke test.

A runtime bounds every guest call, and wasmtime stops a call at a function entry or a loop back-edge: inside the
author's code, the SDK's tables, the allocator or the collector. For each module and each frame kind that runs
code (Open, Data, Close, Cancel, Error, Credit with queued frames, and a Data frame whose answer the host refuses
WouldBlock, so its stream joins the retry list in the stopped call) this suite sets up an instance with three open
streams (A: frames queued behind small credit; B: blocked on the retry list, the host answering its Data
WouldBlock; C: open), delivers the target frame with fuel 0, 1, 2, … below what the call needs (each value one
interrupt point; the need is measured by an uninterrupted run first), then, on the same instance with unlimited
fuel, a follow-up workload (a new Open, Data on every stream, Credit that drains A's queue, the host unblocking B
and a Credit(0) on it, Closes, then Credit enough for every producer to finish). Each stream's outbound record
(every call but those answered WouldBlock) is compared with a reference run that was never interrupted, and each
point is classified:

  recovered   not lost; one stream at most (the one whose code was running: the target frame's, or the blocked
              one retried at the end of the call) has a prefix of its reference record, then Error(Internal,
              TRAPPED_MESSAGE), then nothing; every other stream's record is exactly its reference's, and every
              frame of theirs gets the reference's result. A stop inside ixt_alloc delivers nothing: the host
              delivers the same frame again (a runtime retrying it), and nothing may differ at all.
  lost        ixt_instance_lost() is 1 right after the stop (before any other call) and at the end; at the next
              export call every stream open at the stop (but the target's, which may or may not have been in the
              table) got exactly one Error(Internal, LOST_MESSAGE) after a prefix of its reference record, and
              nothing else was ever sent; every later frame gets ixt_alloc 0 (ALLOC_REFUSED), a buffer handed to
              ixt_module_handle_server_stream directly gets LOST_CODE, ixt_dealloc does nothing.
  broken      anything else: a trap after the stop, a record that differs, a frame dropped without an Error, a
              duplicate Error, a LOST_MESSAGE without the lost state. The suite fails on any.

After a stop in the handler, the host calls ixt_dealloc for that frame's buffer first at odd fuel values and
leaves it at even ones (docs/ABI.md lets a runtime do either).

Modules: every example in build/ and every author-memory fixture (build/fixtures/author_*.wasm, handlers that
allocate in every callback, so the collector is stopped mid-step too). A built module with no workload below
fails the suite.

Points: CI samples POINTS fuel values per module and frame kind (always the first three and the last, the rest
drawn with a seed it prints); IXT_INTERRUPTS=full (npm run soak) tries every value. The epoch smoke test runs
long producer Opens with an epoch deadline of 1 and a thread that increments the epoch after a random delay;
each stop must end recovered or lost.

    python3 conformance/interrupts.py                      # the CI sample (seed printed)
    IXT_INTERRUPTS=full python3 conformance/interrupts.py  # every point
    python3 conformance/interrupts.py --seed 7 --points 100 --modules stream_echo,author_words --kinds open,data
    python3 conformance/interrupts.py --modules stream_echo --kinds open --fuel 1234   # one point, in detail

A point in detail shows the wasm stack where the call stopped (and where a later call trapped): by function
index, or by name with a build that keeps them (`npx asc examples/stream_echo.ts --target release --debug -o
/tmp/named/stream_echo.wasm`, then `--build /tmp/named`: the same code, the same points).
"""

import argparse
import os
import random
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from abi import (  # noqa: E402  the ABI's numbers, from docs/abi.json
    DATA,
    INTERNAL,
    LOST_CODE,
    LOST_EXPORT,
    LOST_MESSAGE,
    NOT_FOUND,
    OK,
    STREAM_CLOSED,
    TRAPPED_MESSAGE,
    UNKNOWN,
    UNLIMITED_CREDIT,
    WOULD_BLOCK,
)
from ixt_host import ALLOC_REFUSED, ENGINES, TRAPPED, IxtHost, trap_message  # noqa: E402
from wasmtime import Trap, WasmtimeError  # noqa: E402
from streams_model import (  # noqa: E402
    cancel_frame,
    close_frame,
    credit_frame,
    data_frame,
    error_frame,
    open_frame,
    sid,
)

ROOT = Path(__file__).resolve().parent.parent
# "blocked": a Data frame whose answer the host refuses WouldBlock, so the stream joins the retry list in the
# stopped call (a producer's: a Credit frame whose tick is refused so).
KINDS = ("open", "data", "close", "cancel", "error", "credit", "blocked")
POINTS = 100  # fuel values tried per module and frame kind in CI
EPOCH_TRIALS = 6  # epoch stops per long call in CI (IXT_INTERRUPTS=full: 50)
LOST_TEXT = LOST_MESSAGE.encode()
TRAPPED_TEXT = TRAPPED_MESSAGE.encode()

# The streams: A queued behind small credit, B blocked by WouldBlock, C open, D the target Open, E a later Open.
A, B, C, D, E = (sid(n, 0x1A7E) for n in (1, 2, 3, 4, 5))
NAMES = {A: "A", B: "B", C: "C", D: "D", E: "E"}


# ---- what each module is sent ----


@dataclass
class Spec:
    """A module's workload. `request(role)` is an Open's request payload (role "a" … "e"), `payload(k)` the k-th
    Data payload; `credit_a` the small credit of stream A, `credit_c` stream C's; `close_a` closes A during the
    setup (for a module that answers only at the caller's Close, so A then holds queued frames); a producer takes no
    Data (the handler's default fails the stream), so only the target Data frame is sent to one."""

    module: str
    method: bytes = b""
    context: bytes = b""
    request: Callable[[str], bytes] = lambda role: b""
    payload: Callable[[int], bytes] = lambda k: b"frame %d" % k
    credit_a: int = 4
    credit_c: int = UNLIMITED_CREDIT
    credit_step: int = 64  # the target Credit on A
    close_a: bool = False
    takes_data: bool = True

    def open(self, i: bytes, role: str, credit: int) -> bytes:
        return open_frame(i, self.method, self.context, self.request(role), credit)


def _ticks(n_by_role: dict, default: int) -> Callable[[str], bytes]:
    return lambda role: str(n_by_role.get(role, default)).encode()


SPECS = {
    s.module: s
    for s in (
        Spec("stream_echo", payload=lambda k: b"echo %d" % k),
        Spec("stream_router", method=b"echo", context=b"caller-token", payload=lambda k: b"routed %d" % k),
        Spec("stream_upper", payload=lambda k: ("straße %d é" % k).encode()),
        Spec("stream_counter", payload=lambda k: b"count %d" % k, close_a=True),
        Spec("stream_lines", method=b"lines", payload=lambda k: b"end of line %d\nstart \xc3" % k if k % 2 else
             b"\xa9 of %d\r\nand\n" % k),
        Spec("stream_json", method=b"json", credit_a=30, credit_c=30, takes_data=False,
             request=lambda role: b'{"count":%d,"prefix":"p\\u00e9"}' % (3 if role == "d" else 5)),
        Spec("json_canon", method=b"json.canon", credit_a=8,
             payload=lambda k: b'{ "k" : [ 1 , 2.50 , "x\\u0041%d" , { } ] , "t" : true }' % k),
        Spec("stream_ticker", credit_a=1, credit_c=2, takes_data=False, request=_ticks({"d": 3}, 5)),
        Spec("fixtures/author_available", credit_a=1,
             payload=lambda k: (b"check" if k % 2 else b"avail") + struct.pack("<I", 64 + 8 * k)),
        Spec("fixtures/author_concat", credit_a=8, credit_c=0, takes_data=False,
             request=lambda role: b"2 3" if role == "d" else b"3 2"),
        Spec("fixtures/author_hog", payload=lambda k: b"big %d" % (100 + k) if k % 2 else b"hog %d" % k),
        Spec("fixtures/author_keeper", payload=lambda k: b"chunk %d" % k, close_a=True),
        Spec("fixtures/author_ticker", credit_a=8, credit_c=0, takes_data=False, request=_ticks({"d": 3}, 4)),
        Spec("fixtures/author_trapper", payload=lambda k: b"deep %d" % (k % 4) if k % 2 else b"trapper %d" % k),
        Spec("fixtures/author_upper", payload=lambda k: ("upper %d ß" % k).encode()),
        Spec("fixtures/author_words", payload=lambda k: b"the cat and the hat %d the end" % k),
    )
}

# Steps: ("frame", bytes) delivers a frame; ("unblock", id) makes the host stop answering that stream WouldBlock.


def setup_steps(s: Spec) -> list:
    steps = [("frame", s.open(A, "a", s.credit_a)), ("frame", s.open(B, "b", UNLIMITED_CREDIT)),
             ("frame", s.open(C, "c", s.credit_c))]
    if s.takes_data:
        steps += [("frame", data_frame(A, s.payload(0))), ("frame", data_frame(A, s.payload(1))),
                  ("frame", data_frame(B, s.payload(2))), ("frame", data_frame(C, s.payload(3)))]
    if s.close_a:
        steps.append(("frame", close_frame(A)))
    return steps


def target_frame(s: Spec, kind: str) -> bytes:
    return {
        "open": lambda: s.open(D, "d", UNLIMITED_CREDIT),
        "data": lambda: data_frame(C, s.payload(4)),
        "close": lambda: close_frame(C),
        "cancel": lambda: cancel_frame(C),
        "error": lambda: error_frame(C, UNKNOWN, "the caller failed: ünïcode".encode()),
        "credit": lambda: credit_frame(A, s.credit_step),
        "blocked": lambda: data_frame(C, s.payload(5)) if s.takes_data else credit_frame(C, s.credit_step),
    }[kind]()


def follow_up_steps(s: Spec) -> list:
    steps = [("frame", s.open(E, "e", UNLIMITED_CREDIT))]
    if s.takes_data:
        steps += [("frame", data_frame(i, s.payload(10 + n))) for n, i in enumerate((A, C, D, E))]
    steps += [("frame", credit_frame(A, 1 << 20)), ("unblock", B), ("frame", credit_frame(B, 0)), ("unblock", C)]
    if s.takes_data:
        steps.append(("frame", data_frame(B, s.payload(20))))
    steps += [("frame", close_frame(i)) for i in (A, B, C, D, E)]
    steps += [("frame", credit_frame(i, 1 << 20)) for i in (A, B, C, D, E)]
    return steps


# ---- one run ----


@dataclass
class Outcome:
    calls: list  # every outbound call: (stream id, kind, payload, code, status)
    results: list  # (frame's stream id, frame kind, result) for every follow-up frame
    target_result: int
    fuel: Optional[int]  # the target delivery's fuel (uninterrupted: what it needs)
    stopped: bool = False
    phase: Optional[str] = None  # where the stop hit: "alloc", "handle" or "dealloc"
    where: str = ""  # the wasm stack at the stop (names with a --debug build)
    at_stop: int = 0  # len(calls) at the stop
    after_first: int = 0  # len(calls) after the first export call after the stop
    open_at_stop: set = field(default_factory=set)  # streams open on the host's side at the stop
    lost_early: bool = False  # ixt_instance_lost() right after the stop
    lost_end: bool = False
    problems: list = field(default_factory=list)  # broken, whatever the records say


class Runner:
    """One instance: the setup, the target frame (with a fuel budget or an epoch deadline), the follow-up."""

    def __init__(self, path: str, interrupts: str):
        self.blocked = {B}
        self.host = IxtHost(path, traps="report", interrupts=interrupts, dealloc_after_trap=False,
                            respond=self._respond)

    def _respond(self, kind: str, stream: bytes, length: int) -> Optional[int]:
        return WOULD_BLOCK if kind == "data" and stream in self.blocked else None

    def steps(self, steps: list, results: Optional[list]) -> None:
        host = self.host
        for what, arg in steps:
            if what == "unblock":
                self.blocked.discard(arg)
                continue
            result = host.dispatch(arg)
            if results is not None:
                results.append((bytes(arg[1:17]), arg[0], result))
            if result == TRAPPED:
                raise Broken(f"a later call trapped: {host.last_trap} (in {host.last_trap_phase} at "
                             f"{host.last_trap_where})")

    def run(self, s: Spec, kind: str, fuel: Optional[int] = None, epoch: Optional[Callable] = None) -> Outcome:
        host = self.host
        self.steps(setup_steps(s), None)
        if kind == "blocked":
            self.blocked.add(C)  # until the follow-up unblocks it, after B
        mark = len(host.sent)
        frame = target_frame(s, kind)
        if epoch is not None:
            epoch()  # starts the thread that will increment the epoch
            result = host.dispatch(frame, epoch_deadline=1)
        elif fuel is not None:
            result = host.dispatch(frame, fuel=fuel)
        else:
            result = host.dispatch(frame)
        out = Outcome([], [], result, host.last_fuel)
        if result == TRAPPED:
            if not host.last_trap_interrupt:
                out.problems.append(f"the target call trapped by itself: {host.last_trap} (in {host.last_trap_phase})")
            out.stopped, out.phase, out.where = True, host.last_trap_phase, host.last_trap_where
            out.at_stop = len(host.sent) - mark
            out.open_at_stop = {i for i, state in host.streams.items() if state == "open"}
            out.lost_early = host.instance_lost()
        post = ([("frame", frame)] if out.phase == "alloc" else []) + follow_up_steps(s)  # alloc: nothing delivered,
        try:  # so the runtime delivers the frame again
            if out.phase == "handle" and (fuel or 0) % 2 == 1:
                try:
                    host.dealloc(host.last_ptr, len(frame))  # the runtime frees the buffer of the stopped call
                except (Trap, WasmtimeError) as err:
                    raise Broken(f"ixt_dealloc of the stopped call's buffer trapped: {trap_message(str(err))}")
            else:
                self.steps(post[:1], out.results)
                post = post[1:]
            out.after_first = len(host.sent) - mark
            self.steps(post, out.results)
            out.lost_end = host.instance_lost()
            if out.lost_end:
                self._lost_checks(out)
        except Broken as err:
            out.problems.append(str(err))
        out.calls = [(c.named or c.stream_id, c.kind, c.payload, c.code, c.status) for c in host.sent[mark:]]
        return out

    def _lost_checks(self, out: Outcome) -> None:
        """A lost instance: a buffer handed to the dispatcher directly gets LOST_CODE, ixt_dealloc does nothing,
        and neither sends anything."""
        host = self.host
        before = len(host.sent)
        ptr = host.last_ptr
        for frame in (data_frame(C, b"after the loss"), open_frame(sid(99)), close_frame(A), credit_frame(B, 1 << 20)):
            result = host.handle_at(ptr, frame)
            if result != LOST_CODE:
                out.problems.append(f"lost, but ixt_module_handle_server_stream answered {result} to a "
                                    f"{frame[0]}-frame, not LOST_CODE {LOST_CODE}")
        host.dealloc(ptr, 64)
        if len(host.sent) != before:
            out.problems.append(f"lost, but the module sent {host.sent[before:]} to a direct dispatcher call or "
                                "ixt_dealloc")
        if host.dispatch(data_frame(C, b"x")) != ALLOC_REFUSED:
            out.problems.append("lost, but ixt_alloc did not return 0 after a direct dispatcher call")


class Broken(Exception):
    pass


# ---- classifying a point ----


def records(calls: list) -> dict:
    """Each stream's outbound calls but those the host answered WouldBlock (a frame not taken, tried again)."""
    out: dict = {}
    for c in calls:
        if c[4] != WOULD_BLOCK:
            out.setdefault(c[0], []).append(c[1:])
    return out


def show(entry) -> str:
    kind, payload, code, status = entry
    text = payload if len(payload or b"") <= 40 else payload[:37] + b"..."
    return f"{kind}({text!r}{'' if code is None else f', code {code}'}){'' if status == OK else f' status {status}'}"


def _first_difference(got: list, want: list) -> str:
    for n, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f"call {n}: {show(g)}, reference {show(w)}"
    if len(got) > len(want):
        return f"{len(got) - len(want)} more calls than the reference, first {show(got[len(want)])}"
    return f"{len(want) - len(got)} calls fewer than the reference, first missing {show(want[len(got)])}"


def _is_error(entry, text: bytes) -> bool:
    return entry[0] == "error" and entry[2] == INTERNAL and entry[1] == text


def classify(ref: Outcome, got: Outcome, kind: str) -> tuple:
    """("recovered" | "lost" | "broken", why): see the module's docstring."""
    if got.problems:
        return "broken", "; ".join(got.problems)
    if not got.stopped:
        return ("recovered", "") if got.calls == ref.calls and got.results == ref.results else (
            "broken", "ran to the end, yet differs from the reference")
    target = D if kind == "open" else (A if kind == "credit" else C)
    want = records(ref.calls)
    if got.lost_early != got.lost_end:
        return "broken", f"{LOST_EXPORT}() was {int(got.lost_early)} right after the stop, {int(got.lost_end)} at the end"
    if got.lost_end:
        before, after = records(got.calls[: got.at_stop]), got.calls[got.at_stop :]
        for i, rec in before.items():
            if rec != want.get(i, [])[: len(rec)]:
                return "broken", f"before the stop, stream {NAMES.get(i, i)}: {_first_difference(rec, want.get(i, []))}"
        told = []
        for c in after:
            if c[4] == WOULD_BLOCK or not _is_error(c[1:], LOST_TEXT):
                return "broken", f"lost, yet after the stop it sent {show(c[1:])} on stream {NAMES.get(c[0], c[0])}"
            if c[0] in told:
                return "broken", f"lost: stream {NAMES.get(c[0], c[0])} got a second LOST_MESSAGE"
            told.append(c[0])
        if len(got.calls) > got.after_first:
            return "broken", "lost, yet it sent LOST_MESSAGE after the first call that followed the stop"
        missing = sorted(NAMES[i] for i in got.open_at_stop - set(told) if i != target)
        if missing:
            return "broken", f"lost, but stream(s) {', '.join(missing)}, open at the stop, got no LOST_MESSAGE"
        if any(r != ALLOC_REFUSED for _, _, r in got.results):
            return "broken", f"lost, yet a later frame got {[r for _, _, r in got.results if r != ALLOC_REFUSED][0]}"
        return "lost", ""
    # Not lost: nothing may say so, one stream at most failed with Internal, the others exactly as the reference.
    have = records(got.calls)
    failed = [i for i, rec in have.items() if rec and _is_error(rec[-1], TRAPPED_TEXT)
              and not (want.get(i) and _is_error(want[i][-1], TRAPPED_TEXT))]
    if any(_is_error(e, LOST_TEXT) for rec in have.values() for e in rec):
        return "broken", "sent LOST_MESSAGE, yet ixt_instance_lost() is 0"
    if len(failed) > 1:
        return "broken", f"streams {', '.join(NAMES.get(i, '?') for i in failed)} all got Internal"
    if failed and (got.phase != "handle" or failed[0] not in (target, B)):  # the frame's, or retried at the end
        return "broken", f"stream {NAMES.get(failed[0], '?')} got Internal after a stop in {got.phase}"
    # An Open stopped before its stream was in the table: the runtime saw it fail (no result), nothing was sent for
    # it and its later frames find no stream (Data NotFound), as for an Open that was never made.
    never_opened = (kind == "open" and got.phase == "handle" and not failed and not have.get(D)
                    and all(r == NOT_FOUND for i, k, r in got.results if i == D and k == DATA))
    for i in sorted(set(have) | set(want), key=lambda i: NAMES.get(i, "?")):
        rec, ref_rec = have.get(i, []), want.get(i, [])
        if failed and i == failed[0]:
            prefix = rec[:-1]
            if prefix != ref_rec[: len(prefix)]:
                return "broken", f"stream {NAMES[i]} (failed): {_first_difference(prefix, ref_rec)}"
        elif never_opened and i == D:
            continue
        elif rec != ref_rec:
            why = _first_difference(rec, ref_rec)
            if i == target and got.phase == "handle" and not failed:
                why += " (the stopped frame's effect is missing, and its stream got no Error)"
            return "broken", f"stream {NAMES.get(i, i)}: {why}"
    skip = {failed[0]} if failed else ({D} if never_opened else set())
    got_results = got.results[1:] if got.phase == "alloc" else got.results
    if got.phase == "alloc" and got.results[0][2] != ref.target_result:
        return "broken", f"the frame delivered again got {got.results[0][2]}, uninterrupted {ref.target_result}"
    for (i, k, r), (_, _, want_r) in zip(got_results, ref.results):
        if r != want_r and i not in skip:
            return "broken", f"a later {k}-frame for stream {NAMES.get(i, i)} got {r}, in the reference {want_r}"
    return "recovered", ""


def self_check() -> list:
    """The classifier on made-up points: a good "lost" and a good "recovered", then each with one fault planted.
    Returns what it got wrong (empty when every plant is called broken and the good points are not)."""

    def call(i, kind, payload=b"", code=None, status=OK):
        return (i, kind, payload, code, status)

    ref = Outcome([call(A, "data", b"a"), call(B, "data", b"b"), call(C, "data", b"c"), call(A, "close", None, 0)],
                  [(A, DATA, 0), (C, DATA, 0)], 0, 100)
    lost_err = [call(i, "error", LOST_TEXT, INTERNAL) for i in (A, B, C)]
    lost = dict(calls=[ref.calls[0]] + lost_err, results=[(A, DATA, ALLOC_REFUSED), (C, DATA, ALLOC_REFUSED)],
                target_result=TRAPPED, fuel=50, stopped=True, phase="handle", at_stop=1, after_first=4,
                open_at_stop={A, B, C}, lost_early=True, lost_end=True)
    failed = call(C, "error", TRAPPED_TEXT, INTERNAL)
    recovered = dict(calls=ref.calls[:2] + [failed, ref.calls[3]], results=[(A, DATA, 0), (C, DATA, NOT_FOUND)],
                     target_result=TRAPPED, fuel=50, stopped=True, phase="handle", at_stop=1, after_first=2,
                     open_at_stop={A, B, C})
    cases = [("a lost instance", lost, "lost"), ("a recovered instance", recovered, "recovered")]
    plants = [
        ("lost: B got no LOST_MESSAGE", lost, dict(calls=[ref.calls[0]] + lost_err[::2])),
        ("lost: A got two", lost, dict(calls=[ref.calls[0]] + lost_err + lost_err[:1], after_first=5)),
        ("lost: a LOST_MESSAGE after the first call", lost, dict(after_first=3)),
        ("lost: Data after the loss", lost, dict(calls=[ref.calls[0]] + lost_err + [ref.calls[1]], after_first=5)),
        ("lost: a frame delivered after the loss", lost, dict(results=[(A, DATA, 0)])),
        ("lost: the flag set only at the next call", lost, dict(lost_early=False)),
        ("lost: a record that differs before the stop", lost, dict(calls=[call(A, "data", b"x")] + lost_err)),
        ("lost: the flag without the Errors", lost, dict(calls=ref.calls)),
        ("recovered: B lost its Close", recovered, dict(calls=ref.calls[:2] + [failed])),
        ("recovered: C sent after its Internal", recovered, dict(calls=ref.calls[:2] + [failed, ref.calls[2]])),
        ("recovered: two streams failed", recovered,
         dict(calls=[ref.calls[0], call(B, "error", TRAPPED_TEXT, INTERNAL), failed, ref.calls[3]])),
        ("recovered: C's frame dropped without an Error", recovered, dict(calls=[ref.calls[i] for i in (0, 1, 3)])),
        ("recovered: a LOST_MESSAGE without the flag", recovered,
         dict(calls=ref.calls[:2] + [call(C, "error", LOST_TEXT, INTERNAL), ref.calls[3]])),
        ("recovered: another stream's later frame answered otherwise", recovered,
         dict(results=[(A, DATA, NOT_FOUND), (C, DATA, NOT_FOUND)])),
        ("recovered: a failed stream after a stop in ixt_dealloc", recovered, dict(phase="dealloc")),
    ]
    wrong = []
    for name, base, want in cases:
        verdict, why = classify(ref, Outcome(**base), "data")
        if verdict != want:
            wrong.append(f"{name}: {verdict} {why}")
    for name, base, change in plants:
        verdict, _ = classify(ref, Outcome(**{**base, **change}), "data")
        if verdict != "broken":
            wrong.append(f"{name}: {verdict}, not broken")
    return wrong


# ---- the sweep ----


@dataclass
class Tally:
    module: str
    kind: str
    need: int = 0
    tried: int = 0
    recovered: int = 0
    ran_through: int = 0  # fuel enough to finish after its last stop check: no stop, identical
    lost: int = 0
    broken: list = field(default_factory=list)  # (fuel, why)
    seconds: float = 0.0


def detail(ref: Outcome, got: Outcome, out=print) -> None:
    """One point in full: where it stopped, the lost state, each stream's record against the reference."""
    out(f"     stopped: {got.stopped} in {got.phase} at {got.where or '?'}; {LOST_EXPORT}: {int(got.lost_early)} after the stop, "
        f"{int(got.lost_end)} at the end; open at the stop: {sorted(NAMES.get(i, '?') for i in got.open_at_stop)}; "
        f"{got.at_stop} calls before the stop")
    have, want = records(got.calls), records(ref.calls)
    for i in sorted(set(have) | set(want), key=lambda i: NAMES.get(i, "?")):
        out(f"     stream {NAMES.get(i, i.hex())}:")
        out(f"       got       {[show(e) for e in have.get(i, [])]}")
        out(f"       reference {[show(e) for e in want.get(i, [])]}")
    out(f"     results:   {[(NAMES.get(i, '?'), k, r) for i, k, r in got.results]}")
    out(f"     reference: {[(NAMES.get(i, '?'), k, r) for i, k, r in ref.results]}")
    for p in got.problems:
        out(f"     problem: {p}")


def sweep(path: str, s: Spec, kind: str, fuels, tally: Tally, out=print, verbose: bool = False) -> None:
    ref = Runner(path, "fuel").run(s, kind)
    if ref.problems or ref.target_result == TRAPPED:
        tally.broken.append((None, "the reference run failed: " + "; ".join(ref.problems)))
        return
    for fuel in fuels(ref.fuel):
        tally.tried += 1
        try:
            got = Runner(path, "fuel").run(s, kind, fuel=fuel)
            verdict, why = classify(ref, got, kind)
            if verbose:
                out(f"     fuel {fuel}: {verdict} {why}")
                detail(ref, got, out)
        except Exception as err:  # noqa: BLE001 - a harness error at one point is that point's failure
            verdict, why = "broken", f"{type(err).__name__}: {err}"
            got = None
        if verdict == "recovered":
            tally.recovered += 1
            tally.ran_through += got is not None and not got.stopped
        elif verdict == "lost":
            tally.lost += 1
        else:
            tally.broken.append((fuel, why))
    tally.need = ref.fuel


def module_paths(build: str) -> list:
    """Every example in build/ and every author-memory fixture, by name ("fixtures/author_upper")."""
    names = sorted(p.stem for p in Path(build).glob("*.wasm"))
    names += sorted(f"fixtures/{p.stem}" for p in Path(build, "fixtures").glob("author_*.wasm"))
    return names


def epoch_smoke(path: str, s: Spec, trials: int, rng: random.Random) -> tuple:
    """Long Opens (a producer's many frames) stopped by an epoch tick after a random delay: (stopped, recovered,
    lost, broken list)."""
    stopped = recovered = lost = 0
    broken = []
    ref = Runner(path, "fuel").run(s, "open")
    for _ in range(trials):
        delay = rng.uniform(0.0005, 0.02)
        runner = Runner(path, "epoch")
        ticker = []

        def start():
            t = threading.Timer(delay, ENGINES["epoch"].increment_epoch)
            t.start()
            ticker.append(t)

        got = runner.run(s, "open", epoch=start)
        ticker[0].join()
        verdict, why = classify(ref, got, "open")
        stopped += got.stopped
        if verdict == "recovered":
            recovered += got.stopped
        elif verdict == "lost":
            lost += 1
        else:
            broken.append((f"{delay * 1000:.2f} ms", why))
    return stopped, recovered, lost, broken


# Long calls for the epoch test: producers whose Open sends many frames at once.
EPOCH_SPECS = [
    Spec("stream_ticker", credit_a=1, credit_c=2, takes_data=False, request=_ticks({"d": 20000}, 5)),
    Spec("fixtures/author_ticker", credit_a=8, credit_c=0, takes_data=False, request=_ticks({"d": 20000}, 4)),
    Spec("fixtures/author_concat", credit_a=8, credit_c=0, takes_data=False,
         request=lambda role: b"400 40" if role == "d" else b"3 2"),
    Spec("stream_json", method=b"json", credit_a=30, credit_c=30, takes_data=False,
         request=lambda role: b'{"count":%d,"prefix":"p"}' % (20000 if role == "d" else 5)),
]


def run(build: str = str(ROOT / "build"), out=print, *, full: Optional[bool] = None, points: int = POINTS,
        seed: Optional[int] = None, modules: Optional[list] = None, kinds=KINDS, fuel: Optional[int] = None,
        epochs: bool = True):
    full = os.environ.get("IXT_INTERRUPTS") == "full" if full is None else full
    seed = int(os.environ.get("IXT_INTERRUPTS_SEED", random.randrange(1 << 31))) if seed is None else seed
    passed = failed = 0
    started = time.perf_counter()
    names = modules or module_paths(build)
    unknown = [m for m in names if m not in SPECS]
    if unknown:
        out(f"FAIL interrupts: no workload for {unknown} in conformance/interrupts.py (SPECS)")
        failed += 1
    mode = "every point" if full else f"{points} points per module and frame kind, seed {seed}"
    if fuel is not None:
        mode = f"fuel {fuel} only"
    out(f"interrupts: calls stopped by fuel ({mode})")
    wrong = self_check()
    if wrong:
        failed += 1
        out("FAIL interrupts: the classifier is wrong on made-up points: " + "; ".join(wrong))
    else:
        passed += 1
        out("ok   interrupts: the classifier calls each of 15 planted faults broken, and a good lost and a good "
            "recovered point what they are")
    tallies = []
    for name in names:
        if name not in SPECS:
            continue
        path = os.path.join(build, f"{name}.wasm")
        if not os.path.exists(path):
            out(f"FAIL interrupts: {path} not built (npm run build:wasm && npm run build:fixtures)")
            failed += 1
            continue
        for kind in kinds:
            rng = random.Random(f"{seed}/{name}/{kind}")

            def fuels(need, rng=rng):
                if fuel is not None:
                    return [fuel]
                if full or need <= points:
                    return range(need)
                edges = [0, 1, 2, need - 1]
                return edges + sorted(rng.sample(range(3, need - 1), points - len(edges)))

            tally = Tally(name, kind)
            t0 = time.perf_counter()
            sweep(path, SPECS[name], kind, fuels, tally, out, verbose=fuel is not None)
            tally.seconds = time.perf_counter() - t0
            tallies.append(tally)
            line = (f"{name} {kind}: {tally.tried} points of {tally.need} fuel, {tally.recovered} recovered "
                    f"identically ({tally.ran_through} ran to the end), {tally.lost} declared lost, "
                    f"{len(tally.broken)} broken ({tally.seconds:.1f} s)")
            if tally.broken:
                failed += 1
                out(f"FAIL {line}")
                for f, why in tally.broken[:5]:
                    out(f"     fuel {f}: {why}")
                if len(tally.broken) > 5:
                    fs = [f for f, _ in tally.broken]
                    out(f"     … {len(tally.broken) - 5} more; broken at fuel {_ranges(fs)}")
                out(f"     reproduce: python3 conformance/interrupts.py --modules {name} --kinds {kind} "
                    f"--fuel {tally.broken[0][0]}" + ("" if full else f"   (sample: --seed {seed} --points {points})"))
            else:
                passed += 1
                out(f"ok   {line}")
    out("")
    out(table(tallies))
    if epochs and fuel is None:
        trials = 50 if full else EPOCH_TRIALS
        rng = random.Random(f"{seed}/epoch")
        for s in EPOCH_SPECS:
            if modules and s.module not in modules:
                continue
            path = os.path.join(build, f"{s.module}.wasm")
            t0 = time.perf_counter()
            stopped, recovered, lost, broken = epoch_smoke(path, s, trials, rng)
            line = (f"epoch: {s.module} Open stopped by an epoch tick: {trials} trials, {stopped} stopped, "
                    f"{recovered} recovered, {lost} lost, {len(broken)} broken ({time.perf_counter() - t0:.1f} s)")
            if broken:
                failed += 1
                out(f"FAIL {line}")
                for delay, why in broken[:5]:
                    out(f"     after {delay}: {why}")
            else:
                passed += 1
                out(f"ok   {line}")
    out(f"interrupts: {time.perf_counter() - started:.0f} s in all")
    return passed, failed


def _ranges(values: list) -> str:
    values = sorted(v for v in values if v is not None)
    spans, start = [], None
    for n, v in enumerate(values):
        if start is None:
            start = v
        if n + 1 == len(values) or values[n + 1] != v + 1:
            spans.append(f"{start}" if start == v else f"{start}-{v}")
            start = None
    return ", ".join(spans[:20]) + (" …" if len(spans) > 20 else "")


def table(tallies: list) -> str:
    rows = ["| module | frame | fuel needed | points tried | recovered identically | declared lost | broken |",
            "|---|---|---:|---:|---:|---:|---:|"]
    total = [0, 0, 0, 0]
    for t in tallies:
        rows.append(f"| {t.module} | {t.kind} | {t.need:,} | {t.tried:,} | {t.recovered:,} | {t.lost:,} | "
                    f"{len(t.broken):,} |")
        for n, v in enumerate((t.tried, t.recovered, t.lost, len(t.broken))):
            total[n] += v
    rows.append(f"| all | | | {total[0]:,} | {total[1]:,} | {total[2]:,} | {total[3]:,} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--full", action="store_true", help="every point (as IXT_INTERRUPTS=full)")
    parser.add_argument("--points", type=int, default=POINTS)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--modules", help="comma-separated, e.g. stream_echo,fixtures/author_words")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--fuel", type=int, help="one fuel value only")
    parser.add_argument("--no-epochs", action="store_true")
    args = parser.parse_args()
    modules = [m if m in SPECS or "/" in m else f"fixtures/{m}" if f"fixtures/{m}" in SPECS else m
               for m in args.modules.split(",")] if args.modules else None
    passed, failed = run(args.build, full=True if args.full else None, points=args.points, seed=args.seed,
                         modules=modules, kinds=args.kinds.split(","), fuel=args.fuel, epochs=not args.no_epochs)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
