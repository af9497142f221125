"""Shared by the hardening suites (memory_caps.py, refusals.py, traps.py): frame builders, the documented codes
(docs/ABI.md), the examples' profiles, and a per-stream model that checks what a module sent against what it
accepted: every Data frame answered 0 comes back whole and in order (transformed as the module documents), or
its stream ends with a documented Error; nothing is sent after a stream's end.
"""

import struct
from dataclasses import dataclass
from typing import Callable, Optional

from ixt_host import (
    ALLOC_REFUSED,
    OK,
    STREAM_CLOSED,
    TRAPPED,
    UNKNOWN_STREAM,
    WOULD_BLOCK,
    BigFrame,
    Digest,
    IxtHost,
    Outbound,
    digest_of,
    fill_digest,
)

from abi import (  # noqa: E402  the ABI's numbers, from docs/abi.json
    CANCEL,
    CANCEL_CALLEE,
    CANCEL_CALLER,
    CANCEL_DEADLINE,
    CANCEL_SHUTDOWN,
    CLOSE,
    CLOSE_REASON,
    CREDIT,
    DATA,
    DEFAULT_MAX_FRAME_SIZE,
    DEFAULT_MAX_LIVE_STREAMS,
    DEFAULT_QUEUE_BUDGET,
    DEFAULT_STREAM_QUEUE_LIMIT,
    ERROR,
    INTERNAL,
    NORMAL,
    NOT_FOUND,
    OPEN,
    PROTOCOL_VIOLATION,
    QUEUED_FRAME_OVERHEAD,
    RESOURCE_EXHAUSTED,
    SERVER_STREAM,
    STREAM_ERROR_CODE,
    UNIMPLEMENTED,
)
from abi import PAYLOAD_TOO_LARGE_CODE as PAYLOAD_TOO_LARGE  # noqa: E402  the StreamErrorCode (12), not the host status
from abi import UNLIMITED_CREDIT as UNLIMITED  # noqa: E402

# The codes a module may send: the named ones (an SDK module sends no others).
STREAM_ERROR_CODES = set(STREAM_ERROR_CODE.values())
CLOSE_REASONS = set(CLOSE_REASON.values())
KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
RECORD_LIMIT = 64 * KiB  # outbound payloads above this are recorded as a Digest


def sid(n: int, tag: int = 0) -> bytes:
    return struct.pack("<QQ", n, tag)


def open_frame(i: bytes, method=b"", context=b"", payload=b"", credit=UNLIMITED, deadline=0, interaction=SERVER_STREAM):
    return (
        bytes([OPEN]) + i + struct.pack("<BIIH", interaction, credit, deadline, len(method)) + method
        + struct.pack("<I", len(context)) + context + payload
    )


def big_open(i: bytes, method: bytes, context_len: int, payload_len: int, credit=UNLIMITED, fill=0x61) -> BigFrame:
    """An Open whose context (context_len bytes) and request payload (payload_len) are the byte `fill`."""
    prefix = bytes([OPEN]) + i + struct.pack("<BIIH", SERVER_STREAM, credit, 0, len(method)) + method
    prefix += struct.pack("<I", context_len)
    return BigFrame(prefix, len(prefix) + context_len + payload_len, fill)


def data_frame(i: bytes, payload: bytes) -> bytes:
    return bytes([DATA]) + i + payload


def big_data(i: bytes, frame_len: int, fill=0x61) -> BigFrame:
    """A Data frame of frame_len bytes in all (payload frame_len - 17 bytes of `fill`)."""
    return BigFrame(bytes([DATA]) + i, frame_len, fill)


def error_frame(i: bytes, code: int, message: bytes) -> bytes:
    return bytes([ERROR]) + i + struct.pack("<I", code) + message


def big_error(i: bytes, frame_len: int, code=INTERNAL, fill=0x6D) -> BigFrame:
    return BigFrame(bytes([ERROR]) + i + struct.pack("<I", code), frame_len, fill)


def close_frame(i: bytes, reason=NORMAL) -> bytes:
    return bytes([CLOSE]) + i + bytes([reason])


def cancel_frame(i: bytes, reason=CANCEL_CALLER) -> bytes:
    return bytes([CANCEL]) + i + bytes([reason])


def credit_frame(i: bytes, n: int) -> bytes:
    return bytes([CREDIT]) + i + struct.pack("<I", n)


# ---- the modules' documented behaviour ----


@dataclass
class Profile:
    """What a module does with a stream. kind: "echo" (each Data back, `transform`ed), "counter" (totals at the
    caller's Close), "ticker" / "json" (a producer: N frames from the Open's request, then Close), "lines" (one
    frame per line of the joined input, decoded with U+FFFD, then "lines=N" at the caller's Close)."""

    name: str
    kind: str
    method: bytes = b""
    context: bytes = b""
    transform: Callable[[bytes], bytes] = lambda b: b
    fill_transform: Callable[[int], int] = lambda c: c
    request: Callable[[int], bytes] = lambda n: b""
    # Settings the module was built with (docs/ABI.md, "Memory" and "Credit and backpressure"): the defaults.
    max_frame: int = DEFAULT_MAX_FRAME_SIZE
    queue_budget: int = DEFAULT_QUEUE_BUDGET
    stream_queue_limit: int = DEFAULT_STREAM_QUEUE_LIMIT
    max_live: int = DEFAULT_MAX_LIVE_STREAMS
    frame_overhead: int = QUEUED_FRAME_OVERHEAD

    def open(self, i: bytes, credit=UNLIMITED, count: int = 1_000_000) -> bytes:
        return open_frame(i, self.method, self.context, self.request(count) if self.producer else b"", credit)

    @property
    def producer(self) -> bool:
        return self.kind in ("ticker", "json")

    def tick(self, n: int) -> bytes:
        if self.kind == "ticker":
            return str(n).encode()
        return b'{"seq":%d,"text":"p%d"}' % (n, n)


def _ascii_upper(b: bytes) -> bytes:
    return b.upper()


PROFILES = {
    "stream_echo": Profile("stream_echo", "echo"),
    "stream_router": Profile("stream_router", "echo", method=b"echo", context=b"caller-token"),
    "stream_upper": Profile(
        "stream_upper", "echo", transform=_ascii_upper, fill_transform=lambda c: ord(chr(c).upper())
    ),
    "stream_counter": Profile("stream_counter", "counter"),
    "stream_ticker": Profile("stream_ticker", "ticker", request=lambda n: str(n).encode()),
    "stream_json": Profile("stream_json", "json", method=b"json", request=lambda n: b'{"count":%d,"prefix":"p"}' % n),
    "stream_lines": Profile("stream_lines", "lines", method=b"lines"),
    "fixtures/capped_echo": Profile(
        "fixtures/capped_echo", "echo", max_frame=1 * MiB, queue_budget=2 * MiB,
        stream_queue_limit=64 * KiB, max_live=64,
    ),
}


# ---- the per-stream model ----


@dataclass
class Big:
    """An accepted payload that was never built in Python: `length` copies of the byte `fill`."""

    length: int
    fill: int


class StreamLog:
    __slots__ = ("accepted", "accepted_bytes", "out", "end", "count", "gap")

    def __init__(self, count: int = 0):
        self.accepted: list = []  # payloads answered 0, in order (bytes or Big)
        self.accepted_bytes = 0
        self.out: list = []  # Data payloads the host took (status OK), in order (bytes or Digest)
        # How it ended: ("close", reason) | ("error", code, message): the module's, taken by the host;
        # ("cancelled",): the caller's Cancel or Error; ("runtime", why): the runtime failed it (ixt_alloc 0);
        # ("gone", kind, status): the host answered UnknownStream/StreamClosed; ("refused", kind, status): the
        # host refused the module's Close or Error. Nothing may be sent after any of them.
        self.end: Optional[tuple] = None
        self.count = count  # a producer's N
        self.gap = None  # the status of a Data frame the host refused for good (not WouldBlock, not "gone")


def _lines_of(accepted: list) -> list:
    """stream_lines' frames for the accepted payloads: each line of the joined bytes decoded (invalid UTF-8 as
    U+FFFD, as the WHATWG decoder and Python's "replace" both do) and encoded again, the last line if not empty,
    then b"lines=N"."""
    joined = b"".join(p if isinstance(p, bytes) else bytes([p.fill]) * p.length for p in accepted)
    lines = joined.decode("utf-8", "replace").split("\n")
    last = lines.pop()
    if last:
        lines.append(last)
    return [line.encode() for line in lines] + [b"lines=%d" % len(lines)]


def _length(p) -> int:
    return p.length if isinstance(p, (Big, Digest)) else len(p)


class Model:
    """Follows every stream of one host: hook `on_send` into IxtHost(on_send=model.on_send, record=False)."""

    def __init__(self, profile: Profile, strict_codes: Optional[set] = None):
        self.profile = profile
        self.streams: dict = {}
        self.violations: list = []
        self.strict_codes = strict_codes  # Error codes a stream may end with (None: any documented code)
        self.error_codes: dict = {}  # code -> streams ended with it
        self.refusals: dict = {}  # host status -> count, for calls answered anything but Ok
        self.checked = 0
        self.max_violations = 20
        self.results: dict = {}  # dispatcher result -> count
        self.out_frames = 0  # Data frames the host took

    def signature(self) -> tuple:
        """What the module did, in counts: equal signatures under two caps mean the same behaviour."""
        return (tuple(sorted(self.results.items())), tuple(sorted(self.error_codes.items())), self.out_frames, self.checked)

    def violate(self, message: str) -> None:
        if len(self.violations) < self.max_violations:
            self.violations.append(message)
        elif len(self.violations) == self.max_violations:
            self.violations.append("… (more violations not shown)")

    # what the caller does

    def opened(self, i: bytes, count: int = 0) -> StreamLog:
        log = StreamLog(count)
        self.streams[i] = log
        return log

    def data_result(self, i: bytes, payload, result: int) -> None:
        """A Data frame's dispatcher result; payload is bytes or a Big."""
        self.result(result, f"Data on {i.hex()[:8]}")
        log = self.streams.get(i)
        if result == 0:
            if log is None:
                self.violate(f"stream {i.hex()[:8]}: Data answered 0 for a stream the caller never opened")
                return
            log.accepted.append(payload)
            log.accepted_bytes += _length(payload)
        elif result == ALLOC_REFUSED and log is not None and log.end is None:
            log.end = ("runtime", "alloc refused")  # the runtime fails the stream; the caller sends Cancel

    def result(self, result: int, what: str) -> None:
        self.results[result] = self.results.get(result, 0) + 1
        if result == TRAPPED:
            self.violate(f"{what}: trapped")
        elif result != ALLOC_REFUSED and result not in STREAM_ERROR_CODES:
            self.violate(f"{what}: dispatcher result {result} is not a documented code")

    def caller_ended(self, i: bytes) -> None:
        log = self.streams.get(i)
        if log is not None and log.end is None:
            log.end = ("cancelled",)

    # what the module sends

    def on_send(self, call: Outbound) -> None:
        if call.status != OK:
            self.refusals[call.status] = self.refusals.get(call.status, 0) + 1
        log = self.streams.get(call.stream_id)
        if log is None:
            if call.stream_id:
                self.violate(f"{call.kind} sent on stream {call.stream_id.hex()[:8]}, which the caller never opened")
            else:
                self.violate(f"{call.kind} sent with a bad stream id (status {call.status})")
            return
        name = f"stream {call.stream_id.hex()[:8]}"
        if log.end is not None:
            what = f"{log.end[1]} answered {log.end[2]}" if log.end[0] in ("refused", "gone") else log.end[0]
            self.violate(f"{name}: {call.kind} sent after the stream's end ({what})")
            return
        if call.status == WOULD_BLOCK:
            return  # not delivered; the SDK keeps the frame and retries it
        if call.status in (UNKNOWN_STREAM, STREAM_CLOSED):
            log.end = ("gone", call.kind, call.status)  # the host says the stream is gone: it is finished
            return
        if call.status != OK:
            if call.kind != "data":
                log.end = ("refused", call.kind, call.status)  # a refused Close or Error finishes the stream
            elif log.gap is None:
                log.gap = call.status  # that frame is lost: the stream must now fail
            return
        if call.kind == "data" and log.gap is not None:
            self.violate(f"{name}: Data sent after a Data frame the host refused ({log.gap}): a gap in the output")
        if call.kind == "data":
            log.out.append(call.payload)
            self.out_frames += 1
        elif call.kind == "close":
            if call.code not in CLOSE_REASONS:
                self.violate(f"stream {call.stream_id.hex()[:8]}: Close reason {call.code} is not documented")
            log.end = ("close", call.code)
        else:
            if call.code not in STREAM_ERROR_CODES:
                self.violate(f"stream {call.stream_id.hex()[:8]}: Error code {call.code} is not documented")
            elif self.strict_codes is not None and call.code not in self.strict_codes:
                self.violate(
                    f"stream {call.stream_id.hex()[:8]}: ended with Error {call.code} "
                    f"({call.payload!r}), expected one of {sorted(self.strict_codes)}"
                )
            log.end = ("error", call.code, call.payload)
            self.error_codes[call.code] = self.error_codes.get(call.code, 0) + 1

    # checks

    def expected(self, log: StreamLog) -> list:
        p = self.profile
        if p.kind == "echo":
            return log.accepted
        if p.kind == "counter":
            return [b"%d bytes in %d frames" % (log.accepted_bytes, len(log.accepted))]
        if p.kind == "lines":
            return _lines_of(log.accepted)
        return None  # producers: checked tick by tick

    def _same(self, got, want) -> bool:
        p = self.profile
        if isinstance(want, Big):
            fill = p.fill_transform(want.fill) if p.kind == "echo" else want.fill
            want = fill_digest(b"", want.length, fill)
            return got == want
        if p.kind == "echo":
            want = p.transform(want)
        if isinstance(got, Digest):
            return got == digest_of(want)
        return got == want

    def check_stream(self, i: bytes, log: StreamLog, final: bool) -> None:
        self.checked += 1
        name = f"stream {i.hex()[:8]}"
        if final and log.end is None:
            self.violate(f"{name}: never ended (no Close, Error or Cancel)")
        ended_whole = log.end is not None and log.end[0] == "close"
        if log.gap is not None and ended_whole:
            self.violate(f"{name}: closed Normal after the host refused a Data frame ({log.gap}): data lost silently")
        p = self.profile
        if p.producer:
            for n, got in enumerate(log.out, 1):
                if got != p.tick(n):
                    self.violate(f"{name}: tick {n} is {got!r}, expected {p.tick(n)!r}")
                    return
            if ended_whole and len(log.out) != log.count:
                self.violate(f"{name}: closed after {len(log.out)} of {log.count} ticks")
            return
        want = self.expected(log)  # the counter's one totals frame goes out at the caller's Close
        if len(log.out) > len(want):
            self.violate(f"{name}: sent {len(log.out)} Data frames for {len(want)} expected")
            return
        for n, (got, w) in enumerate(zip(log.out, want)):
            if not self._same(got, w):
                self.violate(f"{name}: Data {n} is {_short(got)}, expected {_short(w)} (reordered or altered)")
                return
        if ended_whole and len(log.out) != len(want):
            self.violate(
                f"{name}: closed Normal after {len(log.out)} of {len(want)} accepted frames: "
                f"{len(want) - len(log.out)} lost without an Error"
            )

    def finish(self, i: bytes) -> None:
        """Checks one stream now and forgets it (keeps a long scenario's memory flat)."""
        log = self.streams.pop(i, None)
        if log is not None:
            self.check_stream(i, log, True)

    def check_all(self, final: bool = True) -> None:
        """Checks every stream left; final: each must have ended."""
        for i, log in list(self.streams.items()):
            self.check_stream(i, log, final)
        self.streams.clear()


def _short(p) -> str:
    if isinstance(p, (Big, Digest)):
        return repr(p)
    return repr(p[:24]) + ("…" if len(p) > 24 else "")


# ---- driving a module ----


class Stop(Exception):
    """A trap: the instance's state is suspect, so the scenario stops here."""


class Driver:
    """One scenario on one fresh instance (traps reported, not raised): drives frames and feeds the model.
    `codes`: the Error codes a stream may end with; host_args go to IxtHost (memory_cap, respond, record...)."""

    def __init__(self, path: str, profile: Profile, codes: Optional[set] = None, **host_args):
        self.profile = profile
        self.model = Model(profile, strict_codes=codes)
        host_args.setdefault("record", False)
        host_args.setdefault("record_limit", RECORD_LIMIT)
        self.host = IxtHost(path, traps="report", on_send=self.model.on_send, **host_args)
        self.next = 1
        self.notes: list = []
        self.lenient = False  # memory_caps.py's cap sweep: refusals for want of memory end a scenario early

    def fail(self, message: str) -> None:
        self.model.violate(message)

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            self.fail(message)

    def new_id(self) -> bytes:
        self.next += 1
        return sid(self.next, 0x1C)

    def dispatch(self, frame, what: str) -> int:
        result = self.host.dispatch(frame)
        if result == TRAPPED:
            self.fail(f"{what}: trapped in {self.host.last_trap_phase}: {self.host.last_trap}")
            raise Stop()
        self.model.result(result, what)
        return result

    def open(self, credit=UNLIMITED, count=1_000_000, frame=None, what="Open"):
        i = self.new_id()
        self.model.opened(i, count)  # before the call: a producer sends from onOpen
        result = self.dispatch(frame(i) if frame else self.profile.open(i, credit, count), what)
        if result != 0:
            log = self.model.streams.pop(i)
            self.expect(not log.out and log.end is None, f"{what}: refused ({result}), but the module sent on it")
        return i, result

    def data(self, i: bytes, payload, what="Data") -> int:
        """payload: bytes, or an int: a frame of that many bytes in all, written straight into guest memory."""
        if isinstance(payload, int):
            frame = big_data(i, payload)
            record = Big(payload - 17, frame.fill)
        else:
            frame, record = data_frame(i, payload), payload
        result = self.dispatch(frame, what)
        self.model.data_result(i, record, result)
        if result == ALLOC_REFUSED:
            self.runtime_fails(i)
        return result

    def runtime_fails(self, i: bytes) -> None:
        """The runtime could not deliver a frame for stream i: it fails the stream, and tells the module."""
        self.model.caller_ended(i)
        self.expect(self.dispatch(cancel_frame(i, CANCEL_CALLEE), "Cancel") == 0, "Cancel not answered 0")

    def credit(self, i: bytes, n: int) -> None:
        self.expect(self.dispatch(credit_frame(i, n), "Credit") == 0, "Credit not answered 0")

    def close(self, i: bytes) -> None:
        self.expect(self.dispatch(close_frame(i), "Close") == 0, "Close not answered 0")

    def cancel(self, i: bytes) -> None:
        self.model.caller_ended(i)
        self.expect(self.dispatch(cancel_frame(i), "Cancel") == 0, "Cancel not answered 0")

    def wind_down(self, ids, finish: bool = True) -> None:
        """Lets every stream end: producers get some credit and are cancelled; others get the caller's Close
        and then credit, so queues drain and the module's Close or Error goes out. Then checks each (unless
        finish is False: then the caller checks them later with model.finish)."""
        for i in ids:
            log = self.model.streams.get(i)
            if log is None:
                continue
            if self.profile.producer:
                if log.end is None:
                    self.credit(i, 64)
                    self.cancel(i)
            else:
                self.close(i)
                self.credit(i, 0x7FFFFFFF)
            if finish:
                self.model.finish(i)

    def still_serves(self) -> None:
        """A new stream works after all that."""
        i, result = self.open(count=3)
        if result != 0:
            if not (self.lenient and result in (RESOURCE_EXHAUSTED, ALLOC_REFUSED)):
                self.fail(f"a new Open after the scenario was answered {result}")
            return
        if self.profile.kind in ("echo", "counter", "lines"):
            self.expect(self.data(i, b"still here") == 0, "Data on a new stream refused after the scenario")
            self.close(i)
        log = self.model.streams.get(i)
        self.expect(log is not None and log.end is not None and log.end[0] == "close",
                    f"a new stream after the scenario did not close normally: {log.end if log else None}")
        self.model.finish(i)

    def check_queue_bounds(self, ids) -> None:
        """For streams that had no credit until wind_down, everything echoed had been queued: it must have
        fit the per-stream limit, and all of it together the module budget (payload + overhead per frame)."""
        p = self.profile
        total = 0
        for i in ids:
            log = self.model.streams.get(i)
            if log is None or p.kind != "echo":
                continue
            payload = sum(_length(x) for x in log.out)
            charged = payload + len(log.out) * p.frame_overhead
            total += charged
            self.expect(
                charged <= p.stream_queue_limit,
                f"stream {i.hex()[:8]} queued {payload} bytes in {len(log.out)} frames "
                f"({charged} charged), above the per-stream limit {p.stream_queue_limit}",
            )
        self.expect(total <= p.queue_budget, f"{total} bytes charged in queues, above the module budget {p.queue_budget}")
        self.notes.append(f"queued {total / MiB:.1f} MiB")
