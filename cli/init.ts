// `ixt-as init [dir]`: writes a ready module project from the package's templates/init/ and installs
// nothing. The templates are the project's files as they are written, except: `gitignore` becomes
// `.gitignore` (npm leaves `.gitignore` files out of a package), package.json gets the folder's name and
// this package's version of ixt-sdk-as, and the README's title is the folder's name.
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Io } from "./main.js";
import { packageRoot } from "../host-shim/package-root.js";

export const INIT_USAGE = `usage: ixt-as init [dir]

Writes a new module project into dir (default: the current folder), which must be empty or not exist
yet, and installs nothing:

  package.json            ixt-sdk-as, assemblyscript, vitest and typescript; the scripts build,
                          build:debug, test, test:debug, test:release, check and typecheck
  asconfig.json           asc's options: extends the ixt-sdk-as preset
  assembly/index.ts       a handler to start from
  assembly/tsconfig.json  type-checks the module in a TypeScript editor (npx tsc -p assembly)
  scripts/modules.mjs     builds and checks every module in assembly/ (npm run build, npm run check)
  tests/module.test.ts    vitest tests of the module in the host shim (ixt-sdk-as/testing)
  tests/modules.test.ts   loads every module in assembly/
  vitest.config.ts        runs every test against the debug build and the release build
  .gitignore, README.md

Then: cd dir && npm install && npm test && npm run build

A second module: a new file in assembly/ that ends with export * from "ixt-sdk-as/exports"
(assembly/<name>.ts builds to build/<name>.wasm; npm run build and npm run check take it as it is).

options:
  -h, --help   show this help

exit status: 0 written, 2 bad usage or the folder is not empty`;

class InitError extends Error {}
/** A mistake on the command line: the message is followed by a pointer to --help. */
class InitUsageError extends InitError {}

/** The template files under `dir`, as paths relative to it, sorted. */
async function templateFiles(dir: string, under = ""): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(dir, under), { withFileTypes: true })) {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await templateFiles(dir, path)));
    else files.push(path);
  }
  return files.sort();
}

/** An npm package name from a folder name: lower case, URL-safe characters only. */
export function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._~-]+|-+$/g, "")
    .slice(0, 214);
  return name === "" ? "ixt-module" : name;
}

/** Refuses anything but an empty folder or a path that does not exist yet (a `.git` folder is fine). */
async function checkTarget(target: string, shown: string): Promise<void> {
  let info;
  try {
    info = await stat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (!info.isDirectory()) throw new InitError(`${shown} exists and is not a folder`);
  const entries = (await readdir(target)).filter((name) => name !== ".git");
  if (entries.length > 0) {
    const listed = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
    throw new InitError(
      `${shown} is not empty (${listed}): init writes only into an empty or new folder, e.g. ixt-as init my-module`,
    );
  }
}

/** The file as written into the project named `name`. */
function render(file: string, text: string, name: string, sdkVersion: string): string {
  if (file === "package.json") {
    const manifest = JSON.parse(text);
    manifest.name = name;
    manifest.devDependencies["ixt-sdk-as"] = `^${sdkVersion}`;
    return JSON.stringify(manifest, null, 2) + "\n";
  }
  if (file === "README.md") return text.replace(/^# .*/, `# ${name}`);
  return text;
}

/** `ixt-as init [dir]`; returns the exit status. */
export async function init(args: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      io.out(INIT_USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new InitUsageError("give at most one folder");
    const target = resolve(positionals[0] ?? ".");
    const shown = positionals[0] ?? "the current folder";
    await checkTarget(target, shown);

    const root = packageRoot();
    const sdkVersion = JSON.parse(await readFile(join(root, "package.json"), "utf8")).version as string;
    const templates = join(root, "templates", "init");
    const name = packageName(basename(target));
    const written: string[] = [];
    for (const file of await templateFiles(templates)) {
      const out = file.replace(/(^|\/)gitignore$/, "$1.gitignore");
      const text = render(file, await readFile(join(templates, file), "utf8"), name, sdkVersion);
      await mkdir(dirname(join(target, out)), { recursive: true });
      await writeFile(join(target, out), text, { flag: "wx" });
      written.push(out);
    }

    const cd = relative(process.cwd(), target);
    const where = cd === "" ? "the current folder" : `${cd}/`;
    const named = name === basename(target) ? "" : ` (package name ${name})`;
    io.out(`Wrote a module project into ${where}${named}:`);
    written.sort().forEach((file) => io.out(`  ${file}`));
    io.out("");
    io.out("Next:");
    if (cd !== "") io.out(`  cd ${/\s/.test(cd) ? JSON.stringify(cd) : cd}`);
    io.out("  npm install");
    io.out("  npm test                 # runs tests/ against the debug build and the release build");
    io.out("  npm run build            # build/module.wasm");
    io.out("  npx ixt-as run build/module.wasm --data world --close");
    io.out("");
    io.out('A second module: add assembly/<name>.ts ending with export * from "ixt-sdk-as/exports";');
    io.out("npm run build then writes build/<name>.wasm too, and npm run check checks it.");
    return 0;
  } catch (err) {
    const usage = (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!(err instanceof InitError) && !usage) throw err;
    io.err(`ixt-as: init: ${(err as Error).message}`);
    if (usage || err instanceof InitUsageError) io.err(`Run "ixt-as init --help" for usage.`);
    return 2;
  }
}
