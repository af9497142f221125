// The seed of fast-check's property tests, so a property finds the same bug every run: fixed in CI and
// in `npm test`; a new one each run under `npm run soak` and `npm run fuzz` (which set IXT_SOAK_FRAMES or
// IXT_FUZZ_FRAMES), printed at the start so the run can be replayed with IXT_PROPERTY_SEED=<seed>.
// fast-check prints the seed and the shrunk counterexample's path when a property fails; keep a shrunk
// counterexample as a fixed case next to the property. A test file imports this module before its first
// property (`import "./property-seed.js";`): it sets fast-check's global seed for that file.
import fc from "fast-check";

/** The seed CI uses: any fixed value; changing it only explores other inputs. */
export const FIXED_PROPERTY_SEED = 0x1d7c0de;

function chooseSeed(): number {
  const asked = process.env.IXT_PROPERTY_SEED;
  if (asked !== undefined && asked !== "") {
    const seed = Number(asked);
    if (!Number.isInteger(seed)) throw new Error(`IXT_PROPERTY_SEED must be an integer, not ${asked}`);
    return seed | 0;
  }
  const long = process.env.IXT_SOAK_FRAMES !== undefined || process.env.IXT_FUZZ_FRAMES !== undefined;
  if (!long) return FIXED_PROPERTY_SEED;
  const seed = (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  console.log(`property seed ${seed} (replay: IXT_PROPERTY_SEED=${seed})`);
  return seed;
}

/** The seed every fast-check property of the importing file runs with. */
export const PROPERTY_SEED = chooseSeed();

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: PROPERTY_SEED });
