/**
 * The SDK a module imports: `import { … } from "ixt-sdk-as"` in AssemblyScript resolves to the package's
 * `index.ts` (asc looks for it at the package root), which re-exports `assembly/index.ts`.
 *
 * @module ixt-sdk-as
 */
export * from "./assembly/index";
