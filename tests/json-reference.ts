// Reference behaviour for the JSON tests: what JSON.parse accepts from raw bytes (strict UTF-8, a BOM
// kept, so refused), and a small lexeme-preserving printer of the compact form the SDK must write
// (members in order, duplicates kept, numbers exactly as written, strings re-escaped as JSON.stringify).

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

/**
 * The seed of every property test in the JSON tests: fixed, so that CI finds the same counterexample on
 * every run; a new one when a soak or fuzz run asks for more (IXT_SOAK, IXT_SOAK_FRAMES or
 * IXT_FUZZ_FRAMES set), printed so that a failure can be replayed with IXT_JSON_SEED. fast-check prints
 * the seed and the shrunk counterexample's path on failure; keep the counterexample as a fixed case.
 */
export const PROPERTY_SEED: number = (() => {
  if (process.env.IXT_JSON_SEED) return Number(process.env.IXT_JSON_SEED);
  const fresh = ["IXT_SOAK", "IXT_SOAK_FRAMES", "IXT_FUZZ_FRAMES"].some((name) => process.env[name]);
  if (!fresh) return 0x1d5e_ed01;
  const seed = (Date.now() ^ Math.floor(Math.random() * 0x7fff_ffff)) | 0;
  console.log(`JSON property tests: seed ${seed} (replay with IXT_JSON_SEED=${seed})`);
  return seed;
})();

/** fast-check's options for a property run: `numRuns` runs from PROPERTY_SEED. */
export const runs = (numRuns: number) => ({ numRuns, seed: PROPERTY_SEED });

/** Powers of ten and their neighbours (10^k - 1, 10^k, 10^k + 1) from 1 to 10^19, negated too. */
export const DECIMAL_BOUNDARIES: bigint[] = Array.from({ length: 20 }, (_, k) => 10n ** BigInt(k)).flatMap(
  (power) => [power - 1n, power, power + 1n].flatMap((v) => [v, -v]),
);
