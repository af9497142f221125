// Which handler factory serves an Open: one per method, matched byte for byte, or a default.

import { StreamFrame } from "../frames/frame";
import { ServerStreamHandler } from "./handler";

/** Creates the handler for one new stream. */
export type ServerStreamHandlerFactory = () => ServerStreamHandler;

// A method's UTF-8 bytes and its factory.
// @ts-ignore: decorator
@final
class Route {
  constructor(
    readonly method: ArrayBuffer,
    readonly factory: ServerStreamHandlerFactory,
  ) {}
}

let fallback: ServerStreamHandlerFactory | null = null;
let routes: Route[] | null = null; // made at the first registerMethod: start-up allocates nothing

/**
 * Registers the factory for every Open that no `registerMethod` route matches (for a module that
 * serves one thing, every Open). The dispatcher calls it once per Open. Call it at the top level of your
 * module's entry file. Without it, and without a matching route, an Open is answered `Unimplemented`.
 *
 * The factory cannot capture a local variable: AssemblyScript has no closures, so
 * `() => new Greeter(prefix)` with a local `prefix` fails to compile (TS2454 "Variable 'prefix' is used
 * before being assigned", then AS100 "Not implemented: Closures"). Read a global or a static field
 * instead, or set a field after construction:
 *
 * ```ts
 * let greeting = "hello"; // a top-level variable is a global, not a capture
 * registerServerStreamHandler(() => new Greeter(greeting));
 * ```
 */
export function registerServerStreamHandler(handlerFactory: ServerStreamHandlerFactory): void {
  fallback = handlerFactory;
}

/**
 * Registers the factory for Opens whose method is exactly `method`: its UTF-8 bytes compared with the
 * Open's method bytes, without decoding (so `echo\x80` or an overlong encoding never matches "echo").
 * Registering a method again replaces its factory.
 *
 * The factory cannot capture a local variable (AssemblyScript has no closures): registering methods in
 * a loop with `() => new Echo(prefix)` fails to compile with TS2454 ("Variable 'prefix' is used before
 * being assigned"), then AS100 ("Not implemented: Closures"). Write one factory per value instead, a
 * top-level function or a class with a static field, or set a field after construction:
 *
 * ```ts
 * function shout(): ServerStreamHandler {
 *   const handler = new Echo();
 *   handler.prefix = "!"; // a field set after construction
 *   return handler;
 * }
 * registerMethod("echo", () => new Echo()); // a factory per value
 * registerMethod("shout", shout); // a top-level function is a factory too
 * ```
 */
export function registerMethod(method: string, handlerFactory: ServerStreamHandlerFactory): void {
  const bytes = String.UTF8.encode(method);
  let table = routes;
  if (!table) routes = table = [];
  for (let i = 0, n = table.length; i < n; i++) {
    const route = unchecked(table[i]);
    if (sameBytes(route.method, changetype<usize>(bytes), <usize>bytes.byteLength)) {
      unchecked((table[i] = new Route(bytes, handlerFactory)));
      return;
    }
  }
  table.push(new Route(bytes, handlerFactory));
}

/** The factory for the Open `frame`: its method's route, else the default, else null. */
export function factoryFor(frame: StreamFrame): ServerStreamHandlerFactory | null {
  const table = routes;
  if (table) {
    const ptr = frame.methodPtr;
    const len = frame.methodLen;
    for (let i = 0, n = table.length; i < n; i++) {
      const route = unchecked(table[i]);
      if (sameBytes(route.method, ptr, len)) return route.factory;
    }
  }
  return fallback;
}

// @ts-ignore: decorator
@inline
function sameBytes(bytes: ArrayBuffer, ptr: usize, len: usize): bool {
  return <usize>bytes.byteLength == len && memory.compare(changetype<usize>(bytes), ptr, len) == 0;
}
