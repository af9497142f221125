"""A wasmtime host for ixt guest modules: it defines only the three `ixt` imports, as the real runtime does
(plus WASI for a module built with the WASI profile), delivers frames as docs/ABI.md says and records every
outbound call. It follows stream state and credit exactly as the TypeScript host shim (host-shim/host.ts) does, so both
hosts answer the module's calls with the same statuses.
"""

import math
import struct
from dataclasses import dataclass
from typing import Optional

from wasmtime import Engine, FuncType, Linker, Module, Store, Trap, ValType, WasiConfig, WasmtimeError

FRAME_HEADER_LEN = 17
STREAM_ID_LEN = 16
OPEN, DATA, ERROR, CLOSE, CANCEL, CREDIT = range(6)
OK, UNKNOWN_STREAM, BAD_ARGUMENT, STREAM_CLOSED, WOULD_BLOCK, INVALID_MEMORY, HOST_INTERNAL = 0, 1, 2, 3, 5, 6, 10
UNLIMITED_CREDIT = 0xFFFFFFFF
PROTOCOL_VIOLATION = 11

WASI_MODULE = "wasi_snapshot_preview1"
ENGINE = Engine()
_modules: dict = {}


def load_module(path: str) -> Module:
    if path not in _modules:
        _modules[path] = Module.from_file(ENGINE, path)
    return _modules[path]


class GuestTrap(Exception):
    pass


@dataclass
class Outbound:
    """One call to an `ixt` import: the frame the runtime would forward, and the status returned."""

    kind: str
    stream_id: bytes
    frame: bytes
    status: int


def u32(value: int) -> int:
    return value & 0xFFFFFFFF


class IxtHost:
    def __init__(self, path: str, stdout_file: Optional[str] = None):
        module = load_module(path)
        self.store = Store(ENGINE)
        linker = Linker(ENGINE)
        i32 = ValType.i32()
        linker.define_func("ixt", "stream_send_data", FuncType([i32] * 4, [i32]), self._send_data)
        linker.define_func("ixt", "stream_send_close", FuncType([i32] * 3, [i32]), self._send_close)
        linker.define_func("ixt", "stream_send_error", FuncType([i32] * 5, [i32]), self._send_error)
        self.uses_wasi = any(imp.module == WASI_MODULE for imp in module.imports)
        if self.uses_wasi:
            linker.define_wasi()
            wasi = WasiConfig()
            if stdout_file:
                wasi.stdout_file = stdout_file
            self.store.set_wasi(wasi)
        self.memory = None
        self.sent: list = []
        self.streams: dict = {}  # stream id -> "open" | "ended"
        self.credit: dict = {}  # stream id -> payload bytes the caller can take (inf: unlimited)
        self.trapped = False
        instance = linker.instantiate(self.store, module)
        exports = instance.exports(self.store)
        self._exports = exports
        self.memory = exports["memory"]
        self._handle = exports["ixt_module_handle_server_stream"]
        self._alloc = exports["ixt_alloc"]
        self._dealloc = exports["ixt_dealloc"]
        # A reactor (the WASI profile) is started once, before the first frame.
        if "_initialize" in [e.name for e in module.exports]:
            exports["_initialize"](self.store)

    # ---- delivering frames ----

    def dispatch(self, frame: bytes) -> int:
        """Delivers one frame as the runtime does; returns the dispatcher's result (unsigned)."""
        if self.trapped:
            raise GuestTrap("instance trapped earlier")
        kind = frame[0] if len(frame) >= FRAME_HEADER_LEN else -1
        opens = kind == OPEN
        ends = kind in (CANCEL, ERROR)
        credits = kind == CREDIT and len(frame) >= 21
        if not opens and not ends and not credits:
            return self._deliver(frame)
        key = bytes(frame[1:FRAME_HEADER_LEN])
        before, credit_before = self.streams.get(key), self.credit.get(key)
        if opens and before != "open":
            self.streams[key] = "open"
            initial = struct.unpack_from("<I", frame, 18)[0] if len(frame) >= 22 else UNLIMITED_CREDIT
            self.credit[key] = math.inf if initial == UNLIMITED_CREDIT else initial
        elif ends and before == "open":
            self.streams[key] = "ended"
        elif credits and before == "open":
            self.credit[key] += struct.unpack_from("<I", frame, 17)[0]
        result = self._deliver(frame)
        # A refused Open never opened; a Cancel, Error or Credit the guest found malformed never happened.
        undo = (result != 0 and before != "open") if opens else (result == PROTOCOL_VIOLATION if ends else result != 0)
        if undo:
            for table, value in ((self.streams, before), (self.credit, credit_before)):
                if value is None:
                    table.pop(key, None)
                else:
                    table[key] = value
        return result

    def _deliver(self, frame: bytes) -> int:
        try:
            ptr = u32(self._alloc(self.store, len(frame)))
            if ptr == 0:
                raise RuntimeError(f"ixt_alloc({len(frame)}) returned 0")
            self.memory.write(self.store, frame, ptr)
            result = u32(self._handle(self.store, ptr, len(frame)))
            self._dealloc(self.store, ptr, len(frame))
            return result
        except (Trap, WasmtimeError) as err:
            self.trapped = True
            raise GuestTrap(str(err).splitlines()[0]) from err

    # ---- the ixt imports ----

    def _bytes(self, ptr: int, length: int) -> Optional[bytes]:
        start, length = u32(ptr), u32(length)
        if self.memory is None or start + length > self.memory.data_len(self.store):
            return None
        return bytes(self.memory.read(self.store, start, start + length))

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

    def _record(self, kind: str, sid: Optional[bytes], tail: bytes, status: int, ends: bool) -> int:
        frame = bytes([{"data": DATA, "close": CLOSE, "error": ERROR}[kind]]) + (sid or b"") + tail
        self.sent.append(Outbound(kind, sid or b"", frame, status))
        if ends and status == OK and sid is not None:
            self.streams[sid] = "ended"
        return status

    def _send_data(self, id_ptr, id_len, ptr, length):
        if self.memory is None:
            return HOST_INTERNAL
        refused, sid = self._stream(id_ptr, id_len)
        payload = self._bytes(ptr, length)
        status = refused if refused is not None else (INVALID_MEMORY if payload is None else OK)
        # Like a runtime holding the caller's credit: Data beyond it is answered WouldBlock.
        if status == OK and len(payload) > self.credit[sid]:
            status = WOULD_BLOCK
        if status == OK:
            self.credit[sid] -= len(payload)
        return self._record("data", sid if refused is None else None, payload or b"", status, False)

    def _send_close(self, id_ptr, id_len, reason):
        if self.memory is None:
            return HOST_INTERNAL
        refused, sid = self._stream(id_ptr, id_len)
        status = refused if refused is not None else OK
        return self._record("close", sid if refused is None else None, bytes([u32(reason) & 0xFF]), status, True)

    def _send_error(self, id_ptr, id_len, code, ptr, length):
        if self.memory is None:
            return HOST_INTERNAL
        refused, sid = self._stream(id_ptr, id_len)
        message = self._bytes(ptr, length)
        status = refused if refused is not None else (INVALID_MEMORY if message is None else OK)
        return self._record("error", sid if refused is None else None, u32(code).to_bytes(4, "little") + (message or b""), status, True)
