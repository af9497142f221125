// ByteBuffer: a growable byte buffer for building a frame's payload (bytes, UTF-8 text, decimal integers)
// that never traps when memory runs out.
//
// Storage is one managed ArrayBuffer (the collector frees it with the buffer), grown by `__renew`: TLSF
// grows the block in place or moves it and frees the old one at once, so growth leaves no garbage under
// the minimal runtime. Before growing, `memoryAvailable` is asked; if the memory cannot be had (or the
// length would pass `maxLength`) the buffer becomes *failed*: the append and every later one are dropped
// until `clear()`, so a handler appends freely and checks `ok` once before sending.
//
//   storage (capacity bytes)
//   ┌──────────────────────────────┬─────────────────┐
//   │ length bytes written         │ free            │
//   └──────────────────────────────┴─────────────────┘
//   dataStart                      dataStart + length

import { memoryAvailable } from "../memory/gc";
import { StreamErrorCode } from "../abi/enums";
import { StreamSender } from "./sender";
import { encodeUtf8Into } from "../text/utf8";

/** The largest `maxLength` a ByteBuffer takes (512 MiB); also its default. */
export const BYTE_BUFFER_MAX_LENGTH: usize = 1 << 29;

/** Message a failed buffer's `sendOrFail` fails the stream with (ResourceExhausted). */
export const BYTE_BUFFER_FAILED = "the frame could not be built: out of memory or over its maximum length";

/** Decimal digits of `value` (1 to 20). */
// @ts-ignore: decorator
@inline
function decimalDigits(value: u64): usize {
  let digits: usize = 1;
  while (value >= 10_000) {
    value /= 10_000;
    digits += 4;
  }
  if (value >= 10) digits++;
  if (value >= 100) digits++;
  if (value >= 1000) digits++;
  return digits;
}

/** Writes `value` in decimal as `digits` ASCII digits ending just before `end`. */
// @ts-ignore: decorator
@inline
function storeDigits(end: usize, value: u64, digits: usize): void {
  for (let at = end; at > end - digits;) {
    store<u8>(--at, <u8>(0x30 + <u32>(value % 10)));
    value /= 10;
  }
}

/**
 * A growable byte buffer: append bytes, UTF-8 text and decimal integers, then send it as it stands
 * (`stream.sendData(buf.dataStart, buf.length)`, or `buf.sendOrFail(stream)`).
 *
 * Never traps on memory: growth first asks `memoryAvailable`; when the memory cannot be had, or the
 * length would pass `maxLength`, the buffer becomes failed (`failed` true, `ok` false) and that append
 * and every later one are dropped whole (never in part) until `clear()`. Check `ok` once before sending.
 * `clear()` keeps the capacity, so one buffer per stream makes no garbage per frame.
 *
 * ```ts
 * const buf = new ByteBuffer();
 * buf.writeString("tick ");
 * buf.writeU32(seq);
 * buf.sendOrFail(stream); // ResourceExhausted if the buffer failed
 * buf.clear();
 * ```
 */
export class ByteBuffer {
  private storage: ArrayBuffer;
  private used: usize = 0;
  private broken: bool = false;
  /** The largest length this buffer grows to; an append past it fails the buffer. */
  readonly maxLength: usize;

  /**
   * A buffer with room for `initialCapacity` bytes (default 64) that grows up to `maxLength` bytes
   * (default and largest: `BYTE_BUFFER_MAX_LENGTH`, 512 MiB). If the initial capacity cannot be had,
   * the buffer starts empty (capacity 0) and grows when written to.
   */
  constructor(initialCapacity: usize = 64, maxLength: usize = BYTE_BUFFER_MAX_LENGTH) {
    const limit = min(maxLength, BYTE_BUFFER_MAX_LENGTH);
    const capacity = min(initialCapacity, limit);
    this.maxLength = limit;
    this.storage = new ArrayBuffer(memoryAvailable(capacity) ? <i32>capacity : 0);
  }

  /** Bytes written so far. */
  @inline get length(): usize {
    return this.used;
  }

  /** Bytes the buffer holds before it must grow. */
  @inline get capacity(): usize {
    return <usize>this.storage.byteLength;
  }

  /**
   * Address of the first byte. Valid until the next append (growth may move the storage); send or copy
   * the bytes before appending again.
   */
  @inline get dataStart(): usize {
    return changetype<usize>(this.storage);
  }

  /** True once an append was dropped (no memory, or past `maxLength`); `clear()` resets it. */
  @inline get failed(): bool {
    return this.broken;
  }

  /** True while no append has been dropped since the last `clear()`. */
  @inline get ok(): bool {
    return !this.broken;
  }

  /** Empties the buffer and resets `failed`, keeping its capacity. */
  clear(): void {
    this.used = 0;
    this.broken = false;
  }

  /** Shortens the buffer to `length` bytes (no effect if it is not shorter); `failed` is kept. */
  truncate(length: usize): void {
    if (length < this.used) this.used = length;
  }

  /** The byte at `index`, or -1 when `index >= length`. */
  byteAt(index: usize): i32 {
    return index < this.used ? <i32>load<u8>(changetype<usize>(this.storage) + index) : -1;
  }

  /**
   * Address of `bytes` writable bytes at the end, for code that writes in place: write at most `bytes`
   * there, then `advance` by what was written. Returns 0 when the buffer is failed or cannot grow to
   * `length + bytes` (it is failed then). The address is valid until the next append.
   */
  reserve(bytes: usize): usize {
    if (this.broken) return 0;
    if (bytes > this.capacity - this.used && !this.grow(bytes)) return 0;
    return changetype<usize>(this.storage) + this.used;
  }

  /** Adds `bytes` written at `reserve`'s address to the length (at most what was reserved). */
  @inline advance(bytes: usize): void {
    this.used += bytes;
  }

  /** Appends the byte `value`. */
  writeByte(value: u8): void {
    const at = this.reserve(1);
    if (!at) return;
    store<u8>(at, value);
    this.used += 1;
  }

  /** Appends the `len` bytes at `ptr` (they may be in this buffer's own storage: they are read first). */
  writeBytes(ptr: usize, len: usize): void {
    if (len == 0) return;
    const offset = ptr - changetype<usize>(this.storage); // a source inside the storage moves with it
    const inside = ptr >= changetype<usize>(this.storage) && offset < this.capacity;
    const at = this.reserve(len);
    if (!at) return;
    memory.copy(at, inside ? changetype<usize>(this.storage) + offset : ptr, len);
    this.used += len;
  }

  /** Appends the bytes of `bytes`. */
  writeUint8Array(bytes: Uint8Array): void {
    this.writeBytes(bytes.dataStart, <usize>bytes.byteLength);
  }

  /**
   * Appends `text` encoded as UTF-8. A lone surrogate becomes U+FFFD (3 bytes), as `TextEncoder` writes
   * it, so the buffer always holds valid UTF-8 for valid appends.
   */
  writeString(text: string): void {
    const units = <usize>text.length;
    if (units == 0) return;
    // A UTF-16 unit takes at most 3 bytes (a pair: 4 for 2 units); count exactly only when that would grow.
    let bound = units * 3;
    if (bound > this.capacity - this.used) bound = <usize>String.UTF8.byteLength(text);
    const at = this.reserve(bound);
    if (!at) return;
    this.used += encodeUtf8Into(changetype<usize>(text), units, at) - at;
  }

  /** Appends `value` in decimal (`0` to `18446744073709551615`), without allocating. */
  writeU64(value: u64): void {
    const digits = decimalDigits(value);
    const at = this.reserve(digits);
    if (!at) return;
    storeDigits(at + digits, value, digits);
    this.used += digits;
  }

  /** Appends `value` in decimal, with `-` when negative, without allocating. */
  writeI64(value: i64): void {
    if (value >= 0) {
      this.writeU64(<u64>value);
      return;
    }
    const magnitude = <u64>0 - <u64>value; // also right for i64.MIN_VALUE
    const digits = decimalDigits(magnitude);
    const at = this.reserve(digits + 1);
    if (!at) return;
    store<u8>(at, 0x2d); // -
    storeDigits(at + 1 + digits, magnitude, digits);
    this.used += digits + 1;
  }

  /** Appends `value` in decimal. */
  @inline writeU32(value: u32): void {
    this.writeU64(<u64>value);
  }

  /** Appends `value` in decimal, with `-` when negative. */
  @inline writeI32(value: i32): void {
    this.writeI64(<i64>value);
  }

  /**
   * Sends the buffer as one Data frame (`stream.sendDataOrFail`: a refused send fails the stream with
   * `errorCodeFor(status)`). A failed buffer is not sent: the stream is failed with ResourceExhausted and
   * `BYTE_BUFFER_FAILED`. Returns true when the frame was sent or queued. The buffer is left as it is.
   */
  sendOrFail(stream: StreamSender): bool {
    if (this.broken) {
      stream.error(StreamErrorCode.ResourceExhausted, BYTE_BUFFER_FAILED);
      return false;
    }
    return stream.sendDataOrFail(changetype<usize>(this.storage), this.used);
  }

  /** A copy of the bytes written, as a new Uint8Array. */
  toUint8Array(): Uint8Array {
    const copy = new Uint8Array(<i32>this.used);
    memory.copy(copy.dataStart, changetype<usize>(this.storage), this.used);
    return copy;
  }

  /** Grows the storage for `extra` more bytes (doubling when it can), or fails the buffer. */
  private grow(extra: usize): bool {
    const capacity = this.capacity;
    if (extra > this.maxLength - this.used) {
      this.broken = true;
      return false;
    }
    const needed = this.used + extra;
    let target = max(min(max(capacity << 1, 64), this.maxLength), needed);
    if (!memoryAvailable(target)) {
      target = needed; // doubling cannot be had: try exactly what is needed
      if (!memoryAvailable(target)) {
        this.broken = true;
        return false;
      }
    }
    this.storage = changetype<ArrayBuffer>(__renew(changetype<usize>(this.storage), target));
    return true;
  }
}
