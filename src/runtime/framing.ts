/**
 * Length-prefixed frames for the TCP stream: a 4-byte big-endian payload
 * length, a 1-byte kind, then the payload. The decoder checks the declared
 * length against a hard limit before buffering anything, so a remote can
 * never make this node allocate more than `frameBytesMax` per connection.
 */

/** What a frame carries. */
export const FrameKind = {
  /** A compound packet (codec encodePacket): a stream probe or its answer. */
  packet: 1,
  /** A full state (codec encodeState): a push-pull sync request or its answer. */
  state: 2,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER_BYTES = 5;

export interface Frame {
  readonly kind: FrameKind;
  readonly payload: Uint8Array;
}

export type FrameError = 'frame-too-large' | 'frame-kind';

/** A frame's header alone: written before a large payload, which then needs no copy. */
export function frameHeader(kind: FrameKind, payloadBytes: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(payloadBytes, 0);
  header.writeUInt8(kind, 4);
  return header;
}

/** One header + payload buffer, ready for socket.write. */
export function encodeFrame(kind: FrameKind, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt8(kind, 4);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

function isFrameKind(value: number): value is FrameKind {
  return value === FrameKind.packet || value === FrameKind.state;
}

/** Largest payload accepted per kind; -1 refuses the kind on this connection. */
export interface FrameLimits {
  readonly packet: number;
  readonly state: number;
}

/**
 * Incremental frame parser fed with arbitrary chunks. After an error it
 * refuses further input: the connection is to be dropped.
 */
export class FrameDecoder {
  private limits: FrameLimits;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: FrameError | undefined;

  /** A number applies to both kinds. */
  constructor(limits: number | FrameLimits) {
    this.limits = typeof limits === 'number' ? { packet: limits, state: limits } : limits;
  }

  /** Narrows what the rest of the stream may carry (once a connection's role is known). */
  restrict(limits: FrameLimits): void {
    this.limits = limits;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  get error(): FrameError | undefined {
    return this.failed;
  }

  /** Feeds a chunk; returns every frame it completes, or the error that ends the stream. */
  push(chunk: Uint8Array): { frames: Frame[]; error?: FrameError } {
    const frames: Frame[] = [];
    if (this.failed !== undefined) return { frames, error: this.failed };
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const header = this.peek(FRAME_HEADER_BYTES);
      const length = header.readUInt32BE(0);
      const kind = header.readUInt8(4);
      if (!isFrameKind(kind)) return this.fail('frame-kind', frames);
      const max = kind === FrameKind.packet ? this.limits.packet : this.limits.state;
      if (max < 0) return this.fail('frame-kind', frames);
      if (length > max) return this.fail('frame-too-large', frames);
      if (this.buffered < FRAME_HEADER_BYTES + length) break;
      const whole = this.take(FRAME_HEADER_BYTES + length);
      frames.push({ kind, payload: whole.subarray(FRAME_HEADER_BYTES) });
    }
    return { frames };
  }

  /**
   * The frame being received, when its header is in and its payload is not
   * complete: its kind, declared payload length and a copy of its first
   * `bytesMax` payload bytes (fewer when fewer have arrived).
   */
  pendingFrame(bytesMax: number): { kind: FrameKind; length: number; prefix: Buffer } | undefined {
    if (this.failed !== undefined || this.buffered < FRAME_HEADER_BYTES) return undefined;
    const header = this.peek(FRAME_HEADER_BYTES);
    const length = header.readUInt32BE(0);
    const kind = header.readUInt8(4) as FrameKind;
    const prefix = Buffer.allocUnsafe(Math.min(bytesMax, length, this.buffered - FRAME_HEADER_BYTES));
    let skip = FRAME_HEADER_BYTES;
    let written = 0;
    for (const chunk of this.chunks) {
      if (written === prefix.length) break;
      const start = Math.min(skip, chunk.length);
      skip -= start;
      written += chunk.copy(prefix, written, start, Math.min(chunk.length, start + prefix.length - written));
    }
    return { kind, length, prefix };
  }

  private fail(error: FrameError, frames: Frame[]): { frames: Frame[]; error: FrameError } {
    this.failed = error;
    this.chunks = [];
    this.buffered = 0;
    return { frames, error };
  }

  /** The first `n` buffered bytes, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first;
    this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] as Buffer;
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
