// docs/ABI.md is the single source of truth: the SDK's enums and the host shim's must say the same.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as abi from "../host-shim/abi.js";

const root = new URL("..", import.meta.url);
const abiDoc = readFileSync(new URL("docs/ABI.md", root), "utf8");
const sdkEnums = readFileSync(new URL("assembly/enums.ts", root), "utf8");

/** `### Name` followed by a line like "A 0, B 1, C 2." (a "A `u32`:" lead-in is allowed). */
function fromDoc(name: string, heading = name): Record<string, number> {
  const section = abiDoc.split(`### ${heading}\n`)[1];
  if (!section) throw new Error(`docs/ABI.md has no section ${heading}`);
  const text = section
    .split("\n\n")[0]
    .replace(/\n/g, " ")
    .replace(/^.*?:\s/, "");
  const values: Record<string, number> = {};
  for (const [, key, value] of text.matchAll(/([A-Z][A-Za-z]+) (\d+)/g)) values[key] = Number(value);
  return values;
}

/** `export enum Name { A = 0, … }` in assembly/enums.ts. */
function fromSdk(name: string): Record<string, number> {
  const body = sdkEnums.split(`export enum ${name} {`)[1]?.split("}")[0];
  if (!body) throw new Error(`assembly/enums.ts has no enum ${name}`);
  const values: Record<string, number> = {};
  for (const [, key, value] of body.matchAll(/(\w+) = (\d+)/g)) values[key] = Number(value);
  return values;
}

const enums = [
  ["FrameKind", abi.FrameKind],
  ["InteractionKind", abi.InteractionKind],
  ["CloseReason", abi.CloseReason],
  ["CancelReason", abi.CancelReason],
  ["StreamErrorCode", abi.StreamErrorCode],
  ["HostStatus", abi.HostStatus, "Host status"],
] as const;

describe("ABI constants agree", () => {
  for (const [name, shim, heading] of enums) {
    it(`${name}: docs/ABI.md = assembly/enums.ts = host-shim/abi.ts`, () => {
      const doc = fromDoc(name, heading);
      expect(Object.keys(doc).length).toBeGreaterThan(2);
      expect(fromSdk(name)).toEqual(doc);
      expect({ ...shim }).toEqual(doc);
    });
  }

  it("Rejected is 4", () => {
    expect(fromDoc("StreamErrorCode").Rejected).toBe(4);
  });
});
