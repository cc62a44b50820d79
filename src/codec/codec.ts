/**
 * The codec as one object: how packets and states become bytes under one
 * cluster label and one set of decode limits, together with the sizes the
 * core packs by. Hosts hand `format` to the core, so whatever an encoder adds
 * to each packet (a seal's nonce and tag, later) is in the core's packet
 * budget because it comes from the same object.
 */
import type { Message, StateMessage } from '../core/messages.js';
import type { WireFormat } from '../core/wire-format.js';
import { decodePacket, encodePacket } from './message-codec.js';
import {
  checkStateHead,
  decodeState,
  encodeState,
  STATE_HEAD_BYTES,
  StateDecoder,
  StateEncoder,
} from './state-codec.js';
import type {
  DecodeDrop,
  DecodeLimits,
  PacketDecodeResult,
  StateDecodeLimits,
  StateDecodeResult,
  StateDecoding,
  StateEncoding,
} from './types.js';
import { msgpackWireFormat } from './wire-format.js';

/** What a host needs from a codec. */
export interface PacketCodec {
  /** The sizes to pack by; they describe exactly what encodePacket writes. */
  readonly format: WireFormat;
  encodePacket(messages: readonly Message[]): Uint8Array;
  /** Never throws: every failure is a typed drop. */
  decodePacket(bytes: Uint8Array): PacketDecodeResult;
  encodeState(state: StateMessage): Uint8Array;
  /** Never throws: every failure is a typed drop. */
  decodeState(bytes: Uint8Array): StateDecodeResult;
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

  encodeState(state: StateMessage): Uint8Array {
    return encodeState(state, this.label);
  }

  decodeState(bytes: Uint8Array): StateDecodeResult {
    return decodeState(bytes, this.label, this.stateLimits);
  }

  startStateEncode(state: StateMessage): StateEncoding {
    return new StateEncoder(state, this.label);
  }

  startStateDecode(bytes: Uint8Array): StateDecoding | DecodeDrop {
    return StateDecoder.start(bytes, this.label, this.stateLimits);
  }

  readonly stateHeadBytes = STATE_HEAD_BYTES;

  checkStateHead(prefix: Uint8Array, totalBytes: number): DecodeDrop | undefined {
    return checkStateHead(prefix, totalBytes, this.label, this.stateLimits);
  }
}
