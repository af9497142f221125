// The collector's and the allocator's entry points, each inside a runtime section (sections.ts), so that a
// call the runtime stops in the middle of TLSF's free lists or the collector's object lists is known at the
// next call (docs/ABI.md, "When a call is stopped"). The preset selects them with `"use": ["__new=__ixt_new",
// …]` (asconfig.preset.json and asconfig.wasi.json); the allocator's `__alloc` is gc.ts's `__ixt_alloc`.
// Each calls the runtime's own function with a global store before and after, nothing else.
//
// The collector's steps run inside `__new` (and `__collect`), and free blocks themselves: marking the
// allocator alone would not cover them.

import { OBJECT_MAXSIZE } from "rt/common";
import { enterRuntime, leaveRuntime } from "../call/sections";

// The runtime's own functions are reached through the preset's aliases `__ixt_rt_new=__new`, … (listed
// before the aliases that replace them), so that these wrappers serve whichever runtime the build chose
// (incremental in the preset, minimal in the WASI profile) without importing its file. tsc does not know
// the aliases, hence the @ts-ignore on each call.

/** The preset's `__new`: a managed object, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_new(size: usize, id: i32): usize {
  // Too large: the runtime aborts before it changes anything, so outside the section.
  // @ts-ignore: the preset's alias of the runtime's function
  if (size >= OBJECT_MAXSIZE) return __ixt_rt_new(size, id);
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  const ptr = __ixt_rt_new(size, id);
  leaveRuntime();
  return ptr;
}

/** The preset's `__renew`: a managed object resized, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_renew(oldPtr: usize, size: usize): usize {
  // @ts-ignore: the preset's alias of the runtime's function
  if (size >= OBJECT_MAXSIZE) return __ixt_rt_renew(oldPtr, size); // aborts, as above
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  const ptr = __ixt_rt_renew(oldPtr, size);
  leaveRuntime();
  return ptr;
}

/** The preset's `__link`: the collector's write barrier, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  __ixt_rt_link(parentPtr, childPtr, expectMultiple);
  leaveRuntime();
}

/** The preset's `__collect`: a full collection, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_collect(): void {
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  __ixt_rt_collect();
  leaveRuntime();
}

/** The preset's `__free`: a raw block freed, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_free(ptr: usize): void {
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  __ixt_rt_free(ptr);
  leaveRuntime();
}

/** The preset's `__realloc`: a raw block resized, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_realloc(ptr: usize, size: usize): usize {
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  const block = __ixt_rt_realloc(ptr, size);
  leaveRuntime();
  return block;
}

/** The preset's `__pin`, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_pin(ptr: usize): usize {
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  const pinned = __ixt_rt_pin(ptr);
  leaveRuntime();
  return pinned;
}

/** The preset's `__unpin`, inside a runtime section. */
// @ts-ignore: decorator
@global @unsafe
export function __ixt_unpin(ptr: usize): void {
  enterRuntime();
  // @ts-ignore: the preset's alias of the runtime's function
  __ixt_rt_unpin(ptr);
  leaveRuntime();
}
