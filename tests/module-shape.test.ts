// What a release module imports and exports: the ixt runtime provides nothing outside `ixt`.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { example } from "./helpers.js";

const describeModule = async (path: string) => {
  const module = await WebAssembly.compile(await readFile(path));
  return {
    imports: WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`),
    exports: WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`),
  };
};

describe("release stream_echo.wasm", () => {
  it("imports exactly the ixt functions it uses", async () => {
    const { imports } = await describeModule(example("stream_echo"));
    // Data (the echo), Close (the default onClose) and Error (the default onData of other handlers is
    // compiled out, but the abort override reports through it).
    expect(imports.sort()).toEqual([
      "ixt.stream_send_close:function",
      "ixt.stream_send_data:function",
      "ixt.stream_send_error:function",
    ]);
  });

  it("exports the dispatcher, the allocator pair, memory, the ABI revision and the lost flag, and nothing else", async () => {
    const { exports } = await describeModule(example("stream_echo"));
    expect(exports.sort()).toEqual([
      "ixt_abi_revision:global",
      "ixt_alloc:function",
      "ixt_dealloc:function",
      "ixt_instance_lost:function",
      "ixt_module_handle_server_stream:function",
      "memory:memory",
    ]);
  });

  it("exports ixt_abi_revision as an immutable i32 global: docs/ABI.md's revision", async () => {
    const module = await WebAssembly.compile(await readFile(example("stream_echo")));
    const imports = {
      ixt: { stream_send_data: () => 0, stream_send_close: () => 0, stream_send_error: () => 0 },
    };
    const revision = (await WebAssembly.instantiate(module, imports)).exports.ixt_abi_revision;
    expect(revision).toBeInstanceOf(WebAssembly.Global);
    const global = revision as WebAssembly.Global;
    const documented = /This document is \*\*revision (\d+)\*\* of the ABI/.exec(
      await readFile(new URL("../docs/ABI.md", import.meta.url), "utf8"),
    );
    expect(global.value).toBe(Number(documented?.[1]));
    expect(() => {
      global.value = 2;
    }).toThrow(TypeError);
  });
});
