/**
 * How simulated packets and states become bytes. The default is the real
 * codec, so byte counts and packet sizes are the ones a deployment sees and
 * every message the core produces is validated exactly as the runtime would.
 */
import { clusterLabel, MsgpackCodec, memberRowBytes, msgpackWireFormat } from '../codec/index.js';
import type { ProtocolConfig } from '../core/config.js';
import type { Message, StateMessage } from '../core/messages.js';
import type { MemberSnapshot, MemberState, Metadata } from '../core/types.js';
import type { WireFormat } from '../core/wire-format.js';

export type WireResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export interface Wire {
  /** The sizes the cores pack packets by; they must be this encoder's. */
  readonly format: WireFormat;
  /** Exact encoded bytes of a state, for runs that do not encode states. */
  stateBytes(state: StateMessage): number;
  encodePacket(messages: readonly Message[]): Uint8Array;
  decodePacket(bytes: Uint8Array): WireResult<readonly Message[]>;
  encodeState(state: StateMessage): Uint8Array;
  decodeState(bytes: Uint8Array): WireResult<StateMessage>;
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
    stateBytes: (state) => codec.format.stateBytes(state, rowBytes),
    encodePacket: (messages) => codec.encodePacket(messages),
    decodePacket(bytes) {
      const result = codec.decodePacket(bytes);
      return result.ok ? { ok: true, value: result.messages } : { ok: false, reason: describe(result) };
    },
    encodeState: (state) => codec.encodeState(state),
    decodeState(bytes) {
      const result = codec.decodeState(bytes);
      return result.ok ? { ok: true, value: result.state } : { ok: false, reason: describe(result) };
    },
  };
}

/**
 * Row sizes of the members seen in states so far, in the order first seen.
 * A member's id, address and metadata map recur in every state a run
 * exchanges (the core shares them between snapshots), and states list
 * members in much the same order: the member after the last one looked up
 * is tried first, so most rows cost two array reads and a few comparisons
 * instead of a lookup by id and a sizing. A row is sized again, by the
 * codec, whenever any of its fields differs from the one remembered. The
 * same frozen row object again (a store shares rows of untouched members
 * between states) is known without comparing its fields.
 */
class RowSizes {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly addresses: string[] = [];
  private readonly metadata: Metadata[] = [];
  private readonly incarnations: number[] = [];
  private readonly states: MemberState[] = [];
  private readonly threads: number[] = [];
  private readonly viewDelays: number[] = [];
  private readonly bytes: number[] = [];
  /** The row object last sized at each place. */
  private readonly rows: MemberSnapshot[] = [];
  private last = -1;

  of(member: MemberSnapshot): number {
    let at = this.last + 1;
    if (this.ids[at] !== member.id) at = this.index.get(member.id) ?? -1;
    if (at >= 0 && this.rows[at] === member && Object.isFrozen(member)) {
      this.last = at;
      return this.bytes[at] as number;
    }
    if (
      at >= 0 &&
      this.addresses[at] === member.address &&
      this.metadata[at] === member.metadata &&
      this.incarnations[at] === member.incarnation &&
      this.states[at] === member.state &&
      this.threads[at] === member.threads &&
      this.viewDelays[at] === member.viewDelayMs
    ) {
      this.rows[at] = member;
      this.last = at;
      return this.bytes[at] as number;
    }
    const bytes = memberRowBytes(member);
    if (at < 0) {
      if (this.ids.length >= 1_000_000) this.clear();
      at = this.ids.length;
      this.index.set(member.id, at);
      this.ids.push(member.id);
    }
    this.addresses[at] = member.address;
    this.metadata[at] = member.metadata;
    this.incarnations[at] = member.incarnation;
    this.states[at] = member.state;
    this.threads[at] = member.threads;
    this.viewDelays[at] = member.viewDelayMs;
    this.bytes[at] = bytes;
    this.rows[at] = member;
    this.last = at;
    return bytes;
  }

  private clear(): void {
    this.index.clear();
    for (const column of [
      this.ids,
      this.addresses,
      this.metadata,
      this.incarnations,
      this.states,
      this.threads,
      this.viewDelays,
      this.bytes,
      this.rows,
    ]) {
      column.length = 0;
    }
    this.last = -1;
  }
}

const rowSizes = new RowSizes();
const rowBytes = (member: MemberSnapshot): number => rowSizes.of(member);

/**
 * The encoded size of a full state, computed by the codec's own sizer
 * without building it, with row sizes remembered across states. Large runs
 * count sync bytes this way instead of encoding every state.
 */
export function stateBytes(state: StateMessage): number {
  return msgpackWireFormat.stateBytes(state, rowBytes);
}

function describe(drop: { reason: string; detail?: string }): string {
  return drop.detail === undefined ? drop.reason : `${drop.reason} (${drop.detail})`;
}
