// Compiles AssemblyScript entry files with asc, one module each: shared by the build scripts.
import asc from "assemblyscript/asc";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Compiles each entry file to `<outDir>/<name>.wasm` with the extra asc arguments `args`, printing
 * what was built and what failed. Resolves to true when every entry compiled. An entry with a config of
 * its own next to it, `<name>.asconfig.json` (for an example that needs a compiler transform, say), is
 * compiled with that config instead of ./asconfig.json; `args` must then name none.
 */
export async function compileEach(entries, outDir, args) {
  let ok = true;
  for (const entry of entries) {
    const name = basename(entry, ".ts");
    const outFile = join(outDir, `${name}.wasm`);
    const ownConfig = join(dirname(entry), `${name}.asconfig.json`);
    if (existsSync(ownConfig) && args.includes("--config")) {
      console.error(`${entry}: has its own ${ownConfig}; cannot also compile it with ${args.join(" ")}`);
      ok = false;
      continue;
    }
    const config = existsSync(ownConfig) ? ["--config", ownConfig] : [];
    const { error, stderr } = await asc.main([entry, ...config, ...args, "--outFile", outFile]);
    if (error) {
      console.error(`${entry}: ${error.message}\n${stderr.toString()}`);
      ok = false;
    } else {
      console.log(`built ${outFile}`);
    }
  }
  return ok;
}
