// Strict decimal numbers: plain ASCII digits, from raw bytes (a frame's payload, in place) or a string.
// `I32.parseInt("12x")` is 12 and `parseInt("")` is NaN: these say exactly what was wrong, and where.

/**
 * What was wrong with a decimal number; `None` when it parsed. When several things are, the first of
 * `Empty`, `NotADigit`, `LeadingZero`, `OutOfRange` is reported.
 */
export enum DecimalError {
  /** It parsed: `value` is the number. */
  None = 0,
  /** No digits at all (empty input, or a sign alone). */
  Empty = 1,
  /** A byte (or UTF-16 unit) that is not an ASCII digit, at `offset`: a space, "+", ".", "e", "٣"… */
  NotADigit = 2,
  /** A "0" followed by more digits ("007"), unless leading zeros are allowed. `offset` is 0 (after a sign: 1). */
  LeadingZero = 3,
  /**
   * Outside the range asked for: the digit at `offset` made the number too large in magnitude (for a
   * number too small for a positive `min`, or too large for a negative `max`: its last digit).
   */
  OutOfRange = 4,
}

/**
 * An unsigned decimal number, or why the input is not one. Read `ok` (or `error`) before `value`: a
 * failed parse leaves `value` 0, which is also a number.
 *
 * ```ts
 * const n = parseDecimal(frame.payloadPtr, frame.payloadLen, 1_000_000);
 * if (!n.ok) return OpenDecision.reject(StreamErrorCode.InvalidArgument); // n.error, n.offset say why
 * this.count = <u32>n.value;
 * ```
 */
@final
export class Decimal {
  /** The number when `ok`; 0 otherwise. */
  value: u64 = 0;
  /** `DecimalError.None` when it parsed; otherwise what was wrong. */
  error: DecimalError = DecimalError.None;
  /** Where it went wrong: a byte offset (a UTF-16 index for a string); 0 when `ok`. */
  offset: i32 = 0;

  /** True when the input was a number within the range asked for. */
  get ok(): bool {
    return this.error == DecimalError.None;
  }
}

/**
 * A signed decimal number (an optional "-", then digits), or why the input is not one. As `Decimal`:
 * read `ok` before `value`.
 */
@final
export class SignedDecimal {
  /** The number when `ok`; 0 otherwise. */
  value: i64 = 0;
  /** `DecimalError.None` when it parsed; otherwise what was wrong. */
  error: DecimalError = DecimalError.None;
  /** Where it went wrong: a byte offset (a UTF-16 index for a string); 0 when `ok`. */
  offset: i32 = 0;

  /** True when the input was a number within the range asked for. */
  get ok(): bool {
    return this.error == DecimalError.None;
  }
}

// Why the last `magnitude` failed, and where (module state: a parse allocates only its result).
let failure: DecimalError = DecimalError.None;
let failureOffset: i32 = 0;

// The input's unit `i`: a byte (`wide` false) or a UTF-16 unit.
// @ts-ignore: decorator
@inline
function unitAt(base: usize, wide: bool, i: i32): u32 {
  return wide ? <u32>load<u16>(base + ((<usize>i) << 1)) : <u32>load<u8>(base + <usize>i);
}

// The digits from unit `start` to `count` as a magnitude of at most `max`; on failure sets `failure`
// and `failureOffset` and returns 0.
function magnitude(base: usize, wide: bool, start: i32, count: i32, max: u64, allowLeadingZeros: bool): u64 {
  failure = DecimalError.None;
  failureOffset = 0;
  if (start >= count) {
    failure = DecimalError.Empty;
    failureOffset = start;
    return 0;
  }
  let value: u64 = 0;
  let tooLargeAt = -1;
  for (let i = start; i < count; i++) {
    const digit = <u64>(unitAt(base, wide, i) - 0x30);
    if (digit > 9) {
      // A non-digit anywhere is reported first, even after too many digits: it is not a number at all.
      failure = DecimalError.NotADigit;
      failureOffset = i;
      return 0;
    }
    if (tooLargeAt >= 0) continue;
    // value * 10 + digit > max, without overflowing.
    if (digit > max || value > (max - digit) / 10) tooLargeAt = i;
    else value = value * 10 + digit;
  }
  if (!allowLeadingZeros && count - start > 1 && unitAt(base, wide, start) == 0x30) {
    failure = DecimalError.LeadingZero;
    failureOffset = start;
    return 0;
  }
  if (tooLargeAt >= 0) {
    failure = DecimalError.OutOfRange;
    failureOffset = tooLargeAt;
    return 0;
  }
  return value;
}

function parseUnsigned(base: usize, wide: bool, count: i32, max: u64, allowLeadingZeros: bool): Decimal {
  const result = new Decimal();
  const value = magnitude(base, wide, 0, count, max, allowLeadingZeros);
  result.error = failure;
  result.offset = failureOffset;
  if (failure == DecimalError.None) result.value = value;
  return result;
}

function parseSigned(
  base: usize,
  wide: bool,
  count: i32,
  min: i64,
  max: i64,
  allowLeadingZeros: bool,
): SignedDecimal {
  const result = new SignedDecimal();
  const negative = count > 0 && unitAt(base, wide, 0) == 0x2d; // "-"
  // The largest magnitude allowed on that side (|i64.MIN_VALUE| is 2^63, which fits a u64).
  const limit: u64 = negative ? (min < 0 ? <u64>-(min + 1) + 1 : 0) : max < 0 ? 0 : <u64>max;
  const value = magnitude(base, wide, negative ? 1 : 0, count, limit, allowLeadingZeros);
  result.error = failure;
  result.offset = failureOffset;
  if (failure != DecimalError.None) return result;
  const signed = negative ? <i64>(0 - value) : <i64>value;
  if (signed < min || signed > max) {
    // Within its side's limit but outside the range: below a positive `min`, above a negative `max`.
    result.error = DecimalError.OutOfRange;
    result.offset = count - 1;
    return result;
  }
  result.value = signed;
  return result;
}

/**
 * Parses the `len` bytes at `ptr` (read in place, nothing copied) as an unsigned decimal number of at
 * most `max` (default `u64.MAX_VALUE`): one or more ASCII digits "0"-"9" and nothing else: no sign,
 * no spaces, no "+", no "_", no fraction or exponent. A leading zero is refused ("0" alone is fine,
 * "007" is `LeadingZero`) unless `allowLeadingZeros`. Never traps; the result says what was wrong:
 * `Empty`, `NotADigit` (and where), `LeadingZero` or `OutOfRange` (a larger number than `max`, however
 * many digits).
 */
export function parseDecimal(
  ptr: usize,
  len: usize,
  max: u64 = u64.MAX_VALUE,
  allowLeadingZeros: bool = false,
): Decimal {
  return parseUnsigned(
    ptr,
    false,
    len > <usize>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>len,
    max,
    allowLeadingZeros,
  );
}

/** `parseDecimal` over a string: the same rules, offsets are UTF-16 indexes. */
export function parseDecimalText(
  text: string,
  max: u64 = u64.MAX_VALUE,
  allowLeadingZeros: bool = false,
): Decimal {
  return parseUnsigned(changetype<usize>(text), true, text.length, max, allowLeadingZeros);
}

/**
 * Parses the `len` bytes at `ptr` as a signed decimal number from `min` to `max` (default: all of
 * `i64`): an optional "-" then digits, by `parseDecimal`'s rules ("+" is `NotADigit`; "-" alone is
 * `Empty`; "-0" is 0; "-007" is `LeadingZero` at offset 1).
 */
export function parseSignedDecimal(
  ptr: usize,
  len: usize,
  min: i64 = i64.MIN_VALUE,
  max: i64 = i64.MAX_VALUE,
  allowLeadingZeros: bool = false,
): SignedDecimal {
  const count = len > <usize>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>len;
  return parseSigned(ptr, false, count, min, max, allowLeadingZeros);
}

/** `parseSignedDecimal` over a string: the same rules, offsets are UTF-16 indexes. */
export function parseSignedDecimalText(
  text: string,
  min: i64 = i64.MIN_VALUE,
  max: i64 = i64.MAX_VALUE,
  allowLeadingZeros: bool = false,
): SignedDecimal {
  return parseSigned(changetype<usize>(text), true, text.length, min, max, allowLeadingZeros);
}
