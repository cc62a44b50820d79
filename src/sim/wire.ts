/**
 * How simulated packets and states become bytes. The default is the real
 * codec, so byte counts and packet sizes are the ones a deployment sees and
 * every message the core produces is validated exactly as the runtime would.
 */
import {
  clusterLabel,
  decodePacket,
  decodeState,
  ENVELOPE_BYTES,
  encodePacket,
  encodeState,
} from '../codec/index.js';
import { containerHeaderBytes, metadataFieldBytes, numberBytes, stringBytes } from '../codec/sizes.js';
import type { ProtocolConfig } from '../core/config.js';
import type { Message, StateMessage } from '../core/messages.js';
import type { MemberSnapshot, Metadata } from '../core/types.js';

export type WireResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export interface Wire {
  encodePacket(messages: readonly Message[]): Uint8Array;
  decodePacket(bytes: Uint8Array): WireResult<readonly Message[]>;
  encodeState(state: StateMessage): Uint8Array;
  decodeState(bytes: Uint8Array): WireResult<StateMessage>;
}

/** Largest full state accepted from a simulated peer (the runtime bounds it the same way). */
export const SIM_STATE_BYTES_MAX = 256 * 1024 * 1024;

/** The real codec under the label of cluster (`key`, `env`). */
export function codecWire(config: ProtocolConfig, key = 'sim', env = 'sim'): Wire {
  const label = clusterLabel(key, env);
  const packetLimits = { packetBytesMax: config.packetBytesMax, metadataBytesMax: config.metadataBytesMax };
  const stateLimits = {
    stateBytesMax: SIM_STATE_BYTES_MAX,
    membersMax: config.membersMax,
    metadataBytesMax: config.metadataBytesMax,
  };
  return {
    encodePacket: (messages) => encodePacket(messages, label),
    decodePacket(bytes) {
      const result = decodePacket(bytes, label, packetLimits);
      return result.ok ? { ok: true, value: result.messages } : { ok: false, reason: describe(result) };
    },
    encodeState: (state) => encodeState(state, label),
    decodeState(bytes) {
      const result = decodeState(bytes, label, stateLimits);
      return result.ok ? { ok: true, value: result.state } : { ok: false, reason: describe(result) };
    },
  };
}

// A member's id, address and metadata map recur in every state a run
// exchanges (the core shares them between snapshots): size them once per
// id, and again only when the address or the metadata object changes.
interface SizedRow {
  readonly address: string;
  readonly metadata: Metadata;
  /** Bytes of the id, the address and the metadata field. */
  readonly bytes: number;
}
const rowSizes = new Map<string, SizedRow>();

function idAddressMetadataBytes(member: MemberSnapshot): number {
  const known = rowSizes.get(member.id);
  if (known !== undefined && known.address === member.address && known.metadata === member.metadata) {
    return known.bytes;
  }
  const bytes = stringBytes(member.id) + stringBytes(member.address) + metadataFieldBytes(member.metadata);
  if (rowSizes.size > 1_000_000) rowSizes.clear();
  rowSizes.set(member.id, { address: member.address, metadata: member.metadata, bytes });
  return bytes;
}

/**
 * The encoded size of a full state, computed from the codec's own size
 * rules without building it: [8, join, fromId, [[id, address, incarnation,
 * stateCode, threads, metadata, viewDelayMs], ...]] behind the envelope.
 * Large runs count sync bytes this way instead of encoding every state.
 */
export function stateBytes(state: StateMessage): number {
  let bytes = ENVELOPE_BYTES + containerHeaderBytes(4) + numberBytes(8) + 1 + stringBytes(state.fromId);
  bytes += containerHeaderBytes(state.members.length);
  const rowHeader = containerHeaderBytes(7);
  for (const member of state.members) {
    bytes +=
      rowHeader +
      idAddressMetadataBytes(member) +
      numberBytes(member.incarnation) +
      1 + // the state code, 0..3
      numberBytes(member.threads) +
      numberBytes(member.viewDelayMs);
  }
  return bytes;
}

function describe(drop: { reason: string; detail?: string }): string {
  return drop.detail === undefined ? drop.reason : `${drop.reason} (${drop.detail})`;
}
