#!/usr/bin/env node
// The `ixt-as` executable (package.json "bin"); the command itself is in main.ts.
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
