// What tsc sees of json-as (`npm run check`): json-as's own AssemblyScript sources do not type-check
// with tsc (its transform generates the methods they call), so examples/tsconfig.json maps "json-as" here.
// Only the API the examples use; asc compiles against the real package.

/** Marks a class as (de)serializable; json-as's transform generates the methods. */
declare global {
  function json(...args: unknown[]): any;
}

export declare namespace JSON {
  /** Parses `data` as a `T`. json-as trusts its input: check untrusted text before. */
  function parse<T>(data: string): T;
  /** Serializes `data` as compact JSON text. */
  function stringify<T>(data: T): string;
}
