// The safe sending surface for one stream, over the raw imports in imports.ts.

import { CloseReason, HostStatus, StreamErrorCode } from "./enums";
import { copyBytes } from "./frame";
import { stream_send_close, stream_send_data, stream_send_error } from "./imports";
import { STREAM_ID_LEN } from "./layout";

/**
 * Sends frames on one stream. Every method returns the host's `HostStatus`.
 *
 * The stream id is copied into this object when the stream opens, so a sender stays valid after the
 * frame that opened it is gone, and a handler may send on any live stream it holds, not only the one
 * being dispatched. Once the module has closed or errored the stream, or the caller has cancelled or
 * errored it, every send returns `StreamClosed` without calling the host.
 */
export class StreamSender {
  // The id's 16 bytes, in wire order. The host reads them straight from this object (`idPtr`).
  /** First 8 bytes of the stream id, as a little-endian u64. */
  readonly idLo: u64;
  /** Last 8 bytes of the stream id, as a little-endian u64. */
  readonly idHi: u64;
  /** True once nothing more may be sent: see the class comment. */
  protected sendClosed: bool = false;

  /** A sender for the stream whose 16-byte id is at `idPtr` (the id is copied). */
  constructor(idPtr: usize) {
    this.idLo = load<u64>(idPtr);
    this.idHi = load<u64>(idPtr, 8);
  }

  /** Address of this stream's 16-byte id, inside this object. */
  @inline get idPtr(): usize {
    return changetype<usize>(this) + offsetof<StreamSender>("idLo");
  }

  /** Copies the 16-byte stream id. */
  streamIdBytes(): Uint8Array {
    return copyBytes(this.idPtr, STREAM_ID_LEN);
  }

  /** True once sends return `StreamClosed` without reaching the host. */
  get isClosed(): bool {
    return this.sendClosed;
  }

  /**
   * Sends one Data frame with the `len` bytes at `ptr`. Nothing is copied: the host reads the bytes
   * during the call, so `ptr` may point into the inbound frame (zero-copy echo).
   *
   * `endOfMessage` is advisory: the ABI has no end-of-message field and every Data frame is one
   * message (docs/ABI.md), as in the Rust crate. It is accepted so code ports unchanged.
   */
  sendData(ptr: usize, len: usize, endOfMessage: bool = true): HostStatus {
    if (this.sendClosed) return HostStatus.StreamClosed;
    return stream_send_data(this.idPtr, STREAM_ID_LEN, ptr, len);
  }

  /** Sends the bytes of `bytes` as one Data frame. */
  sendBytes(bytes: Uint8Array, endOfMessage: bool = true): HostStatus {
    return this.sendData(bytes.dataStart, <usize>bytes.byteLength, endOfMessage);
  }

  /** Sends `text`, encoded as UTF-8, as one Data frame (allocates the encoded copy). */
  sendText(text: string, endOfMessage: bool = true): HostStatus {
    const utf8 = String.UTF8.encode(text);
    return this.sendData(changetype<usize>(utf8), <usize>utf8.byteLength, endOfMessage);
  }

  /** Closes the stream. Afterwards every send returns `StreamClosed`, whatever the host answered. */
  close(reason: CloseReason = CloseReason.Normal): HostStatus {
    if (this.sendClosed) return HostStatus.StreamClosed;
    const status = stream_send_close(this.idPtr, STREAM_ID_LEN, reason);
    this.end();
    return status;
  }

  /** Fails the stream with `code` and a UTF-8 `message`. Afterwards every send returns `StreamClosed`. */
  error(code: StreamErrorCode, message: string = ""): HostStatus {
    if (this.sendClosed) return HostStatus.StreamClosed;
    const utf8 = String.UTF8.encode(message);
    const status = stream_send_error(
      this.idPtr,
      STREAM_ID_LEN,
      code,
      changetype<usize>(utf8),
      <usize>utf8.byteLength,
    );
    this.end();
    return status;
  }

  /** Closes the stream for sending. A live stream also leaves the dispatcher's table (streams.ts). */
  protected end(): void {
    this.sendClosed = true;
  }
}
