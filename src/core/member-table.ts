/**
 * The membership table: what this node knows of every member, itself
 * included, with the indexes the protocol needs to stay O(1) per update: a
 * dense order of the others for uniform random picks, the set of tombstones
 * for reaping, and counts of live and suspect members.
 *
 * How the members are held is the store's business (member-store.ts): a
 * store may share entries between cores and hand out a private record only
 * when one must change (own()).
 */

import type { InitialShare, MemberStore, ProbeKeyCodec } from './member-store.js';
import { isInView } from './precedence.js';
import { sampleFrom } from './random.js';
import { DigestSum, type TableDigest } from './state-digest.js';
import type { Suspicion } from './suspicion.js';
import type { Member, MemberSnapshot, MemberState, Metadata, RandomSource } from './types.js';

/** A member as the rules read it: a private record, or an entry a store shares and this node has not touched. */
export interface MemberEntry {
  readonly id: string;
  readonly address: string;
  readonly incarnation: number;
  readonly state: MemberState;
  readonly threads: number;
  readonly metadata: Metadata;
  readonly suspicion: Suspicion | undefined;
  /** Token of the suspicion timer that may still declare this member dead. */
  readonly suspicionToken: number;
  /** Threads this member has in the applied view; 0 when outside it. */
  readonly viewThreads: number;
  readonly rttMs: number | undefined;
}

/** This node's own, mutable record of a member. */
export interface MemberRecord extends MemberEntry {
  address: string;
  incarnation: number;
  state: MemberState;
  threads: number;
  metadata: Metadata;
  suspicion: Suspicion | undefined;
  suspicionToken: number;
  viewThreads: number;
  rttMs: number | undefined;
  stateChangedAtMs: number;
  /** Position among the others, for O(1) removal; -1 for this node. */
  slot: number;
}

/** How the probe order names a member: whatever its store chooses (the core's own store uses ids). */
export type MemberKey = number | string;

/** A fresh alive record, outside the view until the view tracker admits it. */
export function newRecord(member: Omit<Member, 'state'>, nowMs: number): MemberRecord {
  return {
    id: member.id,
    address: member.address,
    incarnation: member.incarnation,
    state: 'alive',
    threads: member.threads,
    metadata: member.metadata,
    stateChangedAtMs: nowMs,
    suspicion: undefined,
    suspicionToken: 0,
    viewThreads: 0,
    rttMs: undefined,
    slot: -1,
  };
}

export function snapshotOf(entry: MemberEntry): Member {
  return {
    id: entry.id,
    address: entry.address,
    incarnation: entry.incarnation,
    state: entry.state,
    threads: entry.threads,
    metadata: entry.metadata,
  };
}

/** A member as a full state lists it, with the delay before its change applies. */
export function stateRowOf(entry: MemberEntry, viewDelayMs: number): MemberSnapshot {
  // One literal with a fixed shape: states of thousands of members are built and read often.
  return {
    id: entry.id,
    address: entry.address,
    incarnation: entry.incarnation,
    state: entry.state,
    threads: entry.threads,
    metadata: entry.metadata,
    viewDelayMs,
  };
}

export class MemberTable {
  /** Dead and left members, scanned when reaping (always private records). */
  readonly tombstones = new Set<string>();
  /** Alive plus suspect members, this node included: the N of the formulas. */
  private live = 1;
  private suspects = 0;
  /**
   * Members this node does not vouch for (see MeshCore.lostMostMembers):
   * first seen since it last vouched for all it held, live or not. Empty in
   * a quiet cluster; it holds the members that joined since the last settle.
   */
  private readonly unvouched = new Set<string>();
  /** How many of `unvouched` are alive or suspect. */
  private unvouchedLive = 0;
  private selfVouched = false;
  /** False until the first vouchAll: before it, this node vouches for nobody. */
  private hasVouched = false;

  readonly self: MemberRecord;

  constructor(private readonly store: MemberStore) {
    this.self = store.self;
  }

  get size(): number {
    return this.store.size;
  }

  get liveCount(): number {
    return this.live;
  }

  get suspectCount(): number {
    return this.suspects;
  }

  /**
   * Lets the store take in the initial members in one step (at most `room`
   * new ones); undefined when they must be added one by one.
   */
  adoptInitial(members: readonly Member[], nowMs: number, room: number): InitialShare | undefined {
    const share = this.store.adoptInitial(members, nowMs, room);
    if (share !== undefined) this.live += share.count;
    return share;
  }

  get(id: string): MemberEntry | undefined {
    return this.store.get(id);
  }

  has(id: string): boolean {
    return this.store.get(id) !== undefined;
  }

  /** The private record of a member, if it has one (tombstones, suspects and this node always do). */
  record(id: string): MemberRecord | undefined {
    return this.store.record(id);
  }

  /** The private record of a member held here (copy on write where the store shares entries). */
  own(entry: MemberEntry): MemberRecord {
    return this.store.own(entry);
  }

  /** When this node last saw the member's state change. */
  stateChangedAtMs(entry: MemberEntry): number {
    return this.store.stateChangedAtMs(entry);
  }

  /** How the probe order names the member `id`. */
  keyOf(id: string): MemberKey {
    return this.store.keyOf(id);
  }

  /** The member a probe-order key names, if it is still held. */
  byKey(key: MemberKey): MemberEntry | undefined {
    return this.store.byKey(key);
  }

  /** A codec for the probe order's keys. */
  probeKeyCodec(): ProbeKeyCodec {
    return this.store.probeKeyCodec();
  }

  /** The member as a full state lists it (see MemberStore.stateRow). */
  stateRow(entry: MemberEntry, viewDelayMs: number): MemberSnapshot {
    return this.store.stateRow(entry, viewDelayMs);
  }

  /** A digest of every member's row in `bucketCount` buckets (state-digest.ts). */
  digest(bucketCount: number): TableDigest {
    const sum = new DigestSum(bucketCount);
    this.store.digestInto(sum);
    return sum.digest();
  }

  /** Visits every member, this node first (see MemberStore.forEach). */
  forEach(visit: (entry: MemberEntry) => void, byId = false): void {
    this.store.forEach(visit, byId);
  }

  /** Adds another member's record (alive, as built by newRecord); `vouched` for one we vouched for before it failed. */
  add(record: MemberRecord, vouched = false): void {
    this.store.add(record);
    if (!vouched) this.unvouched.add(record.id);
    if (isInView(record.state)) {
      this.live++;
      if (!vouched) this.unvouchedLive++;
    }
  }

  /** Forgets a tombstone for good. */
  remove(record: MemberRecord): void {
    this.store.remove(record);
    this.tombstones.delete(record.id);
    this.unvouched.delete(record.id);
  }

  /** Vouches for every member held, and for this node with `self`; members added later are not. */
  vouchAll(self: boolean): void {
    this.hasVouched = true;
    this.unvouched.clear();
    this.unvouchedLive = 0;
    if (self) this.selfVouched = true;
  }

  /** Whether this node has vouched for its members yet (settled, or admitted by a seed). */
  get vouchedBefore(): boolean {
    return this.hasVouched;
  }

  /** Takes back the vouch for one member held (not this node). */
  unvouch(id: string): void {
    const entry = this.store.get(id);
    if (entry === undefined || id === this.self.id || this.unvouched.has(id)) return;
    this.unvouched.add(id);
    if (isInView(entry.state)) this.unvouchedLive++;
  }

  /** Whether this node vouches for `id` (held or not: an id it never held is not in `unvouched`). */
  isVouched(id: string): boolean {
    if (id === this.self.id) return this.selfVouched;
    return this.hasVouched && !this.unvouched.has(id);
  }

  /** Live members this node vouches for, itself included when it does. */
  get vouchedLiveCount(): number {
    const selfLive = isInView(this.self.state) ? 1 : 0;
    return this.live - selfLive - this.unvouchedLive + (this.selfVouched ? selfLive : 0);
  }

  setState(record: MemberRecord, state: MemberState): void {
    const wasLive = isInView(record.state);
    const isLive = isInView(state);
    if (wasLive && !isLive) this.live--;
    if (!wasLive && isLive) this.live++;
    if (record !== this.self && this.unvouched.has(record.id)) {
      if (wasLive && !isLive) this.unvouchedLive--;
      if (!wasLive && isLive) this.unvouchedLive++;
    }
    if (record.state === 'suspect') this.suspects--;
    if (state === 'suspect') this.suspects++;
    if (record !== this.self) {
      if (isLive) this.tombstones.delete(record.id);
      else this.tombstones.add(record.id);
    }
    record.state = state;
  }

  /** Up to `count` distinct other members for which `accept` holds, drawn at random. */
  sample(random: RandomSource, count: number, accept: (entry: MemberEntry) => boolean): MemberEntry[] {
    const store = this.store;
    return sampleFrom(random, store.othersLength, (position) => store.otherAt(position), count, accept);
  }

  /** Keys of the other members that are alive or suspect, in the order of the others. */
  liveOtherKeys(): MemberKey[] {
    const store = this.store;
    const keys: MemberKey[] = [];
    for (let position = 0; position < store.othersLength; position++) {
      const entry = store.otherAt(position);
      if (isInView(entry.state)) keys.push(store.keyOf(entry.id));
    }
    return keys;
  }
}
