// Log lines for development (docs/ABI.md, "Debug log"). What a build does with them:
// - bare profile, release target: nothing; the calls compile to nothing and the module imports only `ixt`;
// - bare profile, debug target (the preset defines IXT_DEBUG_LOG=1): each line goes to the import
//   `ixt_debug.log(level, ptr, len)`, which `ixt-as run` and the host shim provide and an ixt runtime
//   does not, so a debug build is for development only;
// - WASI profile: each line goes to stderr as "[level] message".

import { rawFree, tryAllocUtf8 } from "../memory/heap";

// @ts-ignore: decorator
@external("ixt_debug", "log")
declare function ixt_debug_log(level: u32, message_ptr: usize, message_len: usize): void;

/** The level of a log line; `ixt_debug.log` receives it as a number. */
export enum LogLevel {
  Debug = 0,
  Info = 1,
  Warn = 2,
  Error = 3,
}

/** True when this build delivers log lines somewhere (debug target or WASI profile). */
// @ts-ignore: decorator
@inline
// @ts-ignore: defined by the build (asconfig "use")
export const LOG_ENABLED: bool = isDefined(ASC_WASI) || isDefined(IXT_DEBUG_LOG);

function levelName(level: LogLevel): string {
  switch (level) {
    case LogLevel.Debug:
      return "debug";
    case LogLevel.Info:
      return "info";
    case LogLevel.Warn:
      return "warn";
  }
  return "error";
}

function write(level: LogLevel, message: string): void {
  // @ts-ignore: defined by the build (asconfig "use")
  if (isDefined(ASC_WASI)) {
    // @ts-ignore: `process` is the WASI shim's under the WASI profile
    process.stderr.write("[" + levelName(level) + "] " + message + "\n");
    // @ts-ignore: defined by the build (asconfig "use")
  } else if (isDefined(IXT_DEBUG_LOG)) {
    const len = <usize>String.UTF8.byteLength(message);
    const utf8 = tryAllocUtf8(message, len);
    if (!utf8) return; // a log line is not worth a trap
    ixt_debug_log(level, utf8, len);
    rawFree(utf8);
  }
}

/**
 * Log lines: `log.info("opened " + id)`. Compiled out of a release build of the bare profile (the
 * argument is still evaluated: keep expensive formatting behind `if (LOG_ENABLED)`).
 */
export namespace log {
  /** A line at level debug. */
  export function debug(message: string): void {
    if (LOG_ENABLED) write(LogLevel.Debug, message);
  }
  /** A line at level info. */
  export function info(message: string): void {
    if (LOG_ENABLED) write(LogLevel.Info, message);
  }
  /** A line at level warn. */
  export function warn(message: string): void {
    if (LOG_ENABLED) write(LogLevel.Warn, message);
  }
  /** A line at level error. */
  export function error(message: string): void {
    if (LOG_ENABLED) write(LogLevel.Error, message);
  }
}
