// Bytes 8 at a time (SWAR): the masks every 8-byte scan of the SDK uses (UTF-8, JSON strings), and the
// search for one byte behind `StreamFrame.indexOf` and `LineSplitter`.

/** 0x01 in every byte of a u64: `LOW_BITS_8 * b` repeats the byte `b` 8 times. */
// @ts-ignore: decorator
@inline export const LOW_BITS_8: u64 = 0x0101010101010101;
/** 0x80 in every byte of a u64: non-zero after `&` when any of the 8 bytes is not ASCII. */
// @ts-ignore: decorator
@inline export const HIGH_BITS_8: u64 = 0x8080808080808080;

/**
 * The high bit of each byte of `x` that is zero, and maybe of bytes above a zero one (a borrow): non-zero
 * exactly when `x` has a zero byte, and its lowest set bit marks the first.
 */
// @ts-ignore: decorator
@inline
export function zeroBytes(x: u64): u64 {
  return (x - LOW_BITS_8) & ~x & HIGH_BITS_8;
}

/**
 * Offset of the first byte equal to `byte` in the `len` bytes at `ptr`, or -1 when there is none.
 * Reads exactly those bytes (8 at a time, then one by one), allocates nothing and never traps.
 */
export function findByte(ptr: usize, len: usize, byte: u8): isize {
  const end = ptr + len;
  const pattern = <u64>byte * LOW_BITS_8;
  let p = ptr;
  while (end - p >= 8) {
    // A byte equal to `byte` is 0 after the xor; the lowest flagged byte is exact (a borrow can only flag
    // bytes above a true zero).
    const zeros = zeroBytes(load<u64>(p) ^ pattern);
    if (zeros) return <isize>(p - ptr) + <isize>(ctz(zeros) >> 3);
    p += 8;
  }
  while (p < end) {
    if (load<u8>(p) == byte) return <isize>(p - ptr);
    p++;
  }
  return -1;
}
