// Reference behaviour for the JSON tests: what JSON.parse accepts from raw bytes (strict UTF-8, a BOM
// kept, so refused), and a small lexeme-preserving printer of the compact form the SDK must write
// (members in order, duplicates kept, numbers exactly as written, strings re-escaped as JSON.stringify).

import { PROPERTY_SEED } from "./property-seed.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Whether JSON.parse reads `bytes` as JSON, and the two things the SDK's reader is stricter about. */
export function jsAcceptsBytes(bytes: Uint8Array): { valid: boolean; loneSurrogate: boolean; depth: number } {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
    JSON.parse(text);
  } catch {
    return { valid: false, loneSurrogate: false, depth: 0 };
  }
  let depth = 0;
  let deepest = 0;
  let loneSurrogate = false;
  for (const token of tokens(text)) {
    if (token === "{" || token === "[") deepest = Math.max(deepest, ++depth);
    else if (token === "}" || token === "]") depth--;
    else if (token.startsWith('"') && /\p{Cs}/u.test(JSON.parse(token) as string)) loneSurrogate = true;
  }
  return { valid: true, loneSurrogate, depth: deepest };
}

/** The lexemes of a valid JSON text, whitespace dropped. */
function* tokens(text: string): Generator<string> {
  const lexeme =
    /[ \t\r\n]+|[{}[\]:,]|"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  while (lexeme.lastIndex < text.length) {
    const at = lexeme.lastIndex;
    const match = lexeme.exec(text);
    if (!match) throw new Error(`not JSON at ${at}`);
    if (!/^[ \t\r\n]/.test(match[0])) yield match[0];
  }
}

/** The compact form of a valid JSON text: lexemes as written, strings re-escaped as JSON.stringify. */
export function compactForm(text: string): string {
  let out = "";
  for (const token of tokens(text)) out += token.startsWith('"') ? JSON.stringify(JSON.parse(token)) : token;
  return out;
}

// The seed of every property test is tests/property-seed.ts's (fixed in CI, a new printed one under soak and
// fuzz, replayed with IXT_PROPERTY_SEED).
/** fast-check's options for a property run: `numRuns` runs from PROPERTY_SEED. */
export const runs = (numRuns: number) => ({ numRuns, seed: PROPERTY_SEED });

/** Powers of ten and their neighbours (10^k - 1, 10^k, 10^k + 1) from 1 to 10^19, negated too. */
export const DECIMAL_BOUNDARIES: bigint[] = Array.from({ length: 20 }, (_, k) => 10n ** BigInt(k)).flatMap(
  (power) => [power - 1n, power, power + 1n].flatMap((v) => [v, -v]),
);
