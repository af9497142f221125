// Property tests over random and mutated frame sequences (fast-check), checked against a reference
// model of docs/ABI.md's dispatcher, lifecycle, credit and host-refusal rules for an echo. The host's
// answer to each outbound call (Data, Close, Error) is drawn too: mostly Ok, sometimes WouldBlock or a
// refusal (UnknownStream, BadArgument, StreamClosed, PayloadTooLarge, InvalidMemory, Internal, a value in
// the SDK's own range 0x100 to 0x1FF, which the SDK reports as Internal, or another status the ABI does
// not name), so refusals hit sends made from the handler, frames drained after a
// Credit frame and retries at the end of later calls. For every frame: no trap; the result is the
// model's (so always 0 or a documented code); the module makes exactly the calls the model expects,
// retries and the Error that follows a refusal included; memory stays bounded. Independently of the
// model, a ledger of the observed calls checks the central promise ("Host refusals: never silent"): a
// payload the dispatcher accepted goes out whole, once and in order, or its stream ends with an Error
// (or the host said the stream is gone, or the caller ended it).
// The test prints how many frames it ran and the host answers it exercised, by origin and status.
// IXT_FUZZ_FRAMES sets how many frames in all (CI: 100,000; `npm run fuzz`: 1,000,000).
// IXT_FUZZ_BUILD runs it against modules built elsewhere (a directory with stream_echo.wasm and
// fixtures/bounded_echo.wasm), e.g. a copy of the SDK with a planted bug.
import fc from "fast-check";
import { PROPERTY_SEED } from "./property-seed.js";
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ABI,
  FRAME_HEADER_LEN,
  FrameKind,
  HostStatus,
  IxtHost,
  OPEN_CREDIT_OFFSET,
  OPEN_METHOD_LEN_OFFSET,
  OPEN_METHOD_OFFSET,
  OPEN_CONTEXT_LEN_SIZE,
  OPEN_INTERACTION_OFFSET,
  CREDIT_OFFSET,
  CloseReason,
  InteractionKind,
  SDK_STATUS_RANGE,
  SendStatus,
  StreamErrorCode,
  type OutboundCall,
  UNLIMITED_CREDIT,
  encodeCancel,
  encodeClose,
  encodeCredit,
  encodeData,
  encodeError,
  encodeOpen,
  nameOf,
  streamIdOf,
  toHex,
} from "../host-shim/index.js";
import { example, fixture } from "./helpers.js";

const TOTAL_FRAMES = Number(process.env.IXT_FUZZ_FRAMES ?? 100_000);
const BUILD = process.env.IXT_FUZZ_BUILD;
const FRAMES_PER_RUN = 100;
const MEMORY_BOUND = 4 << 20; // bytes of guest memory an echo may reach on this traffic

// ---- the reference model: docs/ABI.md, written independently of the SDK (its numbers: docs/abi.json) ----

const K = FrameKind;
const MIN_LEN = Object.values(K).map(
  (kind) => ABI.minFrameLen[nameOf(K, kind) as keyof typeof ABI.minFrameLen],
);

/**
 * True when a frame passes the dispatcher's checks, rules 1 to 6 of docs/ABI.md (the modules fuzzed here
 * register a default handler, so rule 6 always passes).
 */
function wellFormed(f: Uint8Array): boolean {
  if (f.length < FRAME_HEADER_LEN || f[0] > K.Credit || f.length < MIN_LEN[f[0]]) return false;
  if (f[0] !== K.Open) return true;
  if (f[OPEN_INTERACTION_OFFSET] !== InteractionKind.ServerStream) return false; // rule 5
  const contextLenAt = OPEN_METHOD_OFFSET + u16At(f, OPEN_METHOD_LEN_OFFSET);
  if (contextLenAt + OPEN_CONTEXT_LEN_SIZE > f.length) return false;
  return contextLenAt + OPEN_CONTEXT_LEN_SIZE + u32At(f, contextLenAt) <= f.length;
}
const QUEUE_LIMIT = ABI.limits.DEFAULT_STREAM_QUEUE_LIMIT; // the SDK's default per-stream queue limit
const QUEUE_BUDGET = ABI.limits.DEFAULT_QUEUE_BUDGET; // the SDK's default queue budget for all streams
const QUEUED_FRAME_OVERHEAD = ABI.limits.QUEUED_FRAME_OVERHEAD; // charged per queued frame against both
const RETRIES_PER_CALL = ABI.limits.RETRIES_PER_CALL;

// Host statuses, and the SDK's own send statuses (docs/ABI.md, "Host status", "Stream lifecycle").
const {
  Ok: OK,
  UnknownStream: UNKNOWN_STREAM,
  StreamClosed: STREAM_CLOSED,
  WouldBlock: WOULD_BLOCK,
} = HostStatus;
const { Queued: QUEUED, QueueFull: QUEUE_FULL, NoMemory: NO_MEMORY } = SendStatus;
const {
  ProtocolViolation: PROTOCOL_VIOLATION,
  Unimplemented: UNIMPLEMENTED,
  NotFound: NOT_FOUND,
} = StreamErrorCode;
const inSdkRange = (status: number) =>
  status >>> 0 >= SDK_STATUS_RANGE.first && status >>> 0 <= SDK_STATUS_RANGE.last;
const statusName = (status: number) => {
  const name = nameOf(HostStatus, status);
  if (name !== String(status)) return name;
  return inSdkRange(status) ? `0x${status.toString(16)} (SDK range)` : `unnamed ${status >>> 0}`;
};

/**
 * A host status as the SDK acts on it ("Host refusals"): a value in the SDK's own range, 0x100 to 0x1FF,
 * would read as Queued, QueueFull or NoMemory, so the SDK reports it as Internal and treats it as one.
 */
const asReported = (status: number) => (inSdkRange(status) ? HostStatus.Internal : status);
/** The host says the stream no longer exists on its side. */
const gone = (status: number) => status === UNKNOWN_STREAM || status === STREAM_CLOSED;
/** The send was accepted: Ok (sent) or Queued (it will go out). */
const isSent = (status: number) => status === OK || status === QUEUED;
/** errorCodeFor: ResourceExhausted for QueueFull and NoMemory, PayloadTooLarge for the host's, else Internal. */
const errorCodeFor = (status: number) =>
  status === QUEUE_FULL || status === NO_MEMORY
    ? StreamErrorCode.ResourceExhausted
    : status === HostStatus.PayloadTooLarge
      ? StreamErrorCode.PayloadTooLarge
      : StreamErrorCode.Internal;

// The messages the handlers under test send: the echo's own, and the default onSendFailed's.
const ECHO_REFUSED = "echo refused";
const QUEUED_FRAME_REFUSED = "a queued frame was refused by the host";

/** An outbound call as the model expects it (`message` may be a matcher where the doc leaves it open). */
type Expected =
  | { kind: "Data"; streamId: string; payload: string; status: number }
  | { kind: "Close"; streamId: string; reason: number; status: number }
  | { kind: "Error"; streamId: string; code: number; message: unknown; status: number };
/** An outbound call before the host answers it. */
type Call = Expected extends infer E ? (E extends Expected ? Omit<E, "status"> : never) : never;
type EndFrame = { kind: "Close"; reason: number } | { kind: "Error"; code: number; message: unknown };

/** Where a call comes from: a send on the handler's stack, a drain after Credit, a retry at a call's end. */
type Origin = "direct" | "credit" | "retry";
const ORIGINS: Origin[] = ["direct", "credit", "retry"];

/** A stream in the dispatcher's table, as the model sees it. */
interface ModelStream {
  id: string;
  inputOpen: boolean; // until the caller closes it
  closed: boolean; // the module closed or errored it, or the stream ended: sends return StreamClosed
  credit: number; // Infinity when unlimited
  queue: string[]; // hex payloads waiting, in order
  queueCharge: number; // payloads + QUEUED_FRAME_OVERHEAD each
  end: EndFrame | null; // the Close or Error waiting behind the queue (or after WouldBlock)
  blocked: boolean; // the host answered WouldBlock; the head waits for a retry
  blockedAt: number; // the dispatcher call in which the current WouldBlock episode began
}

/**
 * What the host shim does on its side (host-shim/host.ts, `dispatch` and the imports): it follows each
 * stream from the frames it delivers, answers UnknownStream/StreamClosed for a stream it does not know
 * as open and WouldBlock for Data beyond the caller's credit, and otherwise answers with `respond` (here:
 * the next drawn answer, Ok once they run out). A Close or Error answered Ok ends the stream on its side,
 * and so does an injected UnknownStream or StreamClosed (the stream is gone); other refusals leave it open.
 */
class HostModel {
  private readonly records = new Map<string, { open: boolean; credit: number }>();
  private answers: readonly number[] = [];
  private next = 0;

  /** Applies a frame's effect before delivery; returns what to do with the dispatcher's result. */
  deliver(f: Uint8Array, answers: readonly number[]): (result: number) => void {
    this.answers = answers;
    this.next = 0;
    if (f.length < FRAME_HEADER_LEN) return () => {};
    const kind = f[0];
    const opens = kind === K.Open;
    const ends = kind === K.Error || kind === K.Cancel;
    const credits = kind === K.Credit && f.length >= MIN_LEN[K.Credit];
    if (!opens && !ends && !credits) return () => {};
    const key = toHex(f.subarray(1, FRAME_HEADER_LEN));
    const record = this.records.get(key);
    const saved = record && { ...record };
    const wasOpen = record?.open === true;
    if (opens && !wasOpen) {
      const credit = f.length >= OPEN_CREDIT_OFFSET + 4 ? u32At(f, OPEN_CREDIT_OFFSET) : UNLIMITED_CREDIT;
      this.records.set(key, { open: true, credit: credit === UNLIMITED_CREDIT ? Infinity : credit });
    }
    if (ends && record && wasOpen) record.open = false;
    if (credits && record && wasOpen) record.credit += u32At(f, CREDIT_OFFSET);
    return (result) => {
      const undo = opens ? result !== 0 && !wasOpen : ends ? result === PROTOCOL_VIOLATION : result !== 0;
      if (!undo) return;
      if (saved === undefined) this.records.delete(key);
      else this.records.set(key, saved);
    };
  }

  /**
   * The status of one outbound call. A call the shim refuses for its stream id (UnknownStream,
   * StreamClosed) is recorded with an empty `streamId`, so the call's id is cleared too.
   */
  answer(call: Expected): number {
    const record = this.records.get(call.streamId);
    if (!record || !record.open) call.streamId = "";
    if (!record) return UNKNOWN_STREAM;
    if (!record.open) return STREAM_CLOSED;
    const len = call.kind === "Data" ? call.payload.length / 2 : 0;
    if (len > record.credit) return WOULD_BLOCK;
    const status = this.answers[this.next++] ?? OK;
    if (status === OK) {
      if (call.kind === "Data") record.credit -= len;
      else record.open = false;
    }
    if (gone(status)) record.open = false;
    return status;
  }
}

const u32At = (f: Uint8Array, at: number) =>
  new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(at, true);
const u16At = (f: Uint8Array, at: number) =>
  new DataView(f.buffer, f.byteOffset, f.byteLength).getUint16(at, true);

/** The host's answers to the calls the model predicted (and the module then made), by origin; notable paths. */
type Tally = Record<Origin, Map<number, number>> & { events: Map<string, number> };
const newTally = (): Tally => ({ direct: new Map(), credit: new Map(), retry: new Map(), events: new Map() });

/**
 * The echo under test. `failsOnRefusal`: stream_echo fails the stream with `errorCodeFor(status)` when
 * a send is not accepted; the bounded echo ignores the status.
 */
class EchoModel {
  private readonly table = new Map<string, ModelStream>();
  private readonly host = new HostModel();
  private blockedList: ModelStream[] = []; // oldest first
  private queuedTotal = 0;
  private call = 0; // dispatcher calls so far
  private sent: Expected[] = [];

  constructor(
    private readonly maxLive: number,
    private readonly failsOnRefusal: boolean,
    private readonly tally: Tally,
  ) {}

  step(f: Uint8Array, answers: readonly number[]): { result: number; sent: Expected[] } {
    this.sent = [];
    this.call++;
    const settle = this.host.deliver(f, answers);
    const result = this.dispatch(f);
    // "Dispatcher results": a frame that fails checks 1 to 6 runs no code and sends nothing, retries included.
    if (wellFormed(f)) this.retryBlocked();
    settle(result);
    return { result, sent: this.sent };
  }

  private dispatch(f: Uint8Array): number {
    if (f.length < FRAME_HEADER_LEN) return PROTOCOL_VIOLATION;
    const kind = f[0];
    if (kind > K.Credit) return UNIMPLEMENTED;
    if (f.length < MIN_LEN[kind]) return PROTOCOL_VIOLATION;
    const id = toHex(f.subarray(1, FRAME_HEADER_LEN));
    const s = this.table.get(id);
    switch (kind) {
      case K.Open: {
        const contextLenAt = OPEN_METHOD_OFFSET + u16At(f, OPEN_METHOD_LEN_OFFSET);
        const contextAt = contextLenAt + OPEN_CONTEXT_LEN_SIZE;
        if (contextAt > f.length) return PROTOCOL_VIOLATION;
        if (contextAt + u32At(f, contextLenAt) > f.length) return PROTOCOL_VIOLATION;
        if (f[OPEN_INTERACTION_OFFSET] !== InteractionKind.ServerStream) return UNIMPLEMENTED;
        if (s) return PROTOCOL_VIOLATION;
        if (this.table.size >= this.maxLive) return StreamErrorCode.ResourceExhausted;
        const credit = u32At(f, OPEN_CREDIT_OFFSET);
        this.table.set(id, {
          id,
          inputOpen: true,
          closed: false,
          credit: credit === UNLIMITED_CREDIT ? Infinity : credit,
          queue: [],
          queueCharge: 0,
          end: null,
          blocked: false,
          blockedAt: 0,
        });
        return 0;
      }
      case K.Data: {
        // Data: the echo sends the payload back
        if (!s || !s.inputOpen || s.closed) return NOT_FOUND;
        const status = this.sendData(s, toHex(f.subarray(FRAME_HEADER_LEN)));
        if (this.failsOnRefusal && !isSent(status)) {
          this.endStream(s, { kind: "Error", code: errorCodeFor(status), message: ECHO_REFUSED });
        }
        return 0;
      }
      case K.Error: // Error: queued output is dropped and the stream finishes
      case K.Cancel: // Cancel: the same, but not in the table is no error
        if (!s) return kind === K.Error ? NOT_FOUND : 0;
        this.finish(s);
        return 0;
      case K.Close: // Close: the default onClose closes with Normal
        if (s && s.inputOpen && !s.closed) {
          s.inputOpen = false;
          this.endStream(s, { kind: "Close", reason: CloseReason.Normal });
        }
        return 0;
      default: // Credit: credit is added and queued frames go out
        if (!s) return 0;
        s.credit += u32At(f, CREDIT_OFFSET);
        this.drain(s, "credit");
        return 0;
    }
  }

  /** One call to the host: the host model answers it; returns the status as the SDK acts on it. */
  private hostCall(call: Call, origin: Origin): number {
    const expected = { ...call, status: 0 } as Expected;
    expected.status = this.host.answer(expected);
    this.sent.push(expected);
    const counts = this.tally[origin];
    counts.set(expected.status, (counts.get(expected.status) ?? 0) + 1);
    return asReported(expected.status);
  }

  /** sendData: at once if nothing is queued and the credit covers it, else queued. */
  private sendData(s: ModelStream, payload: string): number {
    if (s.closed) return STREAM_CLOSED;
    const len = payload.length / 2;
    if (s.queue.length > 0 || s.credit < len) return this.enqueue(s, payload);
    const status = this.hostCall({ kind: "Data", streamId: s.id, payload }, "direct");
    if (status === OK) {
      s.credit -= len;
      return OK;
    }
    if (status === WOULD_BLOCK) {
      this.block(s);
      return this.enqueue(s, payload);
    }
    if (gone(status)) this.finish(s);
    return status; // any other: returned to the handler, the stream stays as it was
  }

  private enqueue(s: ModelStream, payload: string): number {
    const charge = payload.length / 2 + QUEUED_FRAME_OVERHEAD;
    if (s.queueCharge + charge > QUEUE_LIMIT || this.queuedTotal + charge > QUEUE_BUDGET) return QUEUE_FULL;
    s.queue.push(payload);
    s.queueCharge += charge;
    this.queuedTotal += charge;
    return QUEUED;
  }

  /** close/error from the handler: at once on an empty queue, else behind it. */
  private endStream(s: ModelStream, end: EndFrame): number {
    if (s.closed) return STREAM_CLOSED;
    s.closed = true;
    if (s.queue.length > 0) {
      s.end = end;
      return QUEUED;
    }
    return this.sendEnd(s, end, "direct");
  }

  /** Sends the stream's Close or Error. WouldBlock keeps it waiting; anything else finishes the stream. */
  private sendEnd(s: ModelStream, end: EndFrame, origin: Origin): number {
    const status = this.hostCall({ ...end, streamId: s.id }, origin);
    if (status === WOULD_BLOCK) {
      s.end = end;
      this.block(s);
      return QUEUED;
    }
    s.end = null;
    this.finish(s);
    return status;
  }

  /**
   * Queued frames go out in order while the credit covers them, then the waiting Close or Error; each
   * host answer as in the "drained from the queue" column of "Host refusals".
   */
  private drain(s: ModelStream, origin: Origin): void {
    while (s.queue.length > 0) {
      const payload = s.queue[0];
      const len = payload.length / 2;
      if (s.credit < len) {
        this.unblock(s); // waiting for credit, not for the host
        return;
      }
      const status = this.hostCall({ kind: "Data", streamId: s.id, payload }, origin);
      if (status === OK) {
        s.credit -= len;
        this.unqueue(s, 1);
        continue;
      }
      if (status === WOULD_BLOCK) {
        this.block(s); // the frame stays at the head
        return;
      }
      if (gone(status)) {
        this.finish(s);
        this.onSendFailed(s, status);
        return;
      }
      // That frame and everything queued after it are dropped.
      this.unqueue(s, s.queue.length);
      this.unblock(s);
      if (s.end) {
        // The module had ended the stream: that end becomes Error(errorCodeFor(status)). The doc does
        // not say which message it carries.
        this.note(`queued ${s.end.kind} became Error`);
        s.end = null;
        this.sendEnd(s, { kind: "Error", code: errorCodeFor(status), message: expect.any(String) }, origin);
      } else {
        this.onSendFailed(s, status);
      }
      return;
    }
    if (s.end) {
      this.note(`queued ${s.end.kind} sent after the queue`);
      const status = this.sendEnd(s, s.end, origin);
      if (status !== QUEUED && status !== OK) this.onSendFailed(s, status);
    } else {
      this.unblock(s);
    }
  }

  private note(event: string): void {
    this.tally.events.set(event, (this.tally.events.get(event) ?? 0) + 1);
  }

  /** The handlers' default onSendFailed: fail the stream (a no-op once it is closed). */
  private onSendFailed(s: ModelStream, status: number): void {
    this.endStream(s, { kind: "Error", code: errorCodeFor(status), message: QUEUED_FRAME_REFUSED });
  }

  /** At the end of a call, blocked streams from earlier calls are retried, oldest first, 16 at most. */
  private retryBlocked(): void {
    const due = this.blockedList.filter((s) => s.blockedAt < this.call).slice(0, RETRIES_PER_CALL);
    for (const s of due) if (s.blocked) this.retry(s);
  }

  private retry(s: ModelStream): void {
    this.drain(s, "retry");
    if (s.blocked) {
      // Still blocked: it goes behind the others (the doc says only "oldest first"; see the report).
      this.blockedList.splice(this.blockedList.indexOf(s), 1);
      this.blockedList.push(s);
    }
  }

  private block(s: ModelStream): void {
    if (s.blocked) return;
    s.blocked = true;
    s.blockedAt = this.call;
    this.blockedList.push(s);
  }

  private unblock(s: ModelStream): void {
    if (!s.blocked) return;
    s.blocked = false;
    this.blockedList.splice(this.blockedList.indexOf(s), 1);
  }

  private unqueue(s: ModelStream, count: number): void {
    for (const payload of s.queue.splice(0, count)) {
      const charge = payload.length / 2 + QUEUED_FRAME_OVERHEAD;
      s.queueCharge -= charge;
      this.queuedTotal -= charge;
    }
  }

  /** The stream is finished: its queue and waiting end are dropped and it leaves the table. */
  private finish(s: ModelStream): void {
    s.closed = true;
    this.unqueue(s, s.queue.length);
    s.end = null;
    this.unblock(s);
    this.table.delete(s.id);
  }
}

// ---- the ledger: the promise of "Host refusals", checked on the observed calls alone ----

/** One stream from its accepted Open to its end, as the caller and the host saw it. */
interface Instance {
  accepted: string[]; // payloads of the Data frames the dispatcher accepted (result 0), in order
  told: boolean[]; // the handler's own send of that payload was refused (the status was returned to it)
  next: number; // index of the first accepted payload not yet gone out (told ones are skipped)
  end: null | "close" | "error" | "gone" | "caller";
  errorSent: boolean; // the module sent an Error on it (whatever the answer)
}

/**
 * Every payload the dispatcher accepted goes out whole, once and in order (Ok answers only count), unless
 * the stream ends with the module's Error, the host said the stream is gone, or the caller ended it.
 * A payload whose send from the handler was refused (the status was returned to the handler) is the
 * handler's to deal with: stream_echo fails the stream (so it must end with an Error); the bounded echo
 * ignores it, and the ledger lets it. Nothing is sent on a stream after its end.
 */
class Ledger {
  private readonly live = new Map<string, Instance>();
  constructor(private readonly handlerFailsStream: boolean) {}

  observe(f: Uint8Array, result: number, calls: readonly OutboundCall[], framePtr: number): void {
    if (f.length >= FRAME_HEADER_LEN) {
      const kind = f[0];
      const id = toHex(f.subarray(1, FRAME_HEADER_LEN));
      const instance = this.live.get(id);
      if (kind === K.Open && result === 0) {
        // The id was free again, so its earlier stream must have ended in a way the calls showed.
        if (instance && !instance.end) throw new Error(`ledger: ${id} left the table without its end`);
        if (instance) this.retire(id, instance);
        this.live.set(id, { accepted: [], told: [], next: 0, end: null, errorSent: false });
      } else if (kind === K.Data && result === 0) {
        if (!instance || instance.end) throw new Error(`ledger: Data accepted on ${id}, which is not live`);
        instance.accepted.push(toHex(f.subarray(FRAME_HEADER_LEN)));
        instance.told.push(false);
      } else if ((kind === K.Error || kind === K.Cancel) && result === 0 && instance && !instance.end) {
        instance.end = "caller"; // queued output is dropped
      }
    }
    for (const call of calls) this.call(call, f, framePtr);
  }

  /** At the end of a sequence: a payload refused to stream_echo's handler means its stream failed. */
  finishAll(): void {
    for (const [id, instance] of this.live) this.retire(id, instance);
  }

  private retire(id: string, instance: Instance): void {
    if (
      this.handlerFailsStream &&
      instance.told.includes(true) &&
      !instance.errorSent &&
      instance.end !== "gone" &&
      instance.end !== "caller"
    ) {
      throw new Error(`ledger: a payload refused on ${id} was dropped, and the stream did not fail`);
    }
  }

  private call(call: OutboundCall, f: Uint8Array, framePtr: number): void {
    // The shim records no id for a call it refuses for its id. Only a retry during a frame on the same
    // stream can meet that here: one whose Cancel or Error the module found malformed (the shim takes
    // the stream for ended until the call returns).
    const id = call.streamId || toHex(f.subarray(1, FRAME_HEADER_LEN));
    const instance = this.live.get(id);
    if (!instance || instance.end) throw new Error(`ledger: ${call.kind} sent on ${id} after its end`);
    const status = call.status >>> 0;
    if (call.kind === "Data") {
      const payload = toHex(call.payload);
      const direct = f[0] === K.Data && call.payloadPtr >= framePtr && call.payloadPtr <= framePtr + f.length;
      if (status === OK) {
        while (instance.next < instance.accepted.length && instance.told[instance.next]) instance.next++;
        if (instance.accepted[instance.next] !== payload) {
          throw new Error(
            `ledger: ${id} sent ${payload || "an empty payload"} where the next accepted payload is ` +
              `${instance.accepted[instance.next] ?? "none"}`,
          );
        }
        instance.next++;
      } else if (status !== WOULD_BLOCK && direct) {
        // The handler's own send of this frame's payload: the status was returned to the handler.
        const last = instance.accepted.length - 1;
        if (instance.accepted[last] !== payload)
          throw new Error(`ledger: ${id} sent a payload it was not given`);
        instance.told[last] = true;
      }
    }
    if (call.kind === "Error") instance.errorSent = true;
    if (gone(status)) instance.end = "gone";
    else if (call.kind !== "Data" && status !== WOULD_BLOCK) {
      instance.end = call.kind === "Close" ? "close" : "error";
      if (call.kind === "Close") {
        const missing = instance.accepted.filter(
          (_, i) => i >= instance.next && (!instance.told[i] || this.handlerFailsStream),
        );
        if (missing.length > 0) {
          throw new Error(`ledger: ${id} closed with ${missing.length} accepted payload(s) never sent`);
        }
      }
    }
  }
}

// ---- frame generators ----

const ids = [0, 1, 2, 3, 4].map((n) => streamIdOf(n));
const id = fc.oneof(
  { arbitrary: fc.constantFrom(...ids), weight: 9 },
  { arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }), weight: 1 },
);
const small = fc.uint8Array({ maxLength: 24 });
const payload = fc.oneof(
  { arbitrary: small, weight: 20 },
  { arbitrary: fc.uint8Array({ maxLength: 4096 }), weight: 1 },
);
const byte = fc.integer({ min: 0, max: 255 });
const u32 = fc.nat({ max: 0xffffffff });
/** Credit amounts: often small enough to make the echo queue, sometimes unlimited or huge. */
const creditAmount = fc.oneof(
  { arbitrary: fc.nat({ max: 32 }), weight: 4 },
  { arbitrary: fc.nat({ max: 512 }), weight: 2 },
  { arbitrary: fc.constant(0xffffffff), weight: 2 },
  { arbitrary: u32, weight: 1 },
);

const validFrame = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        id,
        fc.oneof({ arbitrary: fc.constant(2), weight: 9 }, { arbitrary: byte, weight: 1 }),
        creditAmount,
        small,
        small,
        small,
      )
      .map(([i, interaction, credit, method, context, body]) =>
        encodeOpen(i, { interaction, initialCredit: credit, method, context, payload: body }),
      ),
  },
  { weight: 16, arbitrary: fc.tuple(id, payload).map(([i, p]) => encodeData(i, p)) },
  {
    weight: 1,
    arbitrary: fc.tuple(id, u32, small).map(([i, code, message]) => encodeError(i, code, message)),
  },
  { weight: 1, arbitrary: fc.tuple(id, byte).map(([i, reason]) => encodeClose(i, reason)) },
  { weight: 1, arbitrary: fc.tuple(id, byte).map(([i, reason]) => encodeCancel(i, reason)) },
  { weight: 8, arbitrary: fc.tuple(id, creditAmount).map(([i, credit]) => encodeCredit(i, credit)) },
);

/** A valid frame with one mutation: a byte flipped, a truncation, another kind, trailing garbage. */
const mutatedFrame = fc
  .tuple(validFrame, fc.integer({ min: 0, max: 3 }), fc.nat(), byte, small)
  .map(([f, mutation, at, value, extra]) => {
    const copy = f.slice();
    if (mutation === 0) copy[at % copy.length] = value;
    if (mutation === 1) return copy.slice(0, at % (copy.length + 1));
    if (mutation === 2) copy[0] = value;
    if (mutation === 3) return new Uint8Array([...copy, ...extra]);
    return copy;
  });

const frame = fc.oneof(
  { arbitrary: validFrame, weight: 7 },
  { arbitrary: mutatedFrame, weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 1 },
);

/**
 * The host's answers to the outbound calls a frame causes, in order (Ok once they run out): mostly Ok,
 * sometimes WouldBlock, sometimes a refusal: a named one; a value the ABI does not name (7, 77, 0x200,
 * and 0xFFFFFFFF, -1 as an i32); or a value in the SDK's own range 0x100 to 0x1FF (0x100 to 0x102 are
 * the values of Queued, QueueFull and NoMemory), which docs/ABI.md says the SDK reports as Internal
 * and treats as one (a direct Data answered 0x100 must not read as Queued). A Data frame's own send is
 * refused less often, so that streams live on and queue; the calls of other frames (drains after
 * Credit, retries at the end of a call, the handler's Close) more often.
 */
const SDK_RANGE_SAMPLES = [0x100, 0x101, 0x102, SDK_STATUS_RANGE.last];
const refusal = fc.oneof(
  { arbitrary: fc.constantFrom(1, 2, 3, 4, 6, 10), weight: 6 },
  { arbitrary: fc.constantFrom(7, 77, 0x200, 0xffffffff), weight: 2 },
  {
    arbitrary: fc.oneof(
      fc.constantFrom(...SDK_RANGE_SAMPLES),
      fc.integer({ min: SDK_STATUS_RANGE.first, max: SDK_STATUS_RANGE.last }),
    ),
    weight: 2,
  },
);
const answers = (ok: number, wouldBlock: number, refused: number) =>
  fc.array(
    fc.oneof(
      { arbitrary: fc.constant(OK), weight: ok },
      { arbitrary: fc.constant(WOULD_BLOCK), weight: wouldBlock },
      { arbitrary: refusal, weight: refused },
    ),
    { maxLength: 3 },
  );
type Step = [Uint8Array, number[]];
const single = fc
  .tuple(frame, answers(90, 6, 4), answers(50, 20, 30))
  .map(([f, calm, stormy]): Step[] => [[f, f[0] === K.Data ? calm : stormy]]);
/**
 * A burst on one stream: a few Data frames (queued when the credit is short), often the caller's Close
 * (the echo's Close then waits behind them), then a Credit frame whose drain meets the host's answers.
 */
const burst = fc
  .tuple(
    fc.constantFrom(...ids),
    fc.array(payload, { minLength: 1, maxLength: 4 }),
    fc.boolean(),
    creditAmount,
  )
  .chain(([i, payloads, close, credit]) =>
    fc
      .tuple(
        fc.array(answers(90, 6, 4), { minLength: payloads.length, maxLength: payloads.length }),
        answers(40, 20, 40),
      )
      .map(([dataAnswers, drainAnswers]): Step[] => [
        ...payloads.map((p, n): Step => [encodeData(i, p), dataAnswers[n]]),
        ...(close ? [[encodeClose(i, CloseReason.Normal), []] as Step] : []),
        [encodeCredit(i, credit), drainAnswers],
      ]),
  );
const step = fc.oneof({ arbitrary: single, weight: 18 }, { arbitrary: burst, weight: 2 });

/** A run starts by opening the usual streams (each may shrink away), so that Data finds them from the start. */
const opening = fc
  .tuple(...ids.map(() => fc.option(creditAmount, { freq: 20, nil: null })))
  .map((credits) =>
    credits.flatMap((credit, n): Step[] =>
      credit === null ? [] : [[encodeOpen(ids[n], { initialCredit: credit }), []]],
    ),
  );

// size "max": without it fast-check keeps arrays to about ten frames, and streams rarely live long.
const sequence = fc
  .tuple(opening, fc.array(step, { minLength: 1, maxLength: FRAMES_PER_RUN * 2, size: "max" }))
  .map(([opens, steps]) => [...opens, ...steps.flat()]); // shrinks to 1 step

// ---- the property ----

/** A frame and its host answers, readable in a failure report. */
function describeStep(f: Uint8Array, answers: readonly number[]): string {
  const replies = answers.length ? ` host answers [${answers.map(statusName).join(", ")}]` : "";
  const raw = ` (${toHex(f)})`;
  if (f.length < FRAME_HEADER_LEN) return `${f.length}-byte frame${raw}${replies}`;
  const kind = nameOf(K, f[0]);
  const who = `${kind === String(f[0]) ? `kind ${kind}` : kind} ${toHex(f.subarray(1, FRAME_HEADER_LEN))}`;
  if (f[0] === K.Open && f.length >= OPEN_CREDIT_OFFSET + 4) {
    return `${who} credit ${u32At(f, OPEN_CREDIT_OFFSET)}${raw}${replies}`;
  }
  if (f[0] === K.Data) return `${who} ${f.length - FRAME_HEADER_LEN} bytes${raw}${replies}`;
  if (f[0] === K.Credit && f.length >= MIN_LEN[K.Credit]) {
    return `${who} +${u32At(f, CREDIT_OFFSET)}${raw}${replies}`;
  }
  return `${who}${raw}${replies}`;
}

/** An outbound call, readable in a failure report. */
function describeCall(c: Record<string, unknown>): string {
  const what =
    c.kind === "Data"
      ? `${(c.payload as string).length / 2} bytes ${c.payload}`
      : c.kind === "Close"
        ? `reason ${c.reason}`
        : `code ${c.code}, ${typeof c.message === "string" ? JSON.stringify(c.message) : "any message"}`;
  return `${c.kind}(${(c.streamId as string).slice(0, 4)}…: ${what}) -> ${statusName(c.status as number)}`;
}

/** Runs the property until at least `frames` frames were delivered; returns how many were. */
async function fuzz(
  module: WebAssembly.Module,
  maxLive: number,
  failsOnRefusal: boolean,
  frames: number,
  tally: Tally,
): Promise<number> {
  let delivered = 0;
  let runs = 0;
  const property = fc.asyncProperty(sequence, async (seq) => {
    let answers: readonly number[] = [];
    let next = 0;
    const host = await IxtHost.load(module, { respond: () => answers[next++] ?? OK });
    // Answers are counted only for runs that pass, so shrinking a failure does not inflate them.
    const runTally = newTally();
    const model = new EchoModel(maxLive, failsOnRefusal, runTally);
    const ledger = new Ledger(failsOnRefusal);
    for (const [i, [f, stepAnswers]] of seq.entries()) {
      const expected = model.step(f, stepAnswers);
      answers = stepAnswers;
      next = 0;
      const result = host.dispatch(f); // throws GuestTrap on a trap
      const sent = host.sent.map((c) =>
        c.kind === "Data"
          ? { kind: "Data", streamId: c.streamId, payload: toHex(c.payload), status: c.status }
          : { ...c },
      );
      try {
        expect({ result, sent }).toEqual(expected);
        ledger.observe(f, result, host.sent, host.lastFramePtr);
      } catch (err) {
        const trace = seq.slice(0, i + 1).map(([g, a]) => describeStep(g, a));
        const outcome = (o: { result: number; sent: readonly Record<string, unknown>[] }) =>
          `result ${o.result}, calls [${o.sent.map(describeCall).join(", ")}]`;
        throw new Error(
          `after the frames\n  ${trace.join("\n  ")}\n` +
            `the model expected ${outcome(expected)}\nthe module made     ${outcome({ result, sent })}\n` +
            (err as Error).message,
        );
      }
      host.clearSent();
    }
    ledger.finishAll();
    expect(host.memory.buffer.byteLength).toBeLessThanOrEqual(MEMORY_BOUND);
    delivered += seq.length;
    runs++;
    for (const key of [...ORIGINS, "events"] as const) {
      const into = tally[key] as Map<number | string, number>;
      for (const [k, n] of runTally[key] as Map<number | string, number>) into.set(k, (into.get(k) ?? 0) + n);
    }
  });
  // fast-check favours short sequences: keep going until the frame count is really reached, guessing
  // the runs still needed from the frames per run so far.
  // Each round has a seed of its own, derived from the run's (tests/property-seed.ts), so the rounds
  // draw different frames and the whole run is the same on every CI run.
  for (let round = 0; delivered < frames; round++) {
    const runsLeft = runs > 0 ? (frames - delivered) / (delivered / runs) : frames / FRAMES_PER_RUN / 2;
    await fc.assert(property, {
      numRuns: Math.ceil(runsLeft),
      seed: (PROPERTY_SEED + round * 0x9e3779b9) | 0,
    });
  }
  return delivered;
}

/** What the run exercised: outbound calls by origin and host answer, and a few notable paths. */
function report(frames: number, tally: Tally): string {
  const labels: Record<Origin, string> = {
    direct: "sent directly   ",
    credit: "drained (Credit)",
    retry: "drained (retry) ",
  };
  let calls = 0;
  const lines: string[] = [];
  for (const origin of ORIGINS) {
    // The SDK's range is one entry beside its samples (0x100 to 0x102, 0x1FF), or the line would list 256.
    const labelled = new Map<string, number>();
    for (const [s, n] of [...tally[origin]].sort(([a], [b]) => (a >>> 0) - (b >>> 0))) {
      const label = inSdkRange(s) && !SDK_RANGE_SAMPLES.includes(s) ? "other 0x1XX" : statusName(s);
      labelled.set(label, (labelled.get(label) ?? 0) + n);
      calls += n;
    }
    lines.push(`  ${labels[origin]} ${[...labelled].map(([l, n]) => `${l} ${n}`).join(", ") || "none"}`);
  }
  const events = [...tally.events].sort().map(([e, n]) => `${e} ${n}`);
  return [
    `fuzz: ${frames} frames, ${calls} outbound calls; host answers by origin:`,
    ...lines,
    `  paths: ${events.join(", ") || "none"}`,
  ].join("\n");
}

describe("fuzz: random and mutated frame sequences", () => {
  let echo: WebAssembly.Module;
  let bounded: WebAssembly.Module;
  beforeAll(async () => {
    const echoPath = BUILD ? `${BUILD}/stream_echo.wasm` : example("stream_echo");
    const boundedPath = BUILD ? `${BUILD}/fixtures/bounded_echo.wasm` : fixture("bounded_echo");
    echo = await WebAssembly.compile(await readFile(echoPath));
    bounded = await WebAssembly.compile(await readFile(boundedPath));
  });

  it(`stream_echo and a bounded echo follow the model over ${TOTAL_FRAMES} frames, host refusals included`, async () => {
    const tally = newTally();
    const echoFrames = await fuzz(echo, 1024, true, TOTAL_FRAMES * 0.9, tally);
    // A bound of 3 makes ResourceExhausted frequent.
    const boundedFrames = await fuzz(bounded, 3, false, TOTAL_FRAMES * 0.1, tally);
    console.log(report(echoFrames + boundedFrames, tally));
    expect(echoFrames + boundedFrames).toBeGreaterThanOrEqual(TOTAL_FRAMES);
    if (TOTAL_FRAMES >= 100_000) {
      // Every refusal, sent directly and drained (after Credit or in a retry), was exercised: each named
      // status, unnamed ones, and the SDK's own range (0x100, Queued's value, and the range as a whole).
      const count = (counts: Map<number, number>, match: (status: number) => boolean) =>
        [...counts].reduce((sum, [status, n]) => sum + (match(status) ? n : 0), 0);
      const kinds: [string, (status: number) => boolean][] = [
        ...[1, 2, 3, 4, 5, 6, 10, 77, 0xffffffff, 0x100].map((s): [string, (status: number) => boolean] => [
          statusName(s),
          (status) => status >>> 0 === s,
        ]),
        ["0x101 to 0x1FF", (status) => inSdkRange(status) && status !== 0x100],
      ];
      for (const [name, match] of kinds) {
        expect(count(tally.direct, match), `direct ${name}`).toBeGreaterThan(0);
        expect(count(tally.credit, match) + count(tally.retry, match), `drained ${name}`).toBeGreaterThan(0);
      }
    }
  });
});
