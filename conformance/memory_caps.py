"""Memory caps in wasmtime (docs/ABI.md, "Memory"): every example under a 64 MiB cap with the SDK's defaults, and
tests/fixtures/capped_echo.ts (frames up to 1 MiB, 2 MiB queue budget, 64 KiB per stream, 64 live streams)
under an 8 MiB cap, driven through:

  full-queues    1024 streams (and one more Open), each opened with credit 0 and sent Data until its queue
                 is full (the example fails the stream with ResourceExhausted), then drained by Credit
  empty-frames   one byte, then 100,000 empty Data frames behind it, on a stream without credit
  1-byte-frames  the same with 1-byte frames
  big-data       Data frames of the max frame size (credit unlimited, and credit 0), one byte more, 16 MiB of
                 payload, 100 MiB and 1 GiB − 16 bytes, written straight into guest memory
  big-opens      Opens with a 100 MiB context and a 100 MiB request payload, and both at the max frame size
  big-errors     Error frames with a 512 MiB message and one at the max frame size
  open-close     100,000 Open/Close cycles

Every scenario asserts: nothing traps; every dispatcher result and every Error code is documented
(docs/ABI.md); `ixt_alloc` answers 0 for a frame above the max frame size (the runtime then fails the stream:
here, a Cancel); every Data frame answered 0 comes back whole and in order (upper-cased by stream_upper,
counted by stream_counter, ticks from the producers), or its stream ends with an Error; queues stay within
the per-stream limit and the module budget; memory stays under the cap (wasmtime enforces it) and its peak
is printed, with the time taken; the module still serves a new stream at the end.

The same scenarios run again under caps that are not powers of two (5, 17 and 63 MiB; ODD_CAPS), for the
modules and scenarios that fit them: memory cannot double up to such a cap, only grow by what is needed.

    python3 conformance/memory_caps.py                 # the CI run (also part of conformance/run.py)
    python3 conformance/memory_caps.py --find-min-cap  # the smallest cap (in 64 KiB pages) each scenario passes
                                                       # at, and a sweep of smaller caps: does anything trap?
    options: --build DIR (default build/), --only TEXT (module or scenario name contains TEXT), --jobs N
"""

import argparse
import os
import sys
import time
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ixt_host import ALLOC_REFUSED, PAGE, IxtHost, trap_message  # noqa: E402
from streams_model import (  # noqa: E402
    GiB,
    KiB,
    MiB,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    PROFILES,
    RESOURCE_EXHAUSTED,
    UNIMPLEMENTED,
    UNLIMITED,
    Driver,
    Profile,
    Stop,
    big_error,
    big_open,
    data_frame,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CAP = 64 * MiB
CAPPED_CAP = 8 * MiB
CAPPED = "fixtures/capped_echo"
CYCLES = 100_000
TINY_FRAMES = 100_000


class Enough(Exception):
    """Lenient mode: the module refused for want of memory; the scenario ends there (a pass if nothing else failed)."""


def new_ctx(path: str, profile: Profile, cap: Optional[int], lenient: bool = False) -> Driver:
    # Data may be lost only with ResourceExhausted (a full queue, no memory); a producer answers Data with
    # Unimplemented (the handler default: it takes no input); stream_lines fails a line over 1 MiB with
    # PayloadTooLarge.
    codes = {RESOURCE_EXHAUSTED} | ({UNIMPLEMENTED} if profile.producer else set())
    codes |= {PAYLOAD_TOO_LARGE} if profile.kind == "lines" else set()
    ctx = Driver(path, profile, codes, memory_cap=cap)
    ctx.lenient = lenient
    return ctx


def accepted(ctx: Driver, result: int, what: str, want: int = 0) -> bool:
    """Expects `want`; in lenient mode (a cap sweep) a refusal for want of memory (ResourceExhausted, or
    ixt_alloc 0) is fine too and ends the scenario."""
    if result == want:
        return True
    if ctx.lenient and result in (RESOURCE_EXHAUSTED, ALLOC_REFUSED):
        raise Enough()
    ctx.fail(f"{what}: expected {want}, got {result_label(result)}")
    return False


# ---- scenarios ----


def full_queues(ctx: Driver) -> None:
    p = ctx.profile
    chunk = min(64 * KiB, p.stream_queue_limit // 4)
    payloads = [bytes([0x61 + n % 26]) * chunk for n in range(26)]
    ids = []
    for n in range(max(1024, p.max_live) + 1):
        i, result = ctx.open(credit=0)
        if n < p.max_live:
            if accepted(ctx, result, f"Open {n} (below the {p.max_live} live streams)"):
                ids.append(i)
        else:
            ctx.expect(result == RESOURCE_EXHAUSTED, f"Open {n} (above {p.max_live} live streams) answered {result}, expected 7")
    refused_at_once = 0
    for i in ids:
        if p.kind == "echo":
            # Fill the queue: Data until the example fails the stream (then Data is NotFound).
            for n in range(p.stream_queue_limit // chunk + 3):
                result = ctx.data(i, payloads[n % 26])
                if result != 0:
                    ctx.expect(result == NOT_FOUND, f"Data on a full stream answered {result}, expected 5 (NotFound)")
                    refused_at_once += n == 1
                    break
            else:
                ctx.fail(f"stream {i.hex()[:8]} accepted {p.stream_queue_limit // chunk + 3} frames of {chunk} bytes "
                         f"without credit: more than its queue limit {p.stream_queue_limit}")
        elif p.kind == "counter":
            for n in range(4):
                ctx.data(i, payloads[n])
    ctx.wind_down(ids, finish=False)
    ctx.check_queue_bounds(ids)
    for i in ids:
        ctx.model.finish(i)
    ctx.notes.append(f"{len(ids)} streams, {refused_at_once} failed at their first Data")


def tiny_frames(payload: bytes):
    def scenario(ctx: Driver) -> None:
        i, result = ctx.open(credit=0)
        accepted(ctx, result, "Open")
        ctx.data(i, b"x")
        first_refusal = None
        for n in range(TINY_FRAMES):
            result = ctx.data(i, payload)
            if result != 0 and first_refusal is None:
                first_refusal = n
                ctx.expect(result == NOT_FOUND, f"frame {n}: Data answered {result}, expected 0 or 5 (NotFound)")
        taken = len(ctx.model.streams[i].accepted) - 1
        ctx.notes.append(f"{taken} accepted behind the byte" + (f", NotFound from frame {first_refusal}" if first_refusal is not None else ""))
        ctx.wind_down([i], finish=False)
        ctx.check_queue_bounds([i])
        ctx.model.finish(i)

    return scenario


def big_data_frames(ctx: Driver) -> None:
    p = ctx.profile
    sizes = sorted({p.max_frame, p.max_frame + 1, 16 * MiB + 17, 100 * MiB, GiB - 16})
    outcomes = []
    for size in sizes:
        # A producer opened with credit would produce its ticks at once: it gets none (it takes no Data anyway).
        credits = [0] if p.producer else [UNLIMITED, 0] if size <= p.max_frame else [UNLIMITED]
        for credit in credits:
            i, result = ctx.open(credit=credit)
            accepted(ctx, result, "Open")
            what = f"Data frame of {size} bytes (credit {'unlimited' if credit == UNLIMITED else credit})"
            result = ctx.data(i, size, what)
            outcomes.append(f"{size_label(size)}{'' if credit == UNLIMITED else ' (credit 0)'}: {result_label(result)}")
            if size > p.max_frame:
                ctx.expect(result == ALLOC_REFUSED, f"{what}: above the max frame size {p.max_frame}, ixt_alloc should answer 0; got {result}")
            else:
                accepted(ctx, result, f"{what} (at most the max frame size)")
            ctx.wind_down([i])
    ctx.notes.append(", ".join(outcomes))


def size_label(size: int) -> str:
    """16777216 -> "16MiB", 16777233 -> "16MiB+17", 1073741808 -> "1GiB-16"."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB")):
        n = round(size / unit)
        if n and abs(size - n * unit) < 1024:
            rest = size - n * unit
            return f"{n}{name}" + (f"{rest:+d}" if rest else "")
    return str(size)


def result_label(result: int) -> str:
    return "ixt_alloc 0" if result == ALLOC_REFUSED else str(result)


def big_opens(ctx: Driver) -> None:
    p = ctx.profile
    m = p.method
    head = 32 + len(m)
    cases = [
        ("100 MiB context", 100 * MiB, len(p.request(3)) if p.producer else 0),
        ("100 MiB request payload", len(p.context), 100 * MiB),
        ("context at the max frame size", p.max_frame - head, 0),
        ("request payload at the max frame size", len(p.context), p.max_frame - head - len(p.context)),
    ] + [("context at the max frame size, again", p.max_frame - head, 0)] * 3  # each Open also allocates a stream
    outcomes = []
    for name, context_len, payload_len in cases:
        def frame(i, c=context_len, n=payload_len):
            return big_open(i, m, c, n)
        i, result = ctx.open(frame=frame, what=f"Open with a {name}")
        size = head + context_len + payload_len
        outcomes.append(f"{name}: {result_label(result)}")
        if size > p.max_frame:
            ctx.expect(result == ALLOC_REFUSED, f"Open with a {name} ({size} bytes): ixt_alloc should answer 0; got {result}")
        elif result in (ALLOC_REFUSED, RESOURCE_EXHAUSTED):  # the defaults fit the cap: a max-size Open is taken
            accepted(ctx, result, f"Open with a {name} ({size} bytes)")
        if result == 0:
            ctx.wind_down([i])
    ctx.notes.append("; ".join(outcomes))


def big_errors(ctx: Driver) -> None:
    p = ctx.profile
    outcomes = []
    for size in (512 * MiB + 21, p.max_frame):
        i, result = ctx.open(credit=0)
        accepted(ctx, result, "Open")
        if p.kind == "echo":
            ctx.data(i, b"queued before the Error")
        result = ctx.dispatch(big_error(i, size), f"Error frame of {size} bytes")
        outcomes.append(f"{size_label(size)}: {result_label(result)}")
        if size > p.max_frame:
            ctx.expect(result == ALLOC_REFUSED, f"Error frame of {size} bytes: ixt_alloc should answer 0; got {result}")
            ctx.runtime_fails(i)
        else:
            accepted(ctx, result, "Error frame at the max frame size")
            ctx.model.caller_ended(i)
            log = ctx.model.streams.get(i)
            ctx.expect(log is None or not log.out, "the module sent Data after the caller's Error")
        ctx.model.finish(i)
        ctx.expect(ctx.dispatch(data_frame(i, b"late"), "Data after the Error") == NOT_FOUND,
                   "Data after the caller's Error not answered NotFound")
    ctx.notes.append(", ".join(outcomes))


def open_close(ctx: Driver) -> None:
    marks = {}
    for n in range(CYCLES):
        i, result = ctx.open(count=1)
        if not accepted(ctx, result, f"cycle {n}: Open"):
            break
        ctx.close(i)
        log = ctx.model.streams.get(i)
        if log.end is None or log.end[0] != "close":
            ctx.fail(f"cycle {n}: the stream did not close: {log.end}")
            break
        ctx.model.finish(i)
        if (n + 1) % (CYCLES // 10) == 0:
            marks[n + 1] = ctx.host.memory_bytes()
    if len(marks) == 10:
        # Garbage is collected in steps, so memory grows at first; a leak keeps it growing to the end.
        half, end = marks[CYCLES // 2], marks[CYCLES]
        ctx.notes.append("memory by tenths " + " ".join(f"{m / MiB:.2f}" for m in marks.values()) + " MiB")
        ctx.expect(end == half, f"memory grew from {half} to {end} bytes over the last {CYCLES // 2:,} cycles: a leak")


SCENARIOS = {
    "full-queues": ("1024 streams each holding a full queue", full_queues),
    "empty-frames": (f"{TINY_FRAMES:,} empty Data frames queued behind one byte", tiny_frames(b"")),
    "1-byte-frames": (f"{TINY_FRAMES:,} 1-byte Data frames queued behind one byte", tiny_frames(b"y")),
    "big-data": ("Data frames of the max frame size, 16 MiB, 100 MiB and 1 GiB - 16", big_data_frames),
    "big-opens": ("Opens with 100 MiB contexts and request payloads, and 5 at the max frame size", big_opens),
    "big-errors": ("Error frames with 512 MiB messages", big_errors),
    "open-close": (f"{CYCLES:,} Open/Close cycles", open_close),
}


# ---- running ----


@dataclass
class Outcome:
    module: str
    scenario: str
    cap: Optional[int]
    ok: bool
    violations: list
    peak: int
    seconds: float
    notes: str
    cpu: float
    signature: tuple = ()


def run_scenario(build: str, module: str, scenario: str, cap: Optional[int], lenient: bool = False) -> Outcome:
    start, cpu = time.perf_counter(), time.process_time()
    path = os.path.join(build, f"{module}.wasm")
    try:
        ctx = new_ctx(path, PROFILES[module], cap, lenient)
    except Exception as err:  # noqa: BLE001 - e.g. the initial memory is above the cap
        return Outcome(module, scenario, cap, False, [f"cannot instantiate: {trap_message(str(err))}"], 0, 0.0, "", 0.0)
    try:
        SCENARIOS[scenario][1](ctx)
        ctx.still_serves()
        final = True
    except Stop:  # a trap: the streams are as the trap left them, their end cannot be expected
        final = False
    except Enough:  # lenient mode: out of memory; let the streams end, then check them
        try:
            ctx.wind_down([i for i, log in ctx.model.streams.items() if log.end is None], finish=False)
            final = True
        except (Stop, Enough):
            final = False
    ctx.model.check_all(final)
    peak = ctx.host.memory_bytes()
    if cap is not None and peak > cap:
        ctx.fail(f"memory {peak} above the cap {cap}")
    codes = ctx.model.error_codes
    notes = "; ".join(ctx.notes + ([f"Error codes {dict(sorted(codes.items()))}"] if codes else []))
    return Outcome(module, scenario, cap, not ctx.model.violations, ctx.model.violations, peak,
                   time.perf_counter() - start, notes, time.process_time() - cpu, ctx.model.signature())


def _run(args):
    return run_scenario(*args)


# Examples whose memory is proven by a suite of their own: their Data frames must be JSON texts, which the
# generic scenarios' bytes are not.
OWN_MEMORY_SUITE = {"json_canon": "conformance/json_suite.py"}


def modules_in(build: str) -> list:
    """Every example in build/ (each must have a profile, or a suite in OWN_MEMORY_SUITE) and the capped fixture."""
    names = sorted(p.stem for p in Path(build).glob("*.wasm") if p.stem not in OWN_MEMORY_SUITE)
    return names + [CAPPED]


def cap_for(module: str) -> int:
    return CAPPED_CAP if module == CAPPED else DEFAULT_CAP


def jobs_default() -> int:
    return max(1, min(2, os.cpu_count() or 1))


# Caps that are not powers of two (issue 14): memory cannot double up to them, only grow by what is needed, so a
# module that grows only by doubling fails here. Each (module, scenarios) listed needs less than the cap.
ODD_CAPS = {
    5 * MiB: [(CAPPED, ("full-queues", "empty-frames", "1-byte-frames", "big-data", "big-errors", "open-close"))],
    17 * MiB: [("stream_echo", ("empty-frames", "1-byte-frames", "open-close", "full-queues"))],
    63 * MiB: [("stream_echo", tuple(SCENARIOS)), ("stream_upper", tuple(SCENARIOS))],
}


def odd_cap_tasks(build: str, only: Optional[str]) -> list:
    return [
        (build, module, scenario, cap)
        for cap, runs in ODD_CAPS.items()
        for module, scenarios in runs
        for scenario in scenarios
        if os.path.exists(os.path.join(build, f"{module}.wasm"))
        and (not only or only in module or only in scenario or only == f"{cap // MiB}MiB")
    ]


def plan(build: str, only: Optional[str]):
    tasks, problems = [], []
    for module in modules_in(build):
        if module not in PROFILES:
            problems.append(f"{module}: no profile in conformance/streams_model.py (add one for every example)")
            continue
        if not os.path.exists(os.path.join(build, f"{module}.wasm")):
            problems.append(f"{module}: not built ({build}/{module}.wasm missing; npm run build:fixtures)")
            continue
        for scenario in SCENARIOS:
            if only and only not in module and only not in scenario:
                continue
            tasks.append((build, module, scenario, cap_for(module)))
    return tasks + odd_cap_tasks(build, only), problems


def describe(o: Outcome) -> str:
    cap = f"{o.cap // MiB} MiB cap" if o.cap else "no cap"
    return f"{o.module}: {SCENARIOS[o.scenario][0]} ({cap}): peak {o.peak / MiB:.2f} MiB, {o.seconds:.1f} s ({o.cpu:.1f} s CPU)"


def run(build: str = str(ROOT / "build"), only: Optional[str] = None, jobs: int = 0, out=print):
    """Runs the capped suite; prints one line per scenario; returns (passed, failed)."""
    tasks, problems = plan(build, only)
    passed = failed = 0
    for problem in problems:
        failed += 1
        out(f"FAIL memory caps: {problem}")
    start = time.perf_counter()
    jobs = jobs or jobs_default()
    if jobs > 1 and len(tasks) > 1:
        # spawn, not fork: a forked child that compiles a module would use wasmtime's thread pool, whose threads
        # do not survive a fork.
        with get_context("spawn").Pool(jobs) as pool:
            outcomes = pool.imap(_run, tasks)
            for o in outcomes:
                passed, failed = _report(o, passed, failed, out)
    else:
        for task in tasks:
            passed, failed = _report(_run(task), passed, failed, out)
    out(f"memory caps: {len(tasks)} scenarios in {time.perf_counter() - start:.1f} s")
    return passed, failed


def _report(o: Outcome, passed: int, failed: int, out):
    line = describe(o) + (f" — {o.notes}" if o.notes else "")
    if o.ok:
        out(f"ok   {line}")
        return passed + 1, failed
    out(f"FAIL {line}")
    for v in o.violations:
        out(f"     {v}")
    return passed, failed + 1


# ---- the smallest cap ----


def passes_at(build: str, module: str, scenario: str, pages: int) -> bool:
    return run_scenario(build, module, scenario, pages * PAGE).ok


def _cap_study(args):
    """For one scenario: the smallest cap (in pages) it passes at, its peak memory under the CI cap, and the
    failures of lenient runs (a refusal for want of memory ends the scenario) at power-of-two caps below that
    smallest cap: is there a cap at which it traps or loses data? Returns a dict."""
    build, module, scenario, cap = args
    study = {"module": module, "scenario": scenario, "min": None, "needs": None, "peak": None, "below": [], "why": []}
    try:
        first = run_scenario(build, module, scenario, cap)
        if not first.ok:
            bigger = run_scenario(build, module, scenario, cap * 4)
            if not bigger.ok:
                study["why"] = [f"fails at {cap // MiB} MiB and at {cap * 4 // MiB} MiB: {first.violations[0]}"]
                return study
            study["why"] = [f"fails under the CI cap ({cap // MiB} MiB): {first.violations[0]}"]
            first = bigger
        # Memory only grows, and only when asked: with the peak it reached as the cap, every grow it made still
        # succeeds, so the scenario passes there. Search below it.
        hi = study["peak"] = -(-first.peak // PAGE)
        initial = IxtHost(os.path.join(build, f"{module}.wasm")).memory_pages()
        lo = initial - 1  # below the initial memory the module cannot even start
        while hi - lo > 1:  # invariant: fails at lo (or cannot start), passes at hi
            mid = (lo + hi) // 2
            if passes_at(build, module, scenario, mid):
                hi = mid
            else:
                lo = mid
        study["min"] = hi
        # The memory it needs: the smallest cap where it does exactly what it did under the CI cap (the same
        # results, codes and frames), with nothing refused for want of memory.
        lo2, hi2 = hi - 1, study["peak"]
        while hi2 - lo2 > 1:
            mid = (lo2 + hi2) // 2
            o = run_scenario(build, module, scenario, mid * PAGE)
            if o.ok and o.signature == first.signature:
                hi2 = mid
            else:
                lo2 = mid
        study["needs"] = hi2
        # Below the smallest cap, refusals are expected; a trap, an undocumented code or lost data is not.
        pages = 1
        while pages < hi:
            if pages >= initial:
                o = run_scenario(build, module, scenario, pages * PAGE, lenient=True)
                if not o.ok:
                    study["below"].append((pages, o.violations[0]))
            pages *= 2
    except Exception as err:  # noqa: BLE001 - report it with the others
        study["why"].append(f"{type(err).__name__}: {err}")
    return study


def find_min_caps(build: str, only: Optional[str], jobs: int, out=print) -> None:
    """Prints the smallest cap each scenario passes at (not run in CI: a binary search per scenario)."""
    tasks, problems = plan(build, only)
    tasks = [t for t in tasks if t[3] == cap_for(t[1])]  # the odd caps add nothing to a search for the smallest
    for problem in problems:
        out(f"skipped: {problem}")
    out("per scenario (binary searches over 64 KiB pages): the smallest cap it passes at (its assertions hold; streams")
    out("may be refused or failed with ResourceExhausted), the smallest cap where it behaves exactly as under the CI cap")
    out("(needs), its peak memory under the CI cap, and failures at smaller caps (64 KiB, 128 KiB, …) of runs that stop")
    out("at the first refusal for want of memory:")
    with get_context("spawn").Pool(jobs or jobs_default()) as pool:
        for st in pool.imap(_cap_study, tasks):
            name = f"  {st['module']:22} {st['scenario']:14}"
            if st["min"] is not None:
                out(f"{name} passes at {st['min'] * PAGE / MiB:6.2f} MiB ({st['min']:4} pages), "
                    f"needs {st['needs'] * PAGE / MiB:6.2f} MiB ({st['needs']:4} pages), "
                    f"peak {st['peak'] * PAGE / MiB:6.2f} MiB", flush=True)
            for why in st["why"]:
                out(f"{name} {why}", flush=True)
            for pages, why in st["below"]:
                out(f"{name}   at {pages * PAGE / KiB:.0f} KiB: {why}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--only")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--find-min-cap", action="store_true")
    args = parser.parse_args()
    if args.find_min_cap:
        find_min_caps(args.build, args.only, args.jobs)
        return 0
    passed, failed = run(args.build, args.only, args.jobs)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
