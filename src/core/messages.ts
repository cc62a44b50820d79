/**
 * Protocol messages. Several of them travel together in one compound packet;
 * membership updates (alive, suspect, dead, left) ride along on pings and acks.
 * The codec (src/codec) maps each to a compact msgpack array.
 */
import type { MemberSnapshot, Metadata } from './types.js';

/** Direct probe. `viewId` lets the receiver compare views (the `settled` signal). */
export interface PingMessage {
  readonly type: 'ping';
  /** Sequence number chosen by the sender; echoed in the ack. 0..2^32-1. */
  readonly seq: number;
  /** The member the sender means to probe: a node with another id must not answer. */
  readonly targetId: string;
  readonly fromId: string;
  readonly viewId: number;
}

/** Answer to a ping; relayed unchanged by a ping-req relay. `viewId` is the target's. */
export interface AckMessage {
  readonly type: 'ack';
  readonly seq: number;
  readonly viewId: number;
}

/** Sent by a ping-req relay when the target stayed silent: "I am alive, the target is not answering". */
export interface NackMessage {
  readonly type: 'nack';
  readonly seq: number;
}

/** Ask the receiver to probe `targetId` on the sender's behalf and relay the ack (or a nack). */
export interface PingReqMessage {
  readonly type: 'ping-req';
  readonly seq: number;
  readonly targetId: string;
  readonly targetAddress: string;
  readonly fromId: string;
}

/** A member is alive at this incarnation, with this address, thread count and metadata. */
export interface AliveMessage {
  readonly type: 'alive';
  readonly id: string;
  readonly address: string;
  readonly incarnation: number;
  readonly threads: number;
  readonly metadata: Metadata;
  /** Remaining delay before the change enters the sorted view (see view-schedule). */
  readonly viewDelayMs: number;
}

/** `fromId` suspects `id` at `incarnation`. */
export interface SuspectMessage {
  readonly type: 'suspect';
  readonly id: string;
  readonly incarnation: number;
  readonly fromId: string;
}

/** `fromId` declares `id` dead at `incarnation`. */
export interface DeadMessage {
  readonly type: 'dead';
  readonly id: string;
  readonly incarnation: number;
  readonly fromId: string;
  readonly viewDelayMs: number;
}

/** `id` left the cluster gracefully at `incarnation`. */
export interface LeftMessage {
  readonly type: 'left';
  readonly id: string;
  readonly incarnation: number;
  readonly viewDelayMs: number;
}

/**
 * A cluster-wide user event (see user-events.ts), sent by `fromId` at its
 * Lamport time `ltime` and passed on by every member that hears it.
 */
export interface UserEventMessage {
  readonly type: 'user-event';
  readonly name: string;
  readonly payload: Uint8Array;
  readonly fromId: string;
  readonly ltime: number;
}

export type ProbeMessage = PingMessage | AckMessage | NackMessage | PingReqMessage;
export type UpdateMessage = AliveMessage | SuspectMessage | DeadMessage | LeftMessage;
/** Anything that travels inside a UDP packet (or a TCP-framed probe). */
export type Message = ProbeMessage | UpdateMessage | UserEventMessage;

/**
 * Full state for push-pull synchronisation, exchanged over a reliable stream.
 * `join` is true for the exchange a joining node starts.
 */
export interface StateMessage {
  readonly type: 'state';
  readonly join: boolean;
  readonly fromId: string;
  readonly members: readonly MemberSnapshot[];
  /**
   * The sender's user-event Lamport clock, so a joiner knows which events
   * predate it. Absent from the states of nodes that predate user events.
   */
  readonly eventLtime?: number;
  /**
   * Present when `members` holds only the rows of some digest buckets (see
   * state-digest.ts): the answer to a digest, or the rows pushed after it.
   * Empty `buckets`: the two tables agree and no rows follow.
   */
  readonly scope?: StateScope;
}

/** Which digest buckets a partial state covers. */
export interface StateScope {
  /** A power of two, 1..DIGEST_BUCKETS_MAX. */
  readonly bucketCount: number;
  /** Ascending bucket indices, each below bucketCount. */
  readonly buckets: readonly number[];
}

/**
 * How a periodic push-pull opens: a summary of the sender's member table
 * instead of its rows. The receiver answers with its rows of the buckets
 * that differ (none when the tables agree), and the sender then pushes its
 * own rows of those buckets, so both end as a full exchange would leave them.
 */
export interface DigestMessage {
  readonly type: 'digest';
  /** A digest never joins; the field keeps every sync request's flag in one place. */
  readonly join: false;
  readonly fromId: string;
  /** Bucket summaries; the length is the bucket count. */
  readonly buckets: readonly number[];
  readonly check: number;
  readonly eventLtime: number;
}

/** What opens a sync exchange; the answer is always a StateMessage. */
export type SyncRequest = StateMessage | DigestMessage;
