// Reads what `ixt-as check` needs from a wasm binary: the function types of its imports and exports, which
// `WebAssembly.Module.imports/exports` do not give, and the type and constant value of an exported global
// (`ixt_abi_revision`). Only the type, import, function, global and export sections are read; the module is
// validated by the engine (`WebAssembly.compile`) before this runs.

/** A function type as text, e.g. `(i32, i32) -> i32`. */
export interface FuncType {
  params: string[];
  results: string[];
}

export type ExternKind = "function" | "table" | "memory" | "global" | "tag";

export interface ImportEntry {
  module: string;
  name: string;
  kind: ExternKind;
  /** For functions (and tags): the type. */
  type?: FuncType;
  /** For globals, tables and memories: a short description, e.g. `mut i32`. */
  detail?: string;
}

export interface ExportEntry {
  name: string;
  kind: ExternKind;
  type?: FuncType;
  detail?: string;
  /** For a defined global whose initializer is a single `i32.const`: that number. */
  value?: number;
}

export interface WasmInfo {
  imports: ImportEntry[];
  exports: ExportEntry[];
}

const KINDS: ExternKind[] = ["function", "table", "memory", "global", "tag"];

const VALTYPES: Record<number, string> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};

/** Formats a function type: `(i32, i32) -> i32`, `(i32) -> ()`. */
export function formatType(type: FuncType): string {
  const results = type.results.length === 1 ? type.results[0] : `(${type.results.join(", ")})`;
  return `(${type.params.join(", ")}) -> ${results}`;
}

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly end = bytes.length,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw new RangeError("unexpected end of section");
    return this.bytes[this.pos++];
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new RangeError("LEB128 integer too long");
  }

  /** A signed LEB128 `i32`. */
  s32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      if (shift >= 35) throw new RangeError("LEB128 integer too long");
      b = this.byte();
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return shift < 32 && b & 0x40 ? result | (-1 << shift) : result;
  }

  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new RangeError("name runs past the end of its section");
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return text;
  }

  valtype(): string {
    const code = this.byte();
    const name = VALTYPES[code];
    if (!name) throw new RangeError(`unsupported value type 0x${code.toString(16)}`);
    return name;
  }

  limits(): string {
    const flags = this.byte();
    const min = this.u32();
    const max = flags & 1 ? this.u32() : undefined;
    return `min ${min}${max === undefined ? "" : `, max ${max}`}${flags & 2 ? ", shared" : ""}`;
  }
}

/** Parses a wasm binary's imports and exports with their types. Throws a RangeError on a malformed binary. */
export function readWasmInfo(bytes: Uint8Array): WasmInfo {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new RangeError("not a WebAssembly binary (no \\0asm header)");
  }
  const types: FuncType[] = [];
  const funcTypes: number[] = []; // the function index space: imported functions first
  const imports: ImportEntry[] = [];
  const rawExports: { name: string; kind: number; index: number }[] = [];
  const descriptions: Record<string, string[]> = { table: [], memory: [], global: [] };
  const globalValues: (number | undefined)[] = []; // the global index space: imported globals first

  const top = new Reader(bytes);
  top.pos = 8;
  while (top.pos < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    const r = new Reader(bytes, top.pos + size);
    r.pos = top.pos;
    top.pos += size;
    if (r.end > bytes.length) throw new RangeError(`section ${id} runs past the end of the file`);
    switch (id) {
      case 1: // type
        for (let n = r.u32(); n > 0; n--) {
          const form = r.byte();
          if (form !== 0x60) throw new RangeError(`unsupported type form 0x${form.toString(16)}`);
          const params = Array.from({ length: r.u32() }, () => r.valtype());
          const results = Array.from({ length: r.u32() }, () => r.valtype());
          types.push({ params, results });
        }
        break;
      case 2: // import
        for (let n = r.u32(); n > 0; n--) {
          const module = r.name();
          const name = r.name();
          const kind = r.byte();
          const entry: ImportEntry = { module, name, kind: KINDS[kind] ?? "function" };
          if (kind === 0) {
            const index = r.u32();
            funcTypes.push(index);
            entry.type = types[index];
          } else if (kind === 1) {
            const ref = r.valtype();
            entry.detail = `${ref}, ${r.limits()}`;
            descriptions.table.push(entry.detail);
          } else if (kind === 2) {
            entry.detail = r.limits();
            descriptions.memory.push(entry.detail);
          } else if (kind === 3) {
            const type = r.valtype();
            entry.detail = `${r.byte() ? "mut " : ""}${type}`;
            descriptions.global.push(entry.detail);
            globalValues.push(undefined);
          } else if (kind === 4) {
            r.byte(); // attribute
            entry.type = types[r.u32()];
          } else {
            throw new RangeError(`unknown import kind ${kind}`);
          }
          imports.push(entry);
        }
        break;
      case 3: // function
        for (let n = r.u32(); n > 0; n--) funcTypes.push(r.u32());
        break;
      case 4: // table
        for (let n = r.u32(); n > 0; n--) {
          const ref = r.valtype();
          descriptions.table.push(`${ref}, ${r.limits()}`);
        }
        break;
      case 5: // memory
        for (let n = r.u32(); n > 0; n--) descriptions.memory.push(r.limits());
        break;
      case 6: // global
        readGlobals(r, descriptions.global, globalValues);
        break;
      case 7: // export
        for (let n = r.u32(); n > 0; n--) {
          const name = r.name();
          const kind = r.byte();
          rawExports.push({ name, kind, index: r.u32() });
        }
        break;
    }
  }

  const exports = rawExports.map(({ name, kind, index }): ExportEntry => {
    const entry: ExportEntry = { name, kind: KINDS[kind] ?? "function" };
    if (kind === 0) entry.type = types[funcTypes[index]];
    else if (KINDS[kind] in descriptions) entry.detail = descriptions[KINDS[kind]][index];
    if (kind === 3 && globalValues[index] !== undefined) entry.value = globalValues[index];
    return entry;
  });
  return { imports, exports };
}

/**
 * Reads the global section: each global's type (`i32`, `mut i32`) and, for an initializer that is a single
 * `i32.const`, its value. An initializer of any other form leaves the value undefined; a value type or
 * opcode this reader does not know ends the section's reading there (the globals after it stay undescribed).
 */
function readGlobals(r: Reader, details: string[], values: (number | undefined)[]): void {
  try {
    for (let n = r.u32(); n > 0; n--) {
      const type = r.valtype();
      details.push(`${r.byte() ? "mut " : ""}${type}`);
      values.push(readConstExpr(r));
    }
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
}

/** Reads a constant expression up to its `end`; returns its value when it is exactly `i32.const n`. */
function readConstExpr(r: Reader): number | undefined {
  let value: number | undefined;
  for (let ops = 0; ; ops++) {
    const op = r.byte();
    if (op === 0x0b) return ops === 1 ? value : undefined; // end
    if (op === 0x41)
      value = r.s32(); // i32.const
    else if (op === 0x42)
      while (r.byte() & 0x80); // i64.const: skip its LEB128
    else if (op === 0x43)
      r.pos += 4; // f32.const
    else if (op === 0x44)
      r.pos += 8; // f64.const
    else if (op === 0x23 || op === 0xd2)
      r.u32(); // global.get, ref.func
    else if (op === 0xd0)
      r.valtype(); // ref.null
    else if ([0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op))
      continue; // extended-const arithmetic
    else throw new RangeError(`unsupported opcode 0x${op.toString(16)} in a constant expression`);
  }
}
