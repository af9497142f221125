// A memory limit for a module in V8, as wasmtime's `StoreLimits` sets one in the runtime: the module's own
// memory gets a declared maximum (its memory section's limits are rewritten), which V8 enforces by failing
// `memory.grow` (-1) past it. The SDK answers a failed grow by failing the running stream with
// ResourceExhausted, as it does under wasmtime's cap.

import { readU32, u32Leb } from "./leb128.js";

/** The size of a WebAssembly page. */
export const WASM_PAGE = 65536;

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
