// LEB128 in a module's bytes: the unsigned integers of the binary format's section headers and limits,
// for the rewrites the host shim makes before it instantiates a module (start.ts, memory-limit.ts).

/** The unsigned LEB128 integer at `at` in `bytes`, and where the next field starts. */
export function readU32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) throw new RangeError("LEB128 integer runs past the end");
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: at };
  }
  throw new RangeError("LEB128 integer too long");
}

/** `value` as unsigned LEB128 bytes. */
export function u32Leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}
