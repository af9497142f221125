// What a user writes by hand without the SDK: the same ABI (docs/ABI.md), a few checks, and each Data
// payload copied into a `Uint8Array` before it is sent back. No stream table: every stream is echoed.

// @ts-ignore: decorator
@external("ixt", "stream_send_data")
declare function stream_send_data(idPtr: usize, idLen: usize, ptr: usize, len: usize): i32;

// @ts-ignore: decorator
@external("ixt", "stream_send_close")
declare function stream_send_close(idPtr: usize, idLen: usize, reason: u32): i32;

export function ixt_alloc(size: usize): usize {
  if (size > (1 << 30) - 16) return 0;
  return heap.alloc(size);
}

export function ixt_dealloc(ptr: usize, size: usize): void {
  if (ptr) heap.free(ptr);
}

export function ixt_module_handle_server_stream(ptr: usize, len: usize): u32 {
  if (len < 17) return 11; // ProtocolViolation
  const kind = load<u8>(ptr);
  if (kind == 1) {
    // Data: copy the payload out of the frame, then send the copy.
    const payload = new Uint8Array(<i32>(len - 17));
    memory.copy(payload.dataStart, ptr + 17, len - 17);
    stream_send_data(ptr + 1, 16, payload.dataStart, <usize>payload.byteLength);
    return 0;
  }
  if (kind == 0) {
    // Open: accept ServerStream.
    if (len < 32) return 11;
    return load<u8>(ptr, 17) == 2 ? 0 : 8;
  }
  if (kind == 3) {
    // Close: answer with Close(Normal).
    if (len < 18) return 11;
    stream_send_close(ptr + 1, 16, 0);
    return 0;
  }
  return kind > 5 ? 8 : 0;
}

// The ABI has no `env` import: an abort just traps.
// @ts-ignore: decorator
@global
function __bench_abort(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  unreachable();
}
