// The package's AssemblyScript entry: `import { … } from "ixt-sdk-as"` in a module resolves here
// (asc looks for index.ts at the package root). The API is in assembly/index.ts.
export * from "./assembly/index";
