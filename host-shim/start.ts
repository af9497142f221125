// Moves a module's start function to an export. A start function runs inside `WebAssembly.instantiate`,
// before JavaScript can see the instance's exports, so an import it calls (the debug log) cannot read the
// module's memory; exported instead, it runs right after instantiation, before anything else.

import { readU32, u32Leb } from "./leb128.js";

/** Section ids that come after the export section (start, element, data count, code, data). */
const AFTER_EXPORTS = new Set([8, 9, 12, 10, 11]);

/**
 * The module's binary without its start section and with the start function exported as `name`, or null
 * when it has no start section. The binary must be valid (compile it first).
 */
export function deferStart(bytes: Uint8Array, name: string): Uint8Array | null {
  const sections: { id: number; start: number; body: number; end: number }[] = [];
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const size = readU32(bytes, at + 1);
    sections.push({ id, start: at, body: size.next, end: size.next + size.value });
    at = size.next + size.value;
  }
  const start = sections.find((s) => s.id === 8);
  if (!start) return null;
  const startFunction = readU32(bytes, start.body).value;

  const nameBytes = new TextEncoder().encode(name);
  const entry = [...u32Leb(nameBytes.length), ...nameBytes, 0x00, ...u32Leb(startFunction)];
  const exportSection = (count: number, entries: Uint8Array) => {
    const body = [...u32Leb(count), ...entries, ...entry];
    return Uint8Array.from([7, ...u32Leb(body.length), ...body]);
  };

  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let exported = false;
  for (const section of sections) {
    if (section.id === 8) continue;
    if (section.id === 7) {
      const count = readU32(bytes, section.body);
      parts.push(exportSection(count.value + 1, bytes.subarray(count.next, section.end)));
      exported = true;
      continue;
    }
    if (!exported && AFTER_EXPORTS.has(section.id)) {
      parts.push(exportSection(1, new Uint8Array(0)));
      exported = true;
    }
    parts.push(bytes.subarray(section.start, section.end));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
