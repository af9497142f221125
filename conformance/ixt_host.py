"""A wasmtime host for ixt guest modules: it defines only the three `ixt` imports, as the real runtime does
(plus WASI for a module built with the WASI profile), delivers frames as docs/ABI.md says and records every
outbound call. It follows stream state and credit as the TypeScript host shim (host-shim/host.ts) does, so both
hosts answer the module's calls with the same statuses and hold the same streams live (tests/hosts-agree.test.ts
runs one script through both, with every injected status, and compares what they record).

Beyond that, for the hardening suites (memory_caps.py, refusals.py, traps.py):
- `memory_cap`: the most linear memory the instance may have, in bytes (wasmtime `Store.set_limits`); a
  `memory.grow` beyond it fails (returns -1) as in a runtime with a per-instance limit.
- `respond(kind, stream_id, payload_len)`: a refusal policy, like the shim's `respond`. Called for every outbound
  call that passed the host's own checks (a known, open stream, memory in bounds, Data within the caller's
  credit; "data", "close" or "error"; `payload_len` is the Data payload's or the Error message's length, 0 for
  Close); a non-None result is returned to the module instead of Ok (any number: 77 works). The frame is then not
  delivered. UnknownStream and StreamClosed also end the stream on the host's side (the stream is gone).
- `dispatch()` returns `ALLOC_REFUSED` (-1) when `ixt_alloc` returned 0: the frame was not delivered (a runtime
  fails that stream itself). With `traps="report"`, a trap returns `TRAPPED` (-2) instead of raising, the
  message is in `last_trap`, and the instance can be called again (wasmtime allows it).
- Big frames: `dispatch(BigFrame(prefix, length, fill))` writes `prefix` and then `length - len(prefix)`
  copies of the byte `fill` straight into guest memory, without building the frame in Python.
- `record_limit`: payloads longer than this are recorded as a `Digest` (length and SHA-1, hashed in place in
  guest memory) instead of bytes; `record=False` keeps no list at all (use `on_send` to observe calls).
- `memory_bytes()` / `memory_pages()`: the instance's memory size now (it only grows, so this is its peak).
- `interrupts="fuel"` or `"epoch"`: the instance runs in an engine that can stop a call at any function entry or
  loop back-edge, as a runtime bounding its calls does (docs/ABI.md, "When a call is stopped").
  `dispatch(frame, fuel=N)` gives the whole delivery (ixt_alloc, the handler, ixt_dealloc) N units of fuel
  (wasmtime `Store.set_fuel`); `dispatch(frame, epoch_deadline=N)` stops it N epoch ticks from now (another
  thread calls `ENGINES["epoch"].increment_epoch()`). Every other call has unlimited fuel and no deadline. A
  stop is a trap like any other (with traps="report", TRAPPED and `last_trap`), and `last_trap_interrupt` is
  True for it (False for any other trap), `last_trap_where` its wasm stack; `last_fuel` is the fuel the last
  delivery used (fuel mode).
- `instance_lost()`: the module's `ixt_instance_lost` export (docs/abi.json "interrupts", LOST_EXPORT): True
  once a call was stopped where the module cannot vouch for its memory; False when the module lacks it. A lost
  instance's `ixt_alloc` returns 0, which `dispatch` reports as ALLOC_REFUSED. `handle_at(ptr, frame)` calls
  `ixt_module_handle_server_stream` on a buffer without `ixt_alloc` (a runtime holding one from before).

Calls in both directions use wasmtime's unchecked C API (about ten times faster than `Func.__call__` from
Python), so a suite can deliver hundreds of thousands of frames; it falls back to the checked API if the
bindings lack it.
"""

import ctypes
import hashlib
import math
import struct
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from wasmtime import Config, Engine, FuncType, Linker, Module, Store, Trap, TrapCode, ValType, WasiConfig, WasmtimeError

from abi import (  # the ABI's numbers, from docs/abi.json
    BAD_ARGUMENT,
    CANCEL,
    CLOSE,
    CREDIT,
    CREDIT_OFFSET,
    DATA,
    ERROR,
    FRAME_HEADER_LEN,
    HOST_INTERNAL,
    HOST_STATUS,
    INVALID_MEMORY,
    LOST_EXPORT,
    MIN_FRAME_LEN,
    OK,
    OPEN,
    OPEN_CREDIT_OFFSET,
    PAYLOAD_TOO_LARGE,
    PROTOCOL_VIOLATION,
    STREAM_CLOSED,
    STREAM_ID_LEN,
    UNKNOWN_STREAM,
    UNLIMITED_CREDIT,
    WOULD_BLOCK,
)

try:  # the unchecked fast path (wasmtime-py's own bindings; pinned in requirements.txt)
    from wasmtime import _ffi as ffi
    from wasmtime._func import Func as _Func

    FAST = all(
        hasattr(ffi, name)
        for name in ("wasmtime_func_call_unchecked", "wasmtime_func_new_unchecked", "wasmtime_val_raw_t", "dll")
    )
    if FAST:
        # Private copies of three C entry points (dll[...] makes a new function object), so their argument
        # conversion is minimal and the memory base comes back as a plain int.
        _call_unchecked = ffi.dll["wasmtime_func_call_unchecked"]
        _call_unchecked.restype = ctypes.c_void_p
        _call_unchecked.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        _memory_data = ffi.dll["wasmtime_memory_data"]
        _memory_data.restype = ctypes.c_void_p
        _memory_data.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        _memory_size = ffi.dll["wasmtime_memory_data_size"]
        _memory_size.restype = ctypes.c_size_t
        _memory_size.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
except (ImportError, AttributeError):  # pragma: no cover
    FAST = False

HOST_STATUSES = set(HOST_STATUS.values())
PAGE = 65536  # a wasm page

# dispatch() outcomes that are not dispatcher results (those are u32 values, never negative).
ALLOC_REFUSED = -1  # ixt_alloc returned 0: the frame was not delivered
TRAPPED = -2  # the call trapped (only with traps="report")

WASI_MODULE = "wasi_snapshot_preview1"
ENGINE = Engine()
UNLIMITED_FUEL = 1 << 62  # what "no budget" means in fuel mode (wasmtime keeps fuel as an i64)
NO_DEADLINE = 1 << 40  # epoch ticks: never reached
INTERRUPT_CODES = (TrapCode.OUT_OF_FUEL, TrapCode.INTERRUPT)  # a stop by the runtime, not the guest's own trap


def _engine(interrupts: Optional[str]) -> Engine:
    if interrupts is None:
        return ENGINE
    if interrupts not in ENGINES:
        if interrupts not in ("fuel", "epoch"):
            raise ValueError(f'interrupts must be None, "fuel" or "epoch", not {interrupts!r}')
        config = Config()
        if interrupts == "fuel":
            config.consume_fuel = True
        else:
            config.epoch_interruption = True
        ENGINES[interrupts] = Engine(config)
    return ENGINES[interrupts]


ENGINES: dict = {}  # interrupts mode -> its engine, made on first use (a module compiles once per engine)
_modules: dict = {}


def load_module(path: str, interrupts: Optional[str] = None) -> Module:
    key = (path, interrupts)
    if key not in _modules:
        _modules[key] = Module.from_file(_engine(interrupts), path)
    return _modules[key]


def is_interrupt(err: Exception) -> bool:
    """True when a trap is the runtime stopping the call (fuel spent, epoch deadline passed)."""
    if not isinstance(err, Trap):
        return False
    try:
        return err.trap_code in INTERRUPT_CODES
    except Exception:  # noqa: BLE001 - a trap without a code is not a stop
        return False


class GuestTrap(Exception):
    pass


@dataclass(frozen=True)
class Digest:
    """A payload too long to keep: its length and SHA-1."""

    length: int
    sha1: str

    def __repr__(self) -> str:
        return f"<{self.length} bytes sha1 {self.sha1[:12]}>"


def digest_of(data: bytes) -> Digest:
    return Digest(len(data), hashlib.sha1(data).hexdigest())


def fill_digest(prefix: bytes, length: int, fill: int) -> Digest:
    """The Digest of `prefix` followed by `fill` bytes up to `length`, hashed in 1 MiB steps."""
    h = hashlib.sha1(prefix)
    chunk = bytes([fill]) * (1 << 20)
    left = length - len(prefix)
    while left > 0:
        n = min(left, len(chunk))
        h.update(chunk[:n] if n < len(chunk) else chunk)
        left -= n
    return Digest(length, h.hexdigest())


@dataclass
class BigFrame:
    """A frame of `length` bytes: `prefix`, then the byte `fill` repeated. Written straight into guest memory."""

    prefix: bytes
    length: int
    fill: int = 0x61

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, _ = index.indices(self.length)
            head = self.prefix[start:stop]
            return head + bytes([self.fill]) * max(0, stop - max(start, len(self.prefix)))
        return self.prefix[index] if index < len(self.prefix) else self.fill


@dataclass
class Outbound:
    """One call to an `ixt` import: the frame the runtime would forward, and the status returned.

    `payload` is the Data payload or the Error message (bytes, or a `Digest` above `record_limit`); `code` is
    the Close reason or the Error code; `frame` is the whole frame when its payload is kept as bytes. A call the
    host refused for its stream (UnknownStream, StreamClosed) has an empty `stream_id`, as in the shim; `named`
    is the id the module passed all the same (empty when it could not be read)."""

    kind: str
    stream_id: bytes
    frame: bytes
    status: int
    payload: Union[bytes, Digest, None] = None
    code: Optional[int] = None
    named: bytes = b""


def trap_message(text: str) -> str:
    """The reason from wasmtime's trap text ("wasm trap: …" after "Caused by:", not the backtrace)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "Caused by:" in lines:
        return " ".join(lines[lines.index("Caused by:") + 1 :])
    return lines[0] if lines else "trap"


def trap_where(err: Exception) -> str:
    """Where a trap hit: the wasm functions on its stack, innermost first, by name when the module has a name
    section (a build with --debug), else by index ("#54+3": function 54, 3 bytes into its body)."""
    try:
        frames = err.frames if isinstance(err, Trap) else []
    except Exception:  # noqa: BLE001 - no backtrace to show
        return ""
    return " < ".join(f"{f.func_name or '#%d' % f.func_index}+{f.func_offset}" for f in frames or [])


def u32(value: int) -> int:
    return value & 0xFFFFFFFF


@dataclass
class _Raw:
    """An export called through wasmtime's unchecked API: i32 arguments, one or no i32 result."""

    ctx: object
    func: object
    nargs: int
    args: object = field(init=False)

    def __post_init__(self):
        self.args = (ffi.wasmtime_val_raw_t * max(self.nargs, 1))()
        self.ctx_addr = ctypes.cast(self.ctx, ctypes.c_void_p).value
        self.func_addr = ctypes.addressof(self.func._func)
        self.args_addr = ctypes.addressof(self.args)
        self.size = max(self.nargs, 1)
        self.trap = ctypes.c_void_p(0)
        self.trap_addr = ctypes.addressof(self.trap)

    def __call__(self, *values):
        args = self.args
        for i, v in enumerate(values):
            args[i].i32 = v  # ctypes keeps the low 32 bits
        self.trap.value = None
        error = _call_unchecked(self.ctx_addr, self.func_addr, self.args_addr, self.size, self.trap_addr)
        if error:
            raise WasmtimeError._from_ptr(ctypes.cast(error, ctypes.POINTER(ffi.wasmtime_error_t)))
        if self.trap.value:
            raise Trap._from_ptr(ctypes.cast(self.trap.value, ctypes.POINTER(ffi.wasm_trap_t)))
        return args[0].i32


class IxtHost:
    def __init__(
        self,
        path: str,
        stdout_file: Optional[str] = None,
        *,
        memory_cap: Optional[int] = None,
        respond: Optional[Callable[[str, bytes, int], Optional[int]]] = None,
        traps: str = "raise",
        dealloc_after_trap: bool = True,
        record: bool = True,
        record_limit: Optional[int] = None,
        on_send: Optional[Callable[[Outbound], None]] = None,
        interrupts: Optional[str] = None,
    ):
        module = load_module(path, interrupts)
        engine = _engine(interrupts)
        self.interrupts = interrupts
        self.store = Store(engine)
        if interrupts == "fuel":
            self.store.set_fuel(UNLIMITED_FUEL)
        elif interrupts == "epoch":
            self.store.set_epoch_deadline(NO_DEADLINE)
        self.last_fuel: Optional[int] = None  # fuel used by the last delivery (fuel mode)
        self.last_trap_interrupt = False  # the last trap was a stop (fuel or epoch), not the guest's own
        self.last_trap_where = ""  # its wasm stack (trap_where)
        self.last_ptr = 0  # the last buffer ixt_alloc returned
        if memory_cap is not None:
            self.store.set_limits(memory_size=memory_cap)
        self.memory_cap = memory_cap
        self.respond = respond
        self.traps = traps
        self.dealloc_after_trap = dealloc_after_trap
        self.record = record
        self.record_limit = record_limit
        self.on_send = on_send
        linker = Linker(engine)
        self._keep = []
        self._callback_error: Optional[BaseException] = None
        self.fast = FAST
        for name, fn, nparams in (
            ("stream_send_data", self._send_data, 4),
            ("stream_send_close", self._send_close, 3),
            ("stream_send_error", self._send_error, 5),
        ):
            self._define(linker, name, fn, nparams)
        self.uses_wasi = any(imp.module == WASI_MODULE for imp in module.imports)
        if self.uses_wasi:
            linker.define_wasi()
            wasi = WasiConfig()
            if stdout_file:
                wasi.stdout_file = stdout_file
            self.store.set_wasi(wasi)
        self.memory = None
        self.sent: list = []
        self.calls = 0  # outbound calls so far
        self.streams: dict = {}  # stream id -> "open" | "ended"
        self.credit: dict = {}  # stream id -> payload bytes the caller can take (inf: unlimited)
        self.trapped = False
        self.traps_seen = 0
        self.last_trap: Optional[str] = None
        self.last_trap_phase: Optional[str] = None  # "alloc", "handle" or "dealloc"
        self.alloc_refusals = 0
        self.dispatching: Optional[bytes] = None  # the frame's header (kind and id) during a dispatch
        instance = linker.instantiate(self.store, module)
        exports = instance.exports(self.store)
        self._exports = exports
        self.memory = exports["memory"]
        self._ctx = self.store._context()
        if FAST:
            self._ctx_addr = ctypes.cast(self._ctx, ctypes.c_void_p).value
            self._mem_addr = ctypes.addressof(self.memory._memory)
        self._handle = self._export("ixt_module_handle_server_stream", 2)
        self._alloc = self._export("ixt_alloc", 1)
        self._dealloc = self._export("ixt_dealloc", 2)
        self._lost = self._export(LOST_EXPORT, 0) if LOST_EXPORT in [e.name for e in module.exports] else None
        # A reactor (the WASI profile) is started once, before the first frame.
        if "_initialize" in [e.name for e in module.exports]:
            self._export("_initialize", 0)()

    def _define(self, linker: Linker, name: str, fn, nparams: int) -> None:
        i32 = ValType.i32()
        ty = FuncType([i32] * nparams, [i32])
        if not self.fast:
            linker.define_func("ixt", name, ty, fn)
            return

        def callback(env, caller, args, n):
            try:
                args[0].i32 = fn(*[args[i].i32 for i in range(nparams)])
                return 0
            except BaseException as err:  # noqa: BLE001 - a harness bug: stop the guest, re-raise after
                self._callback_error = err
                trap = Trap("host callback raised")._consume()
                return ctypes.cast(trap, ctypes.c_void_p).value

        c_callback = ffi.wasmtime_func_unchecked_callback_t(callback)
        out = ffi.wasmtime_func_t()
        no_finalizer = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(0)
        ffi.wasmtime_func_new_unchecked(self.store._context(), ty.ptr(), c_callback, None, no_finalizer, ctypes.byref(out))
        self._keep += [c_callback, ty, no_finalizer]
        linker.define(self.store, "ixt", name, _Func._from_raw(out))

    def _export(self, name: str, nargs: int):
        func = self._exports[name]
        if self.fast:
            return _Raw(self._ctx, func, nargs)
        return lambda *args: func(self.store, *args)

    def call_export(self, name: str, *args):
        """Calls any other export (i32 arguments and result), e.g. a fixture's probe log."""
        return self._export(name, len(args))(*args)

    # ---- memory ----

    def memory_bytes(self) -> int:
        return self.memory.data_len(self.store)

    def memory_pages(self) -> int:
        return self.memory.size(self.store)

    def _base(self) -> int:
        if self.fast:
            return _memory_data(self._ctx_addr, self._mem_addr) or 0
        return ctypes.cast(self.memory.data_ptr(self.store), ctypes.c_void_p).value or 0

    def _in_bounds(self, start: int, length: int) -> bool:
        if self.fast:
            return start + length <= _memory_size(self._ctx_addr, self._mem_addr)
        return start + length <= self.memory.data_len(self.store)

    def write(self, ptr: int, frame) -> None:
        """Writes a frame (bytes or a BigFrame) at `ptr` in guest memory."""
        if not self._in_bounds(ptr, len(frame)):
            raise AssertionError(f"ixt_alloc returned {ptr:#x}, but {len(frame)} bytes there run past the memory")
        base = self._base()
        if isinstance(frame, BigFrame):
            ctypes.memmove(base + ptr, frame.prefix, len(frame.prefix))
            ctypes.memset(base + ptr + len(frame.prefix), frame.fill, frame.length - len(frame.prefix))
        else:
            ctypes.memmove(base + ptr, bytes(frame), len(frame))

    def read(self, ptr: int, length: int) -> bytes:
        return ctypes.string_at(self._base() + ptr, length)

    # ---- delivering frames ----

    def instance_lost(self) -> bool:
        """The module's own word (LOST_EXPORT): a call was stopped where it cannot vouch for its memory. False
        when the module does not export it. Called with unlimited fuel and no deadline; changes nothing."""
        return self._lost is not None and self._lost() != 0

    def handle_at(self, ptr: int, frame) -> int:
        """Writes `frame` at `ptr` and calls ixt_module_handle_server_stream on it without ixt_alloc (as a
        runtime holding a buffer from before would); returns its result (unsigned). Traps are raised."""
        self.write(ptr, frame)
        self.dispatching = frame[:FRAME_HEADER_LEN]
        try:
            return self._handle(ptr, len(frame)) & 0xFFFFFFFF
        finally:
            self.dispatching = None

    def dealloc(self, ptr: int, length: int) -> None:
        """Calls ixt_dealloc directly. Traps are raised."""
        self._dealloc(ptr, length)

    def dispatch(self, frame, *, fuel: Optional[int] = None, epoch_deadline: Optional[int] = None) -> int:
        """Delivers one frame as the runtime does; returns the dispatcher's result (unsigned), or ALLOC_REFUSED
        (-1) when ixt_alloc returned 0, or TRAPPED (-2) when the call trapped and traps="report". `fuel` (fuel
        mode) or `epoch_deadline` (epoch mode) bound the whole delivery; a stop is then a trap."""
        if self.trapped:
            raise GuestTrap("instance trapped earlier")
        if fuel is not None and self.interrupts != "fuel":
            raise ValueError('dispatch(fuel=…) needs IxtHost(interrupts="fuel")')
        if epoch_deadline is not None and self.interrupts != "epoch":
            raise ValueError('dispatch(epoch_deadline=…) needs IxtHost(interrupts="epoch")')
        budget = (fuel, epoch_deadline)
        kind = frame[0] if len(frame) >= FRAME_HEADER_LEN else -1
        opens = kind == OPEN
        ends = kind in (CANCEL, ERROR)
        credits = kind == CREDIT and len(frame) >= MIN_FRAME_LEN[CREDIT]
        if not opens and not ends and not credits:
            return self._deliver(frame, budget)
        key = bytes(frame[1:FRAME_HEADER_LEN])
        before, credit_before = self.streams.get(key), self.credit.get(key)
        if opens and before != "open":
            self.streams[key] = "open"
            at = OPEN_CREDIT_OFFSET
            initial = struct.unpack_from("<I", bytes(frame[at : at + 4]))[0] if len(frame) >= at + 4 else UNLIMITED_CREDIT
            self.credit[key] = math.inf if initial == UNLIMITED_CREDIT else initial
        elif ends and before == "open":
            self.streams[key] = "ended"
        elif credits and before == "open":
            self.credit[key] += struct.unpack_from("<I", bytes(frame[CREDIT_OFFSET : CREDIT_OFFSET + 4]))[0]
        result = self._deliver(frame, budget)
        # A refused Open never opened; a Cancel, Error or Credit the guest found malformed (or never got) never
        # happened. After a trap the frame counts as delivered.
        if result == TRAPPED:
            undo = False
        elif result == ALLOC_REFUSED:
            undo = True
        elif opens:
            undo = result != 0 and before != "open"
        else:
            undo = result == PROTOCOL_VIOLATION if ends else result != 0
        if undo:
            for table, value in ((self.streams, before), (self.credit, credit_before)):
                if value is None:
                    table.pop(key, None)
                else:
                    table[key] = value
        return result

    def _trap_reason(self, err: Exception) -> str:
        failure = self._callback_error
        if failure is not None:  # a host callback raised: a harness bug, not the guest's
            self._callback_error = None
            raise failure
        self.last_trap_interrupt = is_interrupt(err)
        self.last_trap_where = trap_where(err)
        return trap_message(err.message if isinstance(err, Trap) else str(err))

    def _unbounded(self) -> None:
        """Unlimited fuel and no deadline again, after a bounded delivery."""
        if self.interrupts == "fuel":
            self.store.set_fuel(UNLIMITED_FUEL)
        elif self.interrupts == "epoch":
            self.store.set_epoch_deadline(NO_DEADLINE)

    def _trap(self, phase: str, message: str) -> int:
        self.traps_seen += 1
        self.last_trap, self.last_trap_phase = message, phase
        if self.traps != "report":
            self.trapped = True
            raise GuestTrap(message)
        return TRAPPED

    def _deliver(self, frame, budget=(None, None)) -> int:
        length = len(frame)
        self.dispatching = frame[:FRAME_HEADER_LEN]
        phase, ptr = "alloc", 0
        fuel, deadline = budget
        bounded = fuel is not None or deadline is not None
        if fuel is not None:
            self.store.set_fuel(fuel)
        elif deadline is not None:
            self.store.set_epoch_deadline(deadline)
        start = fuel if fuel is not None else (self.store.get_fuel() if self.interrupts == "fuel" else None)
        try:
            ptr = self._alloc(length) & 0xFFFFFFFF
            if ptr == 0:
                self.alloc_refusals += 1
                return ALLOC_REFUSED
            self.last_ptr = ptr
            self.write(ptr, frame)
            phase = "handle"
            result = self._handle(ptr, length)
            phase = "dealloc"
            self._dealloc(ptr, length)
            return result & 0xFFFFFFFF
        except (Trap, WasmtimeError) as err:
            reason = self._trap_reason(err)
            if start is not None:
                self.last_fuel, start = start - self.store.get_fuel(), None
            if bounded:
                self._unbounded()  # the runtime's next calls (the dealloc below too) run without a bound
                bounded = False
            if phase == "handle" and self.traps == "report" and self.dealloc_after_trap:
                try:
                    self._dealloc(ptr, length)
                except (Trap, WasmtimeError) as err2:
                    reason += f"; then ixt_dealloc trapped too: {self._trap_reason(err2)}"
            return self._trap(phase, reason)
        finally:
            self.dispatching = None
            if start is not None:
                self.last_fuel = start - self.store.get_fuel()
            if bounded:
                self._unbounded()

    # ---- the ixt imports ----

    def _bytes(self, ptr: int, length: int) -> Optional[bytes]:
        start, length = u32(ptr), u32(length)
        if self.memory is None or not self._in_bounds(start, length):
            return None
        return self.read(start, length)

    def _payload(self, ptr: int, length: int):
        """The bytes at ptr (or their Digest above record_limit); None when out of bounds."""
        start, length = u32(ptr), u32(length)
        if self.memory is None or not self._in_bounds(start, length):
            return None
        if self.record_limit is not None and length > self.record_limit:
            view = (ctypes.c_char * length).from_address(self._base() + start)
            return Digest(length, hashlib.sha1(view).hexdigest())
        return self.read(start, length)

    def _stream(self, id_ptr: int, id_len: int):
        """(status, id or None) when the call is refused, else (None, id). Like the shim, a refused call is
        recorded without its stream id."""
        if u32(id_len) != STREAM_ID_LEN:
            return BAD_ARGUMENT, None
        sid = self._bytes(id_ptr, id_len)
        if sid is None:
            return INVALID_MEMORY, None
        state = self.streams.get(sid)
        if state is None:
            return UNKNOWN_STREAM, sid
        if state == "ended":
            return STREAM_CLOSED, sid
        return None, sid

    def _policy(self, kind: str, sid: Optional[bytes], length: int) -> Optional[int]:
        if self.respond is None or sid is None:
            return None
        status = self.respond(kind, sid, u32(length))
        if status is not None and status in (UNKNOWN_STREAM, STREAM_CLOSED) and sid in self.streams:
            self.streams[sid] = "ended"  # the runtime says the stream is gone: so it is, from now on
        return status

    def _record(self, kind: str, sid: Optional[bytes], tail_head: bytes, payload, status: int, ends: bool, code=None,
                named: Optional[bytes] = None) -> int:
        self.calls += 1
        if ends and status == OK and sid is not None:
            self.streams[sid] = "ended"
        if not self.record and self.on_send is None:
            return status
        head = bytes([{"data": DATA, "close": CLOSE, "error": ERROR}[kind]]) + (sid or b"") + tail_head
        frame = head + payload if isinstance(payload, bytes) else (head if payload is None else b"")
        call = Outbound(kind, sid or b"", frame, status, payload, code, named or b"")
        if self.record:
            self.sent.append(call)
        if self.on_send is not None:
            self.on_send(call)
        return status

    def _send_data(self, id_ptr, id_len, ptr, length):
        if self.memory is None:
            return HOST_INTERNAL
        refused, sid = self._stream(id_ptr, id_len)
        payload = self._payload(ptr, length)
        status = refused if refused is not None else (INVALID_MEMORY if payload is None else None)
        if status is None and u32(length) > self.credit[sid]:
            status = WOULD_BLOCK  # like a runtime holding the caller's credit: Data beyond it waits
        if status is None:
            status = self._policy("data", sid, length)
        if status is None:
            status = OK
        if status == OK:
            self.credit[sid] -= u32(length)
        return self._record("data", sid if refused is None else None, b"", payload or b"", status, False, named=sid)

    def _send_close(self, id_ptr, id_len, reason):
        if self.memory is None:
            return HOST_INTERNAL
        refused, sid = self._stream(id_ptr, id_len)
        status = refused
        if status is None:
            status = self._policy("close", sid, 0)
        if status is None:
            status = OK
        tail = bytes([u32(reason) & 0xFF])
        return self._record("close", sid if refused is None else None, tail, None, status, True, u32(reason), sid)

    def _send_error(self, id_ptr, id_len, code, ptr, length):
        if self.memory is None:
            return HOST_INTERNAL
        refused, sid = self._stream(id_ptr, id_len)
        message = self._payload(ptr, length)
        status = refused if refused is not None else (INVALID_MEMORY if message is None else None)
        if status is None:
            status = self._policy("error", sid, length)
        if status is None:
            status = OK
        tail = u32(code).to_bytes(4, "little")
        return self._record("error", sid if refused is None else None, tail, message or b"", status, True, u32(code), sid)
