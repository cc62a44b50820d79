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

/**
 * The bytes of a row's id, address and metadata field, for the members seen
 * in states so far, in the order first seen. A member's id, address and
 * metadata map recur in every state a run exchanges (the core shares them
 * between snapshots), and states list members in much the same order: the
 * member after the last one looked up is tried first, so most rows cost two
 * array reads instead of a lookup by id. A member is sized again when its
 * address or metadata object changes.
 */
class RowSizes {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly addresses: string[] = [];
  private readonly metadata: Metadata[] = [];
  private readonly bytes: number[] = [];
  private last = -1;

  of(member: MemberSnapshot): number {
    let at = this.last + 1;
    if (this.ids[at] !== member.id) at = this.index.get(member.id) ?? -1;
    if (at >= 0 && this.addresses[at] === member.address && this.metadata[at] === member.metadata) {
      this.last = at;
      return this.bytes[at] as number;
    }
    const bytes = stringBytes(member.id) + stringBytes(member.address) + metadataFieldBytes(member.metadata);
    if (at < 0) {
      if (this.ids.length >= 1_000_000) this.clear();
      at = this.ids.length;
      this.index.set(member.id, at);
      this.ids.push(member.id);
    }
    this.addresses[at] = member.address;
    this.metadata[at] = member.metadata;
    this.bytes[at] = bytes;
    this.last = at;
    return bytes;
  }

  private clear(): void {
    this.index.clear();
    this.ids.length = 0;
    this.addresses.length = 0;
    this.metadata.length = 0;
    this.bytes.length = 0;
    this.last = -1;
  }
}

const rowSizes = new RowSizes();

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
      rowSizes.of(member) +
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
