// `npm run demo`: `ixt-as run` on build/stream_echo.wasm, printing the stream frame by frame.
import { fileURLToPath } from "node:url";
import { main } from "../cli/main.js";

const wasm = fileURLToPath(new URL("../../build/stream_echo.wasm", import.meta.url));
process.exitCode = await main(
  ["run", wasm, "--method", "echo", "--data", "hello", "--data", "ixt", "--data", "", "--close"],
  { out: (line) => console.log(line), err: (line) => console.error(line) },
);
