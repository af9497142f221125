// Compiles AssemblyScript entry files with asc, one module each: shared by the build scripts.
import asc from "assemblyscript/asc";
import { basename, join } from "node:path";

/**
 * Compiles each entry file to `<outDir>/<name>.wasm` with the extra asc arguments `args`, printing
 * what was built and what failed. Resolves to true when every entry compiled.
 */
export async function compileEach(entries, outDir, args) {
  let ok = true;
  for (const entry of entries) {
    const outFile = join(outDir, `${basename(entry, ".ts")}.wasm`);
    const { error, stderr } = await asc.main([entry, ...args, "--outFile", outFile]);
    if (error) {
      console.error(`${entry}: ${error.message}\n${stderr.toString()}`);
      ok = false;
    } else {
      console.log(`built ${outFile}`);
    }
  }
  return ok;
}
