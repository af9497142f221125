// Every module in assembly/ (each .ts file there that ends with `export * from "ixt-sdk-as/exports"`)
// builds and loads in the host shim, in the build this run tests (IXT_TARGET: debug, then release). A new
// module gets its own test file beside tests/module.test.ts; this one makes sure none is left unbuilt.
import { loadModule, moduleEntries } from "ixt-sdk-as/testing";
import { describe, expect, it } from "vitest";

describe("the modules in assembly/", () => {
  it("has at least one", () => {
    expect(moduleEntries().length).toBeGreaterThan(0);
  });

  for (const { entry } of moduleEntries()) {
    it(`${entry} builds and has the ABI's exports`, async () => {
      const host = await loadModule(entry); // throws when asc fails or an export is missing
      expect(host.memory.buffer.byteLength).toBeGreaterThan(0);
    });
  }
});
