// Where the installed ixt-sdk-as package is, for the tools that read its own files (the preset, the
// init templates). Not part of the package's API.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The ixt-sdk-as package's root (the folder of its package.json), found upward from this file. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "ixt-sdk-as") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the ixt-sdk-as package's root folder");
    dir = parent;
  }
}
