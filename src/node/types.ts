/** Public shapes of the embedded library. */
import type { MemberState, Metadata } from '../core/types.js';

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

/** Counters of one node since it started. */
export interface NodeStats {
  /** UDP datagrams and bytes. */
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** TCP bytes: full-state syncs and fallback stream probes. */
  readonly streamBytesIn: number;
  readonly streamBytesOut: number;
  /** Packets over TCP: only the fallback stream probes and their acks (state syncs are counted in bytes). */
  readonly streamPacketsIn: number;
  readonly streamPacketsOut: number;
  /** Dropped input by reason: codec reasons ('foreign-cluster', 'malformed'...), core and transport reasons. */
  readonly drops: Readonly<Record<string, number>>;
  readonly probes: number;
  readonly probesFailed: number;
  readonly indirectProbes: number;
  readonly nacksReceived: number;
  readonly suspicions: number;
  readonly refutations: number;
  /** Full-state syncs started by this node, and those that failed. */
  readonly syncs: number;
  readonly syncsFailed: number;
  /** Full-state syncs this node answered. */
  readonly syncsServed: number;
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
  /** The node stopped for good (after leave() or close()); sockets and timers are released. */
  close: [info: CloseInfo];
};

/** How a node ended: `left` is true after a graceful leave(), false after close(). */
export interface CloseInfo {
  readonly left: boolean;
}

export interface LeaveOptions {
  /** Longest wait for the announcement to go out. Default: config.leaveTimeoutMs plus a margin. */
  readonly timeoutMs?: number;
}
