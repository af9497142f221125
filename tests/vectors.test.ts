// Golden vectors (tests/vectors/frames.json): the host encoder and decoder, and the guest parser
// (through the probe fixture), must all agree with the hex written independently of both.
import { beforeAll, describe, expect, it } from "vitest";
import {
  IxtHost,
  decodeFrame,
  encodeCancel,
  encodeClose,
  encodeCredit,
  encodeData,
  encodeError,
  encodeOpen,
  fromHex,
  toHex,
} from "../host-shim/index.js";
import { fixture, takeLog, vectors } from "./helpers.js";
import { readFile } from "node:fs/promises";

type Fields = Record<string, string | number>;
const num = (f: Fields, k: string) => f[k] as number;
const bytes = (f: Fields, k: string) => fromHex(f[k] as string);

function encode(f: Fields): Uint8Array {
  const id = bytes(f, "streamId");
  switch (f.kind) {
    case "Open":
      return encodeOpen(id, {
        interaction: num(f, "interaction"),
        initialCredit: num(f, "initialCredit"),
        deadlineMs: num(f, "deadlineMs"),
        method: bytes(f, "methodHex"),
        context: bytes(f, "contextHex"),
        payload: bytes(f, "payloadHex"),
      });
    case "Data":
      return encodeData(id, bytes(f, "payloadHex"));
    case "Error":
      return encodeError(id, num(f, "code"), bytes(f, "messageHex"));
    case "Close":
      return encodeClose(id, num(f, "reason"));
    case "Cancel":
      return encodeCancel(id, num(f, "reason"));
    case "Credit":
      return encodeCredit(id, num(f, "credit"));
  }
  throw new Error(`unknown kind ${f.kind}`);
}

/** The decoder's output in the vectors' field names. */
function decoded(frame: Uint8Array): Fields {
  const d = decodeFrame(frame);
  const base = { kind: d.kind, streamId: toHex(d.streamId) };
  switch (d.kind) {
    case "Open":
      return {
        ...base,
        interaction: d.interaction,
        initialCredit: d.initialCredit,
        deadlineMs: d.deadlineMs,
        methodHex: toHex(d.method),
        contextHex: toHex(d.context),
        payloadHex: toHex(d.payload),
      };
    case "Data":
      return { ...base, payloadHex: toHex(d.payload) };
    case "Error":
      return { ...base, code: d.code, messageHex: toHex(d.message) };
    case "Close":
    case "Cancel":
      return { ...base, reason: d.reason };
    case "Credit":
      return { ...base, credit: d.credit };
  }
}

describe("golden vectors", () => {
  it("cover every frame kind", () => {
    expect(new Set(vectors.valid.map((v) => v.frame.kind))).toEqual(
      new Set(["Open", "Data", "Error", "Close", "Cancel", "Credit"]),
    );
  });

  for (const v of vectors.valid) {
    it(`host encoder writes ${v.name}`, () => {
      expect(toHex(encode(v.frame)) + (v.trailingHex ?? "")).toBe(v.hex);
    });

    it(`host decoder reads ${v.name}`, () => {
      expect(decoded(fromHex(v.hex))).toEqual(v.frame);
    });
  }

  describe("guest parser", () => {
    let module: WebAssembly.Module;
    beforeAll(async () => {
      module = await WebAssembly.compile(await readFile(fixture("probe")));
    });

    for (const v of vectors.valid) {
      it(`reads ${v.name}`, async () => {
        const host = await IxtHost.load(module);
        const f = v.frame;
        const id = fromHex(f.streamId as string);
        if (f.kind !== "Open") {
          expect(host.open(id)).toBe(0);
          takeLog(host);
        }
        expect(host.dispatch(fromHex(v.hex))).toBe(0);
        const log = takeLog(host);
        const idHex = f.streamId;
        switch (f.kind) {
          case "Open":
            expect(log).toEqual([
              {
                cb: "open",
                id: idHex,
                frameId: idHex,
                kind: 0,
                interaction: f.interaction,
                initialCredit: f.initialCredit,
                deadlineMs: f.deadlineMs,
                methodHex: f.methodHex,
                // The vectors' methods are valid UTF-8, so decoding and re-encoding is lossless.
                methodTextHex: f.methodHex,
                contextHex: f.contextHex,
                contextCopyHex: f.contextHex,
                payloadHex: f.payloadHex,
                payloadCopyHex: f.payloadHex,
              },
            ]);
            break;
          case "Data":
            expect(log).toHaveLength(1);
            expect(log[0]).toMatchObject({ cb: "data", id: idHex, kind: 1, payloadHex: f.payloadHex });
            expect(log[0].payloadCopyHex).toBe(f.payloadHex);
            break;
          case "Error":
            expect(log).toEqual([{ cb: "error", id: idHex, code: f.code, messageHex: f.messageHex }]);
            break;
          case "Close":
          case "Cancel":
            expect(log).toEqual([{ cb: f.kind.toLowerCase(), id: idHex, reason: f.reason }]);
            break;
          case "Credit":
            // No callback for Credit yet: accepted, nothing seen, nothing sent.
            expect(log).toEqual([]);
            expect(host.sent).toEqual([]);
            break;
        }
      });
    }
  });
});
