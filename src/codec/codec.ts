/**
 * The codec as one object: how packets and states become bytes under one
 * cluster label and one set of decode limits, together with the sizes the
 * core packs by. Hosts hand `format` to the core, so whatever an encoder adds
 * to each packet (a seal's nonce and tag, later) is in the core's packet
 * budget because it comes from the same object.
 */
import type { Message, StateMessage, SyncRequest } from '../core/messages.js';
import type { WireFormat } from '../core/wire-format.js';
import { DIGEST_BYTES_MAX, decodeDigest, encodeDigest, isDigestFrame } from './digest-codec.js';
import { drop } from './drop.js';
import { checkHeader, FLAG_DEFLATED } from './envelope.js';
import { decodePacket, encodePacket } from './message-codec.js';
import { checkStateHead, encodeState, STATE_HEAD_BYTES, StateDecoder, StateEncoder } from './state-codec.js';
import { deflateEnvelope, inflateEnvelope } from './state-deflate.js';
import type {
  DecodeDrop,
  DecodeLimits,
  PacketDecodeResult,
  StateDecodeLimits,
  StateDecodeResult,
  StateDecoding,
  StateEncoding,
  SyncDecodeResult,
  SyncRequestDecoding,
} from './types.js';
import { msgpackWireFormat } from './wire-format.js';

/** What a host needs from a codec. */
export interface PacketCodec {
  /** The sizes to pack by; they describe exactly what encodePacket writes. */
  readonly format: WireFormat;
  encodePacket(messages: readonly Message[]): Uint8Array;
  /** Never throws: every failure is a typed drop. */
  decodePacket(bytes: Uint8Array): PacketDecodeResult;
  /** A state (deflated when that is smaller) or a digest, as one state frame. */
  encodeState(state: SyncRequest): Uint8Array;
  /** A state answering a sync; a digest is refused. Never throws: every failure is a typed drop. */
  decodeState(bytes: Uint8Array): StateDecodeResult;
  /** What opens a sync, a state or a digest; optional (without it a host reads states only). Never throws. */
  decodeSyncRequest?(bytes: Uint8Array): SyncDecodeResult;
  /** The same decode in steps (see startStateDecode); optional. */
  startSyncRequestDecode?(bytes: Uint8Array): SyncRequestDecoding | DecodeDrop;
  /** The same encode in steps (see startStateDecode); optional. */
  startStateEncode?(state: StateMessage): StateEncoding;
  /**
   * The same decode in steps, so a host can let other work run between them
   * on a large state; a drop when the head of `bytes` already refuses it.
   * Optional: without it a host decodes the state in one call.
   */
  startStateDecode?(bytes: Uint8Array): StateDecoding | DecodeDrop;
  /**
   * Checks a state from its first `stateHeadBytes` bytes and its declared
   * size, before the rest is read: a drop when no valid state starts so.
   * Optional: without it a host reads every state whole.
   */
  checkStateHead?(prefix: Uint8Array, totalBytes: number): DecodeDrop | undefined;
  /** How many first bytes checkStateHead needs (all of a shorter state). */
  readonly stateHeadBytes?: number;
}

export interface MsgpackCodecOptions {
  /** The cluster label every packet carries and every decoded one must match. */
  readonly label: number;
  readonly packetLimits: DecodeLimits;
  readonly stateLimits: StateDecodeLimits;
}

/** Today's wire: the 8-byte envelope and a msgpack payload, unsealed. */
export class MsgpackCodec implements PacketCodec {
  readonly format = msgpackWireFormat;
  private readonly label: number;
  private readonly packetLimits: DecodeLimits;
  private readonly stateLimits: StateDecodeLimits;

  constructor(options: MsgpackCodecOptions) {
    this.label = options.label;
    this.packetLimits = options.packetLimits;
    this.stateLimits = options.stateLimits;
  }

  encodePacket(messages: readonly Message[]): Uint8Array {
    return encodePacket(messages, this.label);
  }

  decodePacket(bytes: Uint8Array): PacketDecodeResult {
    return decodePacket(bytes, this.label, this.packetLimits);
  }

  encodeState(state: SyncRequest): Uint8Array {
    // A digest is too small for deflate to gain anything.
    if (state.type === 'digest') return encodeDigest(state, this.label);
    return deflateEnvelope(encodeState(state, this.label));
  }

  decodeState(bytes: Uint8Array): StateDecodeResult {
    return finish(this.startStateDecode(bytes));
  }

  decodeSyncRequest(bytes: Uint8Array): SyncDecodeResult {
    return finish(this.startSyncRequestDecode(bytes));
  }

  startStateEncode(state: StateMessage): StateEncoding {
    const rows = new StateEncoder(state, this.label);
    return {
      next(rowsMax: number): Uint8Array | undefined {
        const plain = rows.next(rowsMax);
        return plain === undefined ? undefined : deflateEnvelope(plain);
      },
    };
  }

  startStateDecode(bytes: Uint8Array): StateDecoding | DecodeDrop {
    const plain = this.inflated(bytes);
    if (!(plain instanceof Uint8Array)) return plain;
    if (isDigestFrame(plain)) return drop('invalid-field', 'a digest where a state must be');
    return StateDecoder.start(plain, this.label, this.stateLimits);
  }

  startSyncRequestDecode(bytes: Uint8Array): SyncRequestDecoding | DecodeDrop {
    const plain = this.inflated(bytes);
    if (!(plain instanceof Uint8Array)) return plain;
    if (!isDigestFrame(plain)) return StateDecoder.start(plain, this.label, this.stateLimits);
    const decoded = decodeDigest(plain, this.label);
    if (!decoded.ok) return decoded;
    const result: SyncDecodeResult = { ok: true, state: decoded.digest };
    return { next: () => result };
  }

  readonly stateHeadBytes = STATE_HEAD_BYTES;

  checkStateHead(prefix: Uint8Array, totalBytes: number): DecodeDrop | undefined {
    const { label, stateLimits } = this;
    if (totalBytes > stateLimits.stateBytesMax) return drop('too-large');
    // A deflated head is unreadable until the whole frame is in; inflating it is bounded on its own.
    if (prefix[3] === FLAG_DEFLATED) {
      const rejected = checkHeader(prefix, label, Number.POSITIVE_INFINITY);
      return rejected === undefined ? undefined : drop(rejected);
    }
    if (isDigestFrame(prefix)) return totalBytes > DIGEST_BYTES_MAX ? drop('too-large', 'digest') : undefined;
    return checkStateHead(prefix, totalBytes, label, stateLimits);
  }

  /** The plain envelope of a state frame, inflated when it is deflated; header problems are left to the decoders. */
  private inflated(bytes: Uint8Array): Uint8Array | DecodeDrop {
    const { label, stateLimits } = this;
    if (checkHeader(bytes, label, stateLimits.stateBytesMax) !== undefined || bytes[3] !== FLAG_DEFLATED)
      return bytes;
    return inflateEnvelope(bytes, stateLimits.stateBytesMax);
  }
}

/** Runs a stepped decode to its end in one call. */
function finish<T>(decoding: { next(rowsMax: number): T | undefined } | DecodeDrop): T | DecodeDrop {
  if ('ok' in decoding) return decoding;
  let result: T | undefined;
  while (result === undefined) result = decoding.next(Number.POSITIVE_INFINITY);
  return result;
}
