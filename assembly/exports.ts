// The module exports the runtime calls. A module's entry file re-exports them in one line:
//   export * from "ixt-sdk-as/assembly/exports";

export { ixt_module_handle_server_stream } from "./dispatch";
export { ixt_alloc, ixt_dealloc } from "./frame-buffers";
