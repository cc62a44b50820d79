/**
 * Shared vocabulary of the protocol core. Everything here is plain data so
 * that the core, the codec, the runtime and the simulator agree on one shape.
 */

/** Lifecycle of a member as seen by one node. `left` is a graceful exit. */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** Application metadata: a flat string map, bounded by `metadataBytesMax`. */
export type Metadata = Readonly<Record<string, string>>;

/** One row of the membership table. */
export interface Member {
  /** Unique node id, 1..128 UTF-8 bytes. */
  readonly id: string;
  /** Where the node receives packets: "host:port", IPv6 hosts in brackets ("[::1]:7946"). */
  readonly address: string;
  /** Raised only by the node itself, to refute suspicion or to publish new metadata. */
  readonly incarnation: number;
  readonly state: MemberState;
  /** libcluster's per-instance thread count: an integer >= 1. */
  readonly threads: number;
  readonly metadata: Metadata;
}

/**
 * A member as carried in a full-state exchange. `viewDelayMs` is how long the
 * sender still waits before its latest change to this member enters its
 * sorted view (0 when already applied); see `src/core/view-schedule.ts`.
 */
export interface MemberSnapshot extends Member {
  readonly viewDelayMs: number;
}

/** A member of the sorted view with its libcluster base index. */
export interface ViewMember {
  readonly id: string;
  readonly threads: number;
  /** Sum of the thread counts of the members sorted before this one. */
  readonly index: number;
}

/**
 * The deterministic sorted view: alive and suspect members ordered by id in
 * UTF-8 byte order. Every node that knows the same members derives the same
 * view, the same indices and the same `viewId`.
 */
export interface View {
  readonly members: readonly ViewMember[];
  /** Sum of all thread counts in the view. */
  readonly total: number;
  /**
   * 32-bit digest of the (id, threads) set: the sum of each member's
   * `viewShare` mod 2^32. Equal views have equal ids; a difference goes
   * unnoticed with probability about 2^-32.
   */
  readonly viewId: number;
}

/** Source of randomness handed in by the host (seeded in tests and the simulator). */
export interface RandomSource {
  /** A uniformly distributed integer in [0, 2^32). */
  nextUint32(): number;
}
