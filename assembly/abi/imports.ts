// Raw host imports of the ixt server-stream ABI (docs/ABI.md, "Host imports").
// Nothing else belongs in this file: the safe surface is `StreamSender` (sender.ts).

/** Sends one Data frame carrying `payload_len` bytes at `payload_ptr`. Returns a `HostStatus`. */
// @ts-ignore: decorator
@external("ixt", "stream_send_data")
export declare function stream_send_data(
  stream_id_ptr: usize,
  stream_id_len: usize,
  payload_ptr: usize,
  payload_len: usize,
): i32;

/** Closes the stream with a `CloseReason`. Returns a `HostStatus`. */
// @ts-ignore: decorator
@external("ixt", "stream_send_close")
export declare function stream_send_close(stream_id_ptr: usize, stream_id_len: usize, reason: u32): i32;

/** Fails the stream with a `StreamErrorCode` and a UTF-8 message. Returns a `HostStatus`. */
// @ts-ignore: decorator
@external("ixt", "stream_send_error")
export declare function stream_send_error(
  stream_id_ptr: usize,
  stream_id_len: usize,
  code: u32,
  message_ptr: usize,
  message_len: usize,
): i32;
