// A memory limit for a module in V8, as wasmtime's `StoreLimits` sets one in the runtime: the module's own
// memory gets a declared maximum (its memory section's limits are rewritten), which V8 enforces by failing
// `memory.grow` (-1) past it. The SDK answers a failed grow by failing the running stream with
// ResourceExhausted, as it does under wasmtime's cap.

/** The size of a WebAssembly page. */
export const WASM_PAGE = 65536;

function readU32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) throw new RangeError("LEB128 integer runs past the end");
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: at };
  }
  throw new RangeError("LEB128 integer too long");
}

function u32Leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

/** Thrown by `limitMemory` when a module cannot be given the limit (it needs more at start, or its memory is imported). */
export class MemoryLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MemoryLimitError";
  }
}

/**
 * The module's binary with its memory's maximum set to `limit` bytes (rounded down to whole 64 KiB pages; a
 * lower maximum the module declares itself is kept). The binary must be valid (compile it first). Throws
 * `MemoryLimitError` when the module's initial memory is already larger than the limit, or when it defines
 * no memory of its own (an imported or 64-bit or shared memory is not rewritten).
 */
export function limitMemory(bytes: Uint8Array, limit: number): Uint8Array {
  if (!Number.isFinite(limit) || limit < 0)
    throw new RangeError(`memoryLimit must be a byte count, not ${limit}`);
  const maxPages = Math.min(Math.floor(limit / WASM_PAGE), 65536);
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const size = readU32(bytes, at + 1);
    const end = size.next + size.value;
    if (id === 5) {
      const count = readU32(bytes, size.next);
      if (count.value !== 1) break;
      const flags = bytes[count.next];
      if (flags !== 0 && flags !== 1) break; // shared or 64-bit: not rewritten
      const min = readU32(bytes, count.next + 1);
      const declared = flags === 1 ? readU32(bytes, min.next) : null;
      if (min.value > maxPages) {
        throw new MemoryLimitError(
          `memoryLimit ${limit} bytes (${maxPages} pages) is below the module's initial memory of ${min.value} pages (${min.value * WASM_PAGE} bytes)`,
        );
      }
      const max = declared === null ? maxPages : Math.min(declared.value, maxPages);
      const body = [...u32Leb(1), 1, ...u32Leb(min.value), ...u32Leb(max)];
      const section = [5, ...u32Leb(body.length), ...body];
      const out = new Uint8Array(bytes.length - (end - at) + section.length);
      out.set(bytes.subarray(0, at), 0);
      out.set(section, at);
      out.set(bytes.subarray(end), at + section.length);
      return out;
    }
    at = end;
  }
  throw new MemoryLimitError(
    "memoryLimit needs a module that defines one 32-bit memory of its own (asc's output does); this one imports its memory or has none",
  );
}
