// Strict decimal parsing (assembly/text/decimal.ts) through tests/fixtures/text_probe.ts, against a reference
// written here from the documented rules: digits only, no leading zero unless allowed, a signed variant
// with "-", the first of Empty, NotADigit, LeadingZero, OutOfRange reported, with its offset.
import fc from "fast-check";
import "./property-seed.js";
import { beforeAll, describe, expect, it } from "vitest";
import { IxtHost } from "../host-shim/index.js";
import { fixture } from "./helpers.js";

interface DecimalProbe {
  memory: WebAssembly.Memory;
  text_probe_alloc(len: number): number;
  text_probe_free(ptr: number): void;
  decimal_parse(ptr: number, len: number, max: bigint, allowLeadingZeros: number): number;
  decimal_parse_text(unitsPtr: number, units: number, max: bigint, allowLeadingZeros: number): number;
  decimal_value(): bigint;
  decimal_offset(): number;
  decimal_ok(): number;
  signed_parse(ptr: number, len: number, min: bigint, max: bigint, allowLeadingZeros: number): number;
  signed_parse_text(
    unitsPtr: number,
    units: number,
    min: bigint,
    max: bigint,
    allowLeadingZeros: number,
  ): number;
  signed_value(): bigint;
  signed_offset(): number;
  signed_ok(): number;
  decimal_parse_defaults(kind: number, ptr: number, len: number): number;
}

const NONE = 0;
const EMPTY = 1;
const NOT_A_DIGIT = 2;
const LEADING_ZERO = 3;
const OUT_OF_RANGE = 4;
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

let probe: DecimalProbe;
beforeAll(async () => {
  probe = (await IxtHost.load(fixture("text_probe"))).instance.exports as unknown as DecimalProbe;
});

interface Parsed {
  error: number;
  offset: number;
  value: bigint;
}

/** The input's units: bytes, or UTF-16 units. */
type Units = number[];

/** The documented rules on the magnitude's digits units[start..]: within `limit`. */
function refMagnitude(units: Units, start: number, limit: bigint, allowLeadingZeros: boolean): Parsed {
  if (start >= units.length) return { error: EMPTY, offset: start, value: 0n };
  const bad = units.findIndex((u, i) => i >= start && (u < 0x30 || u > 0x39));
  if (bad >= 0) return { error: NOT_A_DIGIT, offset: bad, value: 0n };
  if (!allowLeadingZeros && units.length - start > 1 && units[start] === 0x30)
    return { error: LEADING_ZERO, offset: start, value: 0n };
  let value = 0n;
  for (let i = start; i < units.length; i++) {
    value = value * 10n + BigInt(units[i] - 0x30);
    if (value > limit) return { error: OUT_OF_RANGE, offset: i, value: 0n };
  }
  return { error: NONE, offset: 0, value };
}

function refSigned(units: Units, min: bigint, max: bigint, allowLeadingZeros: boolean): Parsed {
  const negative = units[0] === 0x2d;
  const limit = negative ? (min < 0n ? -min : 0n) : max < 0n ? 0n : max;
  const m = refMagnitude(units, negative ? 1 : 0, limit, allowLeadingZeros);
  if (m.error) return m;
  const value = negative ? -m.value : m.value;
  if (value < min || value > max) return { error: OUT_OF_RANGE, offset: units.length - 1, value: 0n };
  return { error: NONE, offset: 0, value: value === 0n ? 0n : value };
}

function withUnits<T>(units: Units, wide: boolean, f: (ptr: number) => T): T {
  const size = units.length * (wide ? 2 : 1);
  const ptr = probe.text_probe_alloc(size) >>> 0;
  if (wide) new Uint16Array(probe.memory.buffer, ptr, units.length).set(units);
  else new Uint8Array(probe.memory.buffer, ptr, units.length).set(units);
  try {
    return f(ptr);
  } finally {
    probe.text_probe_free(ptr);
  }
}

function guestUnsigned(units: Units, wide: boolean, max: bigint, lz: boolean): Parsed {
  const error = withUnits(units, wide, (ptr) =>
    wide
      ? probe.decimal_parse_text(ptr, units.length, max, lz ? 1 : 0)
      : probe.decimal_parse(ptr, units.length, max, lz ? 1 : 0),
  );
  expect(probe.decimal_ok()).toBe(error === NONE ? 1 : 0); // `ok` is exactly "no error"
  return { error, offset: probe.decimal_offset(), value: BigInt.asUintN(64, probe.decimal_value()) };
}

function guestSigned(units: Units, wide: boolean, min: bigint, max: bigint, lz: boolean): Parsed {
  const error = withUnits(units, wide, (ptr) =>
    wide
      ? probe.signed_parse_text(ptr, units.length, min, max, lz ? 1 : 0)
      : probe.signed_parse(ptr, units.length, min, max, lz ? 1 : 0),
  );
  expect(probe.signed_ok()).toBe(error === NONE ? 1 : 0);
  return { error, offset: probe.signed_offset(), value: probe.signed_value() };
}

const ascii = (s: string): Units => [...s].map((c) => c.charCodeAt(0));

// Units that are digits, signs, spaces and near misses: "٣" (U+0663), "０" (U+FF10), and U+0130 and
// U+0139, whose low bytes are "0" and "9" (a parser that reads one byte of a UTF-16 unit takes them).
// Any byte (any UTF-16 unit) too, now and then.
const byteUnit = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0x30, max: 0x39 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x2d, 0x2b, 0x20, 0x2e, 0x65, 0x00, 0x2f, 0x3a, 0xb0, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) },
);
const wideUnit = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0x30, max: 0x39 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x2d, 0x2b, 0x20, 0x663, 0xff10, 0x130, 0x139, 0xd800, 0x3a) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);
/** Every power of ten up to 10^19, each with its neighbours, and the limits of u32, i64 and u64. */
const POWERS: bigint[] = (() => {
  const out = new Set<bigint>([0n, 1n, 2n, (1n << 32n) - 1n, 1n << 32n, I64_MAX, I64_MAX + 1n, U64_MAX]);
  for (let k = 1n; k <= 19n; k++) for (const d of [-1n, 0n, 1n]) out.add(10n ** k + d);
  return [...out];
})();
const bound = fc.oneof(
  fc.constantFrom(0n, 1n, 9n, 10n, 255n, 1_000_000n, U64_MAX, U64_MAX - 1n, I64_MAX),
  fc.constantFrom(...POWERS),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const signedBound = fc.oneof(
  fc.constantFrom(0n, -1n, 1n, I64_MIN, I64_MAX, -1000n, 1000n),
  fc.constantFrom(...POWERS.filter((v) => v <= I64_MAX).flatMap((v) => [v, -v])),
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
);
/** Digits of a power of ten or a neighbour (with "-" for the signed parsers), or units drawn one by one. */
const numberUnits = (unit: fc.Arbitrary<number>, signed: boolean) =>
  fc.oneof(
    fc.array(unit, { maxLength: 24 }),
    fc
      .tuple(fc.constantFrom(...POWERS), fc.boolean())
      .map(([v, negative]) => ascii((signed && negative ? "-" : "") + String(v))),
  );

describe("parseDecimal, parseDecimalText", () => {
  it("parses plain digits and says what is wrong with anything else, and where", () => {
    const cases: [string, number, number, bigint?][] = [
      ["0", NONE, 0, 0n],
      ["12", NONE, 0, 12n],
      ["18446744073709551615", NONE, 0, U64_MAX],
      ["18446744073709551616", OUT_OF_RANGE, 19],
      ["99999999999999999999999", OUT_OF_RANGE, 19],
      ["", EMPTY, 0],
      ["12x", NOT_A_DIGIT, 2], // I32.parseInt("12x") is 12
      [" 1", NOT_A_DIGIT, 0],
      ["1 ", NOT_A_DIGIT, 1],
      ["+1", NOT_A_DIGIT, 0],
      ["-1", NOT_A_DIGIT, 0],
      ["1e3", NOT_A_DIGIT, 1],
      ["1.0", NOT_A_DIGIT, 1],
      ["007", LEADING_ZERO, 0],
      ["00", LEADING_ZERO, 0],
      ["00x", NOT_A_DIGIT, 2], // not a number at all comes first
      ["99999999999999999999x", NOT_A_DIGIT, 20],
    ];
    for (const [text, error, offset, value] of cases) {
      for (const wide of [false, true]) {
        const got = guestUnsigned(ascii(text), wide, U64_MAX, false);
        expect({ text, wide, error: got.error, offset: got.offset }).toEqual({ text, wide, error, offset });
        if (value !== undefined) expect(got.value).toBe(value);
        else expect(got.value).toBe(0n); // a failed parse leaves 0, and `ok` false
      }
    }
    expect(guestUnsigned(ascii("007"), false, U64_MAX, true)).toEqual({ error: NONE, offset: 0, value: 7n });
    expect(guestUnsigned(ascii("1000001"), false, 1_000_000n, false)).toEqual({
      error: OUT_OF_RANGE,
      offset: 6,
      value: 0n,
    });
    expect(guestUnsigned([0x130], true, U64_MAX, false).error).toBe(NOT_A_DIGIT); // İ is not "0"
  });

  it("every power of ten and its neighbours, against every bound next to it", () => {
    const failures: string[] = [];
    for (const v of POWERS)
      for (const max of [v - 1n, v, v + 1n, U64_MAX])
        for (const wide of [false, true]) {
          if (max < 0n || max > U64_MAX) continue;
          const units = ascii(String(v));
          const got = guestUnsigned(units, wide, max, false);
          const want = refMagnitude(units, 0, max, false);
          if (
            JSON.stringify(got, (_, x) => (typeof x === "bigint" ? String(x) : x)) !==
            JSON.stringify(want, (_, x) => (typeof x === "bigint" ? String(x) : x))
          )
            failures.push(`${v} max ${max}${wide ? " (text)" : ""}`);
        }
    expect(failures).toEqual([]);
  });

  for (const wide of [false, true]) {
    it(`matches the rules on random ${wide ? "strings" : "bytes"} and bounds`, () => {
      fc.assert(
        fc.property(numberUnits(wide ? wideUnit : byteUnit, false), bound, fc.boolean(), (units, max, lz) => {
          expect(guestUnsigned(units, wide, max, lz)).toEqual(refMagnitude(units, 0, max, lz));
        }),
        { numRuns: 3000 },
      );
    });
  }
});

describe("the parsers' defaults: all of u64 or i64, leading zeros refused", () => {
  const kinds = ["parseDecimal", "parseDecimalText", "parseSignedDecimal", "parseSignedDecimalText"];
  const texts = {
    unsigned: ["007", "0", String(U64_MAX), String(U64_MAX + 1n)],
    signed: ["-007", "007", String(I64_MIN), String(I64_MAX), String(I64_MIN - 1n), String(I64_MAX + 1n)],
  };
  kinds.forEach((name, kind) => {
    it(`${name} with no bound and no flag given, as the reference with the documented defaults`, () => {
      const signed = kind >= 2;
      for (const text of signed ? texts.signed : texts.unsigned) {
        const units = ascii(text);
        const error = withUnits(units, kind % 2 === 1, (ptr) =>
          probe.decimal_parse_defaults(kind, ptr, units.length),
        );
        const got: Parsed = signed
          ? { error, offset: probe.signed_offset(), value: probe.signed_value() }
          : { error, offset: probe.decimal_offset(), value: BigInt.asUintN(64, probe.decimal_value()) };
        const want = signed
          ? refSigned(units, I64_MIN, I64_MAX, false)
          : refMagnitude(units, 0, U64_MAX, false);
        expect(got, `${name}("${text}")`).toEqual(want);
      }
    });
  });
});

describe("parseSignedDecimal, parseSignedDecimalText", () => {
  it("takes an optional minus, down to i64's minimum", () => {
    const cases: [string, number, number, bigint][] = [
      ["-0", NONE, 0, 0n],
      ["-9223372036854775808", NONE, 0, I64_MIN],
      ["9223372036854775807", NONE, 0, I64_MAX],
      ["-9223372036854775809", OUT_OF_RANGE, 19, 0n],
      ["9223372036854775808", OUT_OF_RANGE, 18, 0n],
      ["-", EMPTY, 1, 0n],
      ["--1", NOT_A_DIGIT, 1, 0n],
      ["+1", NOT_A_DIGIT, 0, 0n],
      ["-007", LEADING_ZERO, 1, 0n],
    ];
    for (const [text, error, offset, value] of cases)
      for (const wide of [false, true])
        expect(guestSigned(ascii(text), wide, I64_MIN, I64_MAX, false)).toEqual({ error, offset, value });
    expect(guestSigned(ascii("5"), false, 10n, 20n, false)).toEqual({
      error: OUT_OF_RANGE,
      offset: 0,
      value: 0n,
    });
    expect(guestSigned(ascii("-3"), false, -2n, 5n, false)).toEqual({
      error: OUT_OF_RANGE,
      offset: 1,
      value: 0n,
    });
  });

  it("every power of ten and its neighbours, either sign, against every range edge next to it", () => {
    const failures: string[] = [];
    const show = (p: Parsed) => `${p.error}@${p.offset}=${p.value}`;
    for (const magnitude of POWERS)
      for (const v of [magnitude, -magnitude]) {
        if (v < I64_MIN - 1n || v > I64_MAX + 1n) continue;
        const edges = [v - 1n, v, v + 1n, I64_MIN, I64_MAX].filter((e) => e >= I64_MIN && e <= I64_MAX);
        for (const edge of edges)
          for (const [min, max] of [
            [edge, I64_MAX],
            [I64_MIN, edge],
          ])
            for (const wide of [false, true]) {
              const units = ascii(String(v));
              const got = guestSigned(units, wide, min, max, false);
              const want = refSigned(units, min, max, false);
              if (show(got) !== show(want))
                failures.push(`${v} in [${min}, ${max}]: ${show(got)} not ${show(want)}`);
            }
      }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  for (const wide of [false, true]) {
    it(`matches the rules on random ${wide ? "strings" : "bytes"} and ranges`, () => {
      fc.assert(
        fc.property(
          numberUnits(wide ? wideUnit : byteUnit, true),
          signedBound,
          signedBound,
          fc.boolean(),
          (units, a, b, lz) => {
            const [min, max] = a <= b ? [a, b] : [b, a];
            expect(guestSigned(units, wide, min, max, lz)).toEqual(refSigned(units, min, max, lz));
          },
        ),
        { numRuns: 3000 },
      );
    });
  }
});
