// The module exports the runtime calls. A module's entry file re-exports them in one line:
//   export * from "ixt-sdk-as/assembly/exports";

export { ixt_module_handle_server_stream } from "./dispatch";
export { ixt_alloc, ixt_dealloc } from "./frame-buffers";

/**
 * The revision of the ABI (docs/ABI.md, "ABI revision") this SDK implements: an immutable `i32` global
 * export, which a runtime or `ixt-as check` reads without running the module. Costs nothing at run time.
 */
export const ixt_abi_revision: i32 = 1;
