/**
 * STUB: the public surface of the protocol core. The implementation is being
 * written; signatures here are the contract for hosts (runtime, simulator).
 */
import type { ProtocolConfig } from './config.js';
import type { Channel, CoreHost } from './host.js';
import type { Message, StateMessage } from './messages.js';
import type { Member, Metadata, RandomSource, View } from './types.js';

export interface MeshCoreOptions {
  readonly id: string;
  /** The address other members should send to (the advertise address). */
  readonly address: string;
  /** Default 1. */
  readonly threads?: number;
  readonly metadata?: Metadata;
  /** Starting incarnation; default 0. A restarted node refutes upward on its own. */
  readonly incarnation?: number;
  readonly config: ProtocolConfig;
  readonly random: RandomSource;
  readonly host: CoreHost;
}

export interface CoreStats {
  readonly probes: number;
  readonly probesFailed: number;
  readonly indirectProbes: number;
  readonly nacksReceived: number;
  readonly suspicions: number;
  readonly refutations: number;
  readonly syncs: number;
  readonly syncsFailed: number;
  readonly drops: Readonly<Record<string, number>>;
  /** Lifeguard local health score, 0 = healthy. */
  readonly awareness: number;
  readonly broadcastQueueLength: number;
}

export class MeshCore {
  readonly id: string;
  constructor(options: MeshCoreOptions) {
    this.id = options.id;
    throw new Error('not implemented yet');
  }
  /** Begin probing, gossip, push-pull and reaping. */
  start(_nowMs: number): void {}
  /** Ask the host to sync (join=true) with each seed address. */
  join(_seeds: readonly string[], _nowMs: number): void {}
  /** Feed one decoded packet. */
  handleMessages(_messages: readonly Message[], _from: string, _channel: Channel, _nowMs: number): void {}
  handleTimer(_token: number, _nowMs: number): void {}
  /** This node's full state for a push-pull exchange. */
  localState(_join: boolean): StateMessage {
    throw new Error('stub');
  }
  /** Merge a remote full state. */
  handleState(_state: StateMessage, _from: string, _nowMs: number): void {}
  handleSyncFailed(_to: string, _join: boolean, _nowMs: number): void {}
  /** Throws MetadataTooLargeError when over metadataBytesMax. */
  setMetadata(_metadata: Metadata, _nowMs: number): void {}
  /** Graceful leave; the host is notified with 'leave-done'. */
  leave(_nowMs: number): void {}
  /** Stop processing input; nothing more is sent or scheduled. */
  stop(): void {}
  get running(): boolean {
    return false;
  }
  get hasLeft(): boolean {
    return false;
  }
  /** Every known member, self included, tombstones included. */
  members(): Member[] {
    return [];
  }
  member(_id: string): Member | undefined {
    return undefined;
  }
  /** The sorted view (alive + suspect). */
  view(): View {
    throw new Error('stub');
  }
  get settled(): boolean {
    return false;
  }
  stats(): CoreStats {
    throw new Error('stub');
  }
  /** Smoothed RTT to a member measured from acks, when known. */
  rttMs(_id: string): number | undefined {
    return undefined;
  }
}
