// What a user writes by hand without the SDK: the same ABI (docs/ABI.md), a few checks, and each Data
// payload copied into a `Uint8Array` before it is sent back. No stream table: every stream is echoed.

// @ts-ignore: decorator
@external("ixt", "stream_send_data")
declare function stream_send_data(idPtr: usize, idLen: usize, ptr: usize, len: usize): i32;

// @ts-ignore: decorator
@external("ixt", "stream_send_close")
declare function stream_send_close(idPtr: usize, idLen: usize, reason: u32): i32;

// The ABI's numbers this module needs (docs/ABI.md; tests/abi-consistency.test.ts checks them against docs/abi.json).
const KIND_OPEN: u8 = 0;
const KIND_DATA: u8 = 1;
const KIND_CLOSE: u8 = 3;
const KIND_LAST: u8 = 5; // Credit
const SERVER_STREAM: u8 = 2;
const STREAM_ID_OFFSET: usize = 1;
const STREAM_ID_LEN: usize = 16;
const FRAME_HEADER_LEN: usize = 17;
const OPEN_INTERACTION_OFFSET: usize = 17;
const OPEN_MIN_LEN: usize = 32;
const CLOSE_MIN_LEN: usize = 18;
const CLOSE_NORMAL: u32 = 0;
const UNIMPLEMENTED: u32 = 8;
const PROTOCOL_VIOLATION: u32 = 11;

export function ixt_alloc(size: usize): usize {
  if (size > (1 << 30) - 16) return 0;
  return heap.alloc(size);
}

export function ixt_dealloc(ptr: usize, size: usize): void {
  if (ptr) heap.free(ptr);
}

export function ixt_module_handle_server_stream(ptr: usize, len: usize): u32 {
  if (len < FRAME_HEADER_LEN) return PROTOCOL_VIOLATION;
  const kind = load<u8>(ptr);
  if (kind == KIND_DATA) {
    // Data: copy the payload out of the frame, then send the copy.
    const payload = new Uint8Array(<i32>(len - FRAME_HEADER_LEN));
    memory.copy(payload.dataStart, ptr + FRAME_HEADER_LEN, len - FRAME_HEADER_LEN);
    stream_send_data(ptr + STREAM_ID_OFFSET, STREAM_ID_LEN, payload.dataStart, <usize>payload.byteLength);
    return 0;
  }
  if (kind == KIND_OPEN) {
    // Open: accept ServerStream.
    if (len < OPEN_MIN_LEN) return PROTOCOL_VIOLATION;
    return load<u8>(ptr, OPEN_INTERACTION_OFFSET) == SERVER_STREAM ? 0 : UNIMPLEMENTED;
  }
  if (kind == KIND_CLOSE) {
    // Close: answer with Close(Normal).
    if (len < CLOSE_MIN_LEN) return PROTOCOL_VIOLATION;
    stream_send_close(ptr + STREAM_ID_OFFSET, STREAM_ID_LEN, CLOSE_NORMAL);
    return 0;
  }
  return kind > KIND_LAST ? UNIMPLEMENTED : 0;
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
