/**
 * How simulated packets and states become bytes. The default is the real
 * codec, so byte counts and packet sizes are the ones a deployment sees and
 * every message the core produces is validated exactly as the runtime would.
 */
import { clusterLabel, MsgpackCodec } from '../codec/index.js';
import type { ProtocolConfig } from '../core/config.js';
import type { Message, SyncRequest } from '../core/messages.js';
import type { WireFormat } from '../core/wire-format.js';

export type WireResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export interface Wire {
  /** The sizes the cores pack packets by; they must be this encoder's. */
  readonly format: WireFormat;
  /**
   * Exact bytes of a state or digest on the wire, deflated as the codec
   * sends it, for runs that do not decode states: the size of a deflated
   * state is only known by deflating it, so this encodes it.
   */
  stateBytes(state: SyncRequest): number;
  encodePacket(messages: readonly Message[]): Uint8Array;
  decodePacket(bytes: Uint8Array): WireResult<readonly Message[]>;
  encodeState(state: SyncRequest): Uint8Array;
  /** A state or a digest (the simulator checks that an answer is a state). */
  decodeState(bytes: Uint8Array): WireResult<SyncRequest>;
}

/** Largest full state accepted from a simulated peer (the runtime bounds it the same way). */
export const SIM_STATE_BYTES_MAX = 256 * 1024 * 1024;

/** The real codec under the label of cluster (`key`, `env`). */
export function codecWire(config: ProtocolConfig, key = 'sim', env = 'sim'): Wire {
  const codec = new MsgpackCodec({
    label: clusterLabel(key, env),
    packetLimits: {
      packetBytesMax: config.packetBytesMax,
      metadataBytesMax: config.metadataBytesMax,
      userEventPayloadBytesMax: config.userEventPayloadBytesMax,
    },
    stateLimits: {
      stateBytesMax: SIM_STATE_BYTES_MAX,
      membersMax: config.membersMax,
      metadataBytesMax: config.metadataBytesMax,
    },
  });
  return {
    format: codec.format,
    stateBytes: (state) => codec.encodeState(state).length,
    encodePacket: (messages) => codec.encodePacket(messages),
    decodePacket(bytes) {
      const result = codec.decodePacket(bytes);
      return result.ok ? { ok: true, value: result.messages } : { ok: false, reason: describe(result) };
    },
    encodeState: (state) => codec.encodeState(state),
    decodeState(bytes) {
      const result = codec.decodeSyncRequest(bytes);
      return result.ok ? { ok: true, value: result.state } : { ok: false, reason: describe(result) };
    },
  };
}

function describe(drop: { reason: string; detail?: string }): string {
  return drop.detail === undefined ? drop.reason : `${drop.reason} (${drop.detail})`;
}
