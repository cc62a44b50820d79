/** Public shapes of the embedded library. */
import type { DropCounts } from '../core/drops.js';
import type { MemberState, Metadata } from '../core/types.js';
import type { NodeCounterName } from './stats.js';

/** This instance's place in the cluster, the libcluster way. */
export interface Indices {
  /** Sum of the thread counts of the members sorted before this one; -1 once left. */
  readonly index: number;
  /** This instance's thread count. */
  readonly threads: number;
  /** Sum of the thread counts of every member in the view. */
  readonly total: number;
  /** Digest of the view's (id, threads) set: equal views have equal ids (see View.viewId). */
  readonly viewId: number;
  /** True once this node knows its view agrees with every live peer's. */
  readonly settled: boolean;
}

/** A member as the application sees it. */
export interface MemberInfo {
  readonly id: string;
  /** "host:port" it listens on (IPv6 in brackets). */
  readonly address: string;
  readonly threads: number;
  /** Base index in the sorted view; -1 when not in the view (dead, left, or not applied yet). */
  readonly index: number;
  readonly state: MemberState;
  readonly incarnation: number;
  readonly metadata: Metadata;
  /** Smoothed round-trip time measured from acks; undefined for this node and before any ack. */
  readonly rttMs: number | undefined;
}

/**
 * Counters of one node since it started: one number per counter of the core
 * and of the runtime (probes, suspicions, packetsIn, streamBytesOut,
 * syncsServed, ...; core/counters.ts and runtime/counters.ts say what each
 * counts), then the node's current state.
 */
export interface NodeStats extends Readonly<Record<NodeCounterName, number>> {
  /** Dropped input by reason (core/drops.ts lists and explains them); reasons not seen are absent. */
  readonly drops: Readonly<DropCounts>;
  /** Lifeguard local health score, 0 = healthy. */
  readonly awareness: number;
  /** Members known, tombstones included, and members in the view. */
  readonly membersKnown: number;
  readonly viewSize: number;
  /** RTT per member id, for members with at least one ack. */
  readonly rttMs: Readonly<Record<string, number>>;
}

/** Typed events of a MeshNode. */
export type MeshNodeEvents = {
  /** This node's index or the cluster total changed (libcluster's rebalance callback). */
  rebalance: [indices: Indices];
  /** The view became known to agree across the live cluster. */
  settled: [indices: Indices];
  /** Two addresses claim one id: another live process with this node's id, or an earlier life (refuted). */
  conflict: [conflict: { readonly id: string; readonly address: string }];
  /** No longer settled (a change in flight, a suspect, a lapsed lease): hold off work that needs agreement. */
  unsettled: [indices: Indices];
  /** A member appeared. */
  join: [member: MemberInfo];
  /** A member left gracefully. */
  leave: [member: MemberInfo];
  /** A member was declared dead. */
  fail: [member: MemberInfo];
  /** A member changed its metadata, address or thread count. */
  update: [member: MemberInfo];
  /** A member is suspected (it stays in the view meanwhile). */
  suspect: [member: MemberInfo];
  /** A suspected or failed member proved alive again. */
  recover: [member: MemberInfo];
  /**
   * The member table is full (config.membersMax) and a new member was
   * dropped; at most once a minute. A real cluster outgrew the limit, or
   * someone floods the node with fake members.
   */
  'members-max': [info: { readonly membersMax: number }];
  /** A user event (node.broadcast on any member, this one included), once per event. */
  event: [event: UserEvent];
  /** The node stopped for good (after leave() or close()); sockets and timers are released. */
  close: [info: CloseInfo];
};

/** A cluster-wide user event as every member hears it. */
export interface UserEvent {
  readonly name: string;
  /** The bytes as sent (a string payload arrives as its UTF-8 bytes); a copy the node does not keep. */
  readonly payload: Uint8Array;
  /** The id of the member that sent it. */
  readonly from: string;
  /**
   * The sender's Lamport time: an event sent after another was heard by its
   * sender carries a higher ltime. Events sent concurrently may tie.
   */
  readonly ltime: number;
}

export interface JoinOptions {
  /**
   * Default true: retry the seeds with backoff until joinTimeoutMs. False:
   * try each seed once and reject with a JoinError when all of them failed.
   */
  readonly retry?: boolean;
}

/** How a node ended: `left` is true after a graceful leave(), false after close(). */
export interface CloseInfo {
  readonly left: boolean;
}

export interface LeaveOptions {
  /** Longest wait for the announcement to go out. Default: config.leaveTimeoutMs plus a margin. */
  readonly timeoutMs?: number;
}
