// Finding one byte in raw guest memory, 8 bytes at a time: the search behind `StreamFrame.indexOf` and
// `LineSplitter`.

// 0x01 and 0x80 in every byte of a u64, for the "has a zero byte" test.
// @ts-ignore: decorator
@inline const LOW_BITS_8: u64 = 0x0101010101010101;
// @ts-ignore: decorator
@inline const HIGH_BITS_8: u64 = 0x8080808080808080;

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
    const x = load<u64>(p) ^ pattern;
    const zeros = (x - LOW_BITS_8) & ~x & HIGH_BITS_8;
    if (zeros) return <isize>(p - ptr) + <isize>(ctz(zeros) >> 3);
    p += 8;
  }
  while (p < end) {
    if (load<u8>(p) == byte) return <isize>(p - ptr);
    p++;
  }
  return -1;
}
