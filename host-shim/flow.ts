// Flow control in tests: the caller's credit given a few bytes at a time, or held until the test asks.
// A producer that sends only what its credit allows (onWritable) is where producers go wrong; these
// helpers drive one the way a slow caller would and return what it sent.

import { HostStatus } from "./abi.js";
import { type OpenFields, type StreamId, toHex } from "./frames.js";
import type { IxtHost, OutboundCall } from "./host.js";

/** Options for `CreditValve.drain` and `drainWithCredit`. */
export interface DrainOptions {
  /**
   * Stop when this much credit lies unused on the stream and the last grant made the module send nothing
   * (it waits for something else, e.g. the caller's Close): default 65536 bytes. The SDK keeps a frame
   * until the credit covers it whole, so this must exceed the largest frame the module sends.
   */
  idleCredit?: number;
  /** Throw after this many grants if the stream is still open and still sending (default 10,000,000). */
  maxGrants?: number;
}

/**
 * One stream's credit in a test's hands: opened with no credit (`holdCredit`), or taken over on an open
 * stream (`drainWithCredit`); the module can send only what `grant` and `drain` give. Needs a host that
 * keeps every outbound call (the `record` option "all", the default).
 */
export class CreditValve {
  /** The calls on the stream that the host accepted (status Ok) since the valve took it, in order. */
  readonly calls: OutboundCall[] = [];
  /** The credit granted through the valve, in bytes. */
  granted = 0;
  private seen: number;
  private readonly key: string;

  constructor(
    /** The host the stream is in. */
    readonly host: IxtHost,
    /** The stream's id. */
    readonly streamId: StreamId,
  ) {
    if (!host.recordsAll)
      throw new TypeError('CreditValve needs a host that keeps every call (record: "all")');
    this.key = toHex(streamId);
    this.seen = host.sent.length;
  }

  /** True once the stream has ended on the host's side (the module's Close or Error was accepted, or the caller's Cancel or Error). */
  get ended(): boolean {
    return this.host.streamState(this.streamId) === "ended";
  }

  /** The accepted calls on the stream since the last look, added to `calls`. */
  private collect(): OutboundCall[] {
    const fresh = this.host.sent
      .slice(this.seen)
      .filter((call) => call.streamId === this.key && call.status === HostStatus.Ok);
    this.seen = this.host.sent.length;
    this.calls.push(...fresh);
    return fresh;
  }

  /** Grants `bytes` of credit (one Credit frame) and returns the calls the host accepted on the stream because of it. */
  grant(bytes: number): OutboundCall[] {
    this.collect();
    this.host.credit(this.streamId, bytes);
    this.granted += bytes;
    return this.collect();
  }

  /**
   * Grants `step` bytes at a time until the stream ends, or until the module stops sending with credit
   * left (see `DrainOptions.idleCredit`), and returns every call the host accepted on the stream since the
   * valve took it (`calls`). Check `ended` to tell an end from a module that waits.
   */
  drain(step: number, options: DrainOptions = {}): OutboundCall[] {
    if (!(step >= 1)) throw new RangeError(`drain needs a step of at least 1 byte, not ${step}`);
    const idle = options.idleCredit ?? 65536;
    const maxGrants = options.maxGrants ?? 10_000_000;
    this.collect();
    for (let grants = 0; !this.ended; grants++) {
      if (grants >= maxGrants)
        throw new Error(`the stream is still open after ${grants} grants of ${step} bytes (maxGrants)`);
      const before = this.host.sent.length;
      this.grant(step);
      if (this.host.sent.length === before && (this.host.creditOf(this.streamId) ?? 0) >= idle) break;
    }
    return this.calls;
  }
}

/**
 * Opens a stream with no credit (`initialCredit: 0`) and returns its valve: the module can send nothing
 * until the test grants credit (`valve.grant(n)`, `valve.drain(step)`). The Open's result is `opened`.
 */
export function holdCredit(
  host: IxtHost,
  streamId: StreamId,
  fields: OpenFields = {},
): CreditValve & { opened: number } {
  const valve = new CreditValve(host, streamId);
  const opened = host.open(streamId, { ...fields, initialCredit: 0 });
  return Object.assign(valve, { opened });
}

/**
 * Drives an open stream to its end granting `step` bytes of credit at a time, and returns the calls the
 * host accepted on it from now on (Data, then the Close or Error that ended it). Stops early when the
 * module sends nothing more with credit left (`DrainOptions.idleCredit`): `host.streamState(id)` then says
 * "open".
 */
export function drainWithCredit(
  host: IxtHost,
  streamId: StreamId,
  step: number,
  options: DrainOptions = {},
): OutboundCall[] {
  return new CreditValve(host, streamId).drain(step, options);
}
