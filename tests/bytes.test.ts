// assembly/sending/bytes.ts (ByteBuffer) through tests/fixtures/bytes_probe.ts: every append kind against
// JavaScript (TextEncoder for text, String(n) for integers), growth, the maximum length, failure under a
// memory cap (V8 enforces --maximumMemory as wasmtime enforces Store.set_limits) and reuse after clear().
import fc from "fast-check";
import "./property-seed.js";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { benchOut, compileAs, root } from "../bench/harness.js";
import { IxtHost, StreamErrorCode, streamIdOf } from "../host-shim/index.js";
import { fixture } from "./helpers.js";

interface BytesProbe {
  memory: WebAssembly.Memory;
  bytes_probe_alloc(len: number): number;
  bytes_probe_free(ptr: number): void;
  bytes_new(initialCapacity: number, maxLength: number): void;
  bytes_write_byte(value: number): void;
  bytes_write_bytes(ptr: number, len: number): void;
  bytes_write_self(offset: number, len: number): void;
  bytes_write_string(unitsPtr: number, units: number): void;
  bytes_write_u32(value: number): void;
  bytes_write_i32(value: number): void;
  bytes_write_u64(value: bigint): void;
  bytes_write_i64(value: bigint): void;
  bytes_clear(): void;
  bytes_truncate(length: number): void;
  bytes_ptr(): number;
  bytes_len(): number;
  bytes_capacity(): number;
  bytes_failed(): number;
  bytes_byte_at(index: number): number;
  bytes_collect(): void;
  bytes_write_uint8array(ptr: number, len: number): void;
  bytes_to_uint8array(): number;
  bytes_copy_len(): number;
  bytes_reserve(bytes: number): number;
  bytes_advance(bytes: number): void;
  bytes_ok(): number;
  bytes_max_length(): number;
}

const encoder = new TextEncoder();
const MAX = 1 << 29; // BYTE_BUFFER_MAX_LENGTH

let host: IxtHost;
let p: BytesProbe;
const load = async (path = fixture("bytes_probe")) => {
  host = await IxtHost.load(path);
  p = host.instance.exports as unknown as BytesProbe;
};

/** The buffer's bytes, copied out. */
const contents = () =>
  new Uint8Array(p.memory.buffer.slice(p.bytes_ptr() >>> 0, (p.bytes_ptr() >>> 0) + p.bytes_len()));
const text = () => new TextDecoder("utf-8", { fatal: true }).decode(contents());

function writeBytes(bytes: Uint8Array): void {
  const ptr = p.bytes_probe_alloc(bytes.length) >>> 0;
  if (ptr === 0) throw new Error("the test's own buffer cannot be had");
  new Uint8Array(p.memory.buffer, ptr, bytes.length).set(bytes);
  p.bytes_write_bytes(ptr, bytes.length);
  p.bytes_probe_free(ptr);
}

/** `writeUint8Array` with a guest Uint8Array holding `bytes`. */
function writeUint8Array(bytes: Uint8Array): void {
  const ptr = p.bytes_probe_alloc(bytes.length) >>> 0;
  new Uint8Array(p.memory.buffer, ptr, bytes.length).set(bytes);
  p.bytes_write_uint8array(ptr, bytes.length);
  p.bytes_probe_free(ptr);
}

/** `toUint8Array()`, copied out of the guest. */
function toUint8Array(): Uint8Array {
  const ptr = p.bytes_to_uint8array() >>> 0;
  return new Uint8Array(p.memory.buffer.slice(ptr, ptr + p.bytes_copy_len()));
}

/** Every power of ten that fits a u64, each with its neighbours (10^k - 1 and 10^k + 1), and the limits. */
const DECIMAL_BOUNDARIES: bigint[] = (() => {
  const out = new Set<bigint>([
    0n,
    1n,
    2n,
    (1n << 32n) - 1n,
    1n << 32n,
    (1n << 63n) - 1n,
    1n << 63n,
    (1n << 64n) - 1n,
  ]);
  for (let k = 1n; k <= 19n; k++) for (const d of [-1n, 0n, 1n]) out.add(10n ** k + d);
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
})();
/** A u64 that is a boundary half the time, any value otherwise. */
const u64Values = fc.oneof(
  fc.constantFrom(...DECIMAL_BOUNDARIES),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
/** An i64 that is a boundary (or its negation) half the time, any value otherwise. */
const i64Values = fc.oneof(
  fc.constantFrom(
    ...DECIMAL_BOUNDARIES.flatMap((v) => [v, -v]).filter((v) => v >= -(1n << 63n) && v < 1n << 63n),
  ),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
);

function writeString(s: string): void {
  const ptr = p.bytes_probe_alloc(s.length * 2) >>> 0;
  const units = new Uint16Array(p.memory.buffer, ptr, s.length);
  for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
  p.bytes_write_string(ptr, s.length);
  p.bytes_probe_free(ptr);
}

describe("ByteBuffer appends", () => {
  beforeAll(() => load());
  beforeEach(() => p.bytes_new(64, MAX));

  it("bytes, single bytes and its own bytes, in order", () => {
    writeBytes(new Uint8Array([1, 2, 3]));
    p.bytes_write_byte(255);
    writeBytes(new Uint8Array(0));
    p.bytes_write_self(1, 3); // 2 3 255, read from the storage it is growing
    expect([...contents()]).toEqual([1, 2, 3, 255, 2, 3, 255]);
    expect(p.bytes_byte_at(3)).toBe(255);
    expect(p.bytes_byte_at(7)).toBe(-1);
    expect(p.bytes_failed()).toBe(0);
  });

  it("its own bytes while it grows (the source moves with the storage)", () => {
    p.bytes_new(8, MAX);
    writeBytes(new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]));
    for (let i = 0; i < 6; i++) p.bytes_write_self(0, p.bytes_len()); // doubles past every capacity
    const expected = Array.from({ length: 8 * 64 }, (_, i) => [9, 8, 7, 6, 5, 4, 3, 2][i % 8]);
    expect([...contents()]).toEqual(expected);
  });

  it("UTF-8 text as TextEncoder writes it, lone surrogates as U+FFFD", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 40 }), { maxLength: 6 }), (parts) => {
        p.bytes_clear();
        for (const part of parts) writeString(part);
        expect([...contents()]).toEqual([...encoder.encode(parts.join(""))]);
      }),
      { numRuns: 200 },
    );
    p.bytes_clear();
    writeString("a\ud800b\udc00\ud83d\ude00\ud83d");
    expect(text()).toBe("a\ufffdb\ufffd😀\ufffd");
  });

  it("integers of every width in decimal, as String(n)", () => {
    const u32s = [0, 1, 9, 10, 99, 100, 4294967295, 1000000];
    const i32s = [0, -1, 2147483647, -2147483648, -10];
    const u64s = [0n, 18446744073709551615n, 10000000000000000000n, 9999999999999999999n, 12345678901234n];
    const i64s = [-9223372036854775808n, 9223372036854775807n, -1n, -10n];
    const expected: string[] = [];
    for (const v of u32s) (p.bytes_write_u32(v), expected.push(String(v)));
    for (const v of i32s) (p.bytes_write_i32(v), expected.push(String(v)));
    for (const v of u64s) (p.bytes_write_u64(BigInt.asIntN(64, v)), expected.push(String(v)));
    for (const v of i64s) (p.bytes_write_i64(v), expected.push(String(v)));
    expect(text()).toBe(expected.join(""));
    fc.assert(
      fc.property(i64Values, u64Values, (i, u) => {
        p.bytes_clear();
        p.bytes_write_i64(i);
        p.bytes_write_byte(0x20);
        p.bytes_write_u64(BigInt.asIntN(64, u));
        expect(text()).toBe(`${i} ${u}`);
      }),
      { numRuns: 1000 },
    );
  });

  it("every power of ten and its neighbours, at every width (the digit count changes there)", () => {
    const expected: string[] = [];
    for (const v of DECIMAL_BOUNDARIES) {
      p.bytes_write_u64(BigInt.asIntN(64, v));
      expected.push(String(v));
      if (v < 1n << 63n) {
        p.bytes_write_i64(v);
        p.bytes_write_i64(-v);
        expected.push(String(v), String(-v));
      }
      if (v < 1n << 32n) {
        p.bytes_write_u32(Number(v) | 0);
        expected.push(String(v));
      }
      if (v <= 1n << 31n) {
        p.bytes_write_i32(Number(-v) | 0);
        expected.push(String(-v));
        if (v < 1n << 31n) {
          p.bytes_write_i32(Number(v));
          expected.push(String(v));
        }
      }
      p.bytes_write_byte(0x2c);
      expected.push(",");
    }
    expect(text()).toBe(expected.join(""));
  });

  it("writeUint8Array appends the array's bytes; toUint8Array copies what was written", () => {
    writeUint8Array(Uint8Array.of(0, 0x80, 0xff));
    writeUint8Array(new Uint8Array(0));
    p.bytes_write_byte(7);
    writeUint8Array(Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)); // grows past 64
    const expected = [0, 0x80, 0xff, 7, ...Array.from({ length: 300 }, (_, i) => i & 0xff)];
    expect([...contents()]).toEqual(expected);
    const copy = toUint8Array();
    expect([...copy]).toEqual(expected);
    p.bytes_truncate(2);
    expect([...toUint8Array()]).toEqual([0, 0x80]); // a copy of the length, not the capacity
    expect([...copy]).toEqual(expected); // the earlier copy is its own
    p.bytes_clear();
    expect(toUint8Array().length).toBe(0);
  });

  it("reserve gives room to write in place, advance counts what was written; ok and maxLength", () => {
    p.bytes_new(4, 100);
    expect(p.bytes_max_length()).toBe(100);
    writeString("ab");
    const at = p.bytes_reserve(50) >>> 0; // grows: the address is in the new storage, after "ab"
    expect(at).toBe((p.bytes_ptr() >>> 0) + 2);
    expect(p.bytes_capacity()).toBeGreaterThanOrEqual(52);
    new Uint8Array(p.memory.buffer, at, 3).set([0x63, 0x64, 0x65]);
    p.bytes_advance(3);
    expect(text()).toBe("abcde");
    expect(p.bytes_ok()).toBe(1);
    expect(p.bytes_reserve(96)).toBe(0); // 5 + 96 > 100: the buffer fails
    expect(p.bytes_ok()).toBe(0);
    expect(p.bytes_failed()).toBe(1);
    expect(p.bytes_reserve(1)).toBe(0); // and stays failed
    expect(text()).toBe("abcde");
    p.bytes_clear();
    expect(p.bytes_reserve(100) >>> 0).toBe(p.bytes_ptr() >>> 0); // exactly maxLength
    p.bytes_new(0, MAX * 4); // maxLength is capped at BYTE_BUFFER_MAX_LENGTH
    expect(p.bytes_max_length()).toBe(MAX);
  });

  it("truncate shortens, clear empties and keeps the capacity", () => {
    writeString("x".repeat(1000));
    const capacity = p.bytes_capacity();
    expect(capacity).toBeGreaterThanOrEqual(1000);
    p.bytes_truncate(10);
    p.bytes_truncate(20); // not shorter: nothing changes
    expect(text()).toBe("x".repeat(10));
    p.bytes_clear();
    expect(p.bytes_len()).toBe(0);
    expect(p.bytes_capacity()).toBe(capacity);
    writeString("again");
    expect(text()).toBe("again");
  });
});

describe("ByteBuffer growth and failure", () => {
  beforeAll(() => load());

  it("grows by doubling from a capacity of 0", () => {
    p.bytes_new(0, MAX);
    expect(p.bytes_capacity()).toBe(0);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      p.bytes_write_byte(i & 0xff);
      seen.add(p.bytes_capacity());
    }
    expect([...seen]).toEqual([64, 128, 256, 512, 1024, 2048, 4096, 8192]);
    expect([...contents()]).toEqual(Array.from({ length: 5000 }, (_, i) => i & 0xff));
  });

  it("an append past maxLength is dropped whole, and every later one, until clear()", () => {
    p.bytes_new(4, 10);
    writeString("12345678");
    writeString("abc"); // 11 > 10: dropped, not cut
    expect(p.bytes_failed()).toBe(1);
    p.bytes_write_byte(0x21);
    p.bytes_write_u32(7);
    expect(text()).toBe("12345678");
    p.bytes_clear();
    expect(p.bytes_failed()).toBe(0);
    writeString("0123456789"); // exactly maxLength
    expect(text()).toBe("0123456789");
    expect(p.bytes_failed()).toBe(0);
    p.bytes_write_i64(-1n);
    expect(p.bytes_failed()).toBe(1);
  });

  it("sendOrFail sends the bytes, or fails the stream with ResourceExhausted when the buffer failed", () => {
    const id = streamIdOf(1);
    expect(host.open(id)).toBe(0);
    expect(host.data(id, "0123456789abcdef")).toBe(0); // 16: the fixture's maximum
    expect(host.data(id, "0123456789abcdefg")).toBe(0); // 17: the buffer fails
    const [sent, failed] = host.sentOn(id);
    expect(sent).toMatchObject({ kind: "Data" });
    expect(new TextDecoder().decode((sent as { payload: Uint8Array }).payload)).toBe("0123456789abcdef");
    expect(failed).toMatchObject({
      kind: "Error",
      code: StreamErrorCode.ResourceExhausted,
      message: "the frame could not be built: out of memory or over its maximum length", // BYTE_BUFFER_FAILED
    });
  });
});

describe("ByteBuffer under a 4 MiB memory cap", () => {
  const capped = join(benchOut, "bytes", "bytes_probe_4mib.wasm");
  beforeAll(async () => {
    const config = ["--config", join(root, "asconfig.json"), "--target", "release"];
    await compileAs("tests/fixtures/bytes_probe.ts", capped, [...config, "--maximumMemory", "64"]);
    await load(capped);
  }, 60_000);

  it("fails instead of trapping when memory runs out, keeps what it had, and works again after clear()", () => {
    p.bytes_new(64, MAX);
    const chunk = new Uint8Array(64 << 10).fill(0x61);
    let appended = 0;
    for (let i = 0; i < 100 && !p.bytes_failed(); i++) {
      writeBytes(chunk);
      if (!p.bytes_failed()) appended++;
    }
    expect(p.bytes_failed()).toBe(1); // 6.4 MiB cannot fit under 4 MiB
    expect(appended).toBeGreaterThan(8); // but it got well past 512 KiB (exact growth once doubling fails)
    expect(p.bytes_len()).toBe(appended * chunk.length);
    expect(contents().every((b) => b === 0x61)).toBe(true);
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(4 << 20);
    p.bytes_clear(); // capacity kept: the same bytes fit again, without growing
    for (let i = 0; i < appended; i++) writeBytes(chunk);
    expect(p.bytes_failed()).toBe(0);
    for (let i = 0; i < 3 && !p.bytes_failed(); i++) writeBytes(chunk); // no more than before
    expect(p.bytes_failed()).toBe(1);
    expect(p.bytes_len() % chunk.length).toBe(0); // each append whole or not at all
  });

  it("a buffer that cannot have its initial capacity starts empty and fails on the first append", () => {
    p.bytes_new(8 << 20, MAX);
    expect(p.bytes_capacity()).toBe(0);
    p.bytes_write_byte(1);
    expect(p.bytes_len()).toBe(1); // one byte can be had
    for (let i = 0; i < 30 && !p.bytes_failed(); i++) p.bytes_write_self(0, p.bytes_len()); // doubles
    expect(p.bytes_failed()).toBe(1);
    expect(p.bytes_len()).toBeLessThan(4 << 20);
  });
});
