/**
 * The membership table: one mutable record per known member, this node
 * included, with the indexes the protocol needs to stay O(1) per update:
 * a dense array of the others for uniform random picks, the set of
 * tombstones for reaping, and counts of live and suspect members.
 */
import { isInView } from './precedence.js';
import { sampleDistinct } from './random.js';
import type { Suspicion } from './suspicion.js';
import type { Member, MemberState, Metadata, RandomSource } from './types.js';

export interface MemberRecord {
  readonly id: string;
  address: string;
  incarnation: number;
  state: MemberState;
  threads: number;
  metadata: Metadata;
  stateChangedAtMs: number;
  suspicion: Suspicion | undefined;
  /** Token of the suspicion timer that may still declare this member dead. */
  suspicionToken: number;
  /** Threads this member has in the applied view; 0 when outside it. */
  viewThreads: number;
  rttMs: number | undefined;
  /** Position in `others`, for O(1) removal; -1 for this node. */
  slot: number;
}

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

export function snapshotOf(record: MemberRecord): Member {
  return {
    id: record.id,
    address: record.address,
    incarnation: record.incarnation,
    state: record.state,
    threads: record.threads,
    metadata: record.metadata,
  };
}

export class MemberTable {
  private readonly records = new Map<string, MemberRecord>();
  /** Every member but this node, for uniform random picks. */
  private readonly others: MemberRecord[] = [];
  /** Dead and left members, scanned when reaping. */
  readonly tombstones = new Set<string>();
  /** Alive plus suspect members, this node included: the N of the formulas. */
  private live = 1;
  private suspects = 0;

  constructor(readonly self: MemberRecord) {
    this.records.set(self.id, self);
  }

  get size(): number {
    return this.records.size;
  }

  get liveCount(): number {
    return this.live;
  }

  get suspectCount(): number {
    return this.suspects;
  }

  get(id: string): MemberRecord | undefined {
    return this.records.get(id);
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  values(): IterableIterator<MemberRecord> {
    return this.records.values();
  }

  /** Adds another member's record (alive, as built by newRecord). */
  add(record: MemberRecord): void {
    record.slot = this.others.length;
    this.records.set(record.id, record);
    this.others.push(record);
    if (isInView(record.state)) this.live++;
  }

  /** Forgets a tombstone for good. */
  remove(record: MemberRecord): void {
    this.tombstones.delete(record.id);
    this.records.delete(record.id);
    const last = this.others.pop() as MemberRecord;
    if (last !== record) {
      this.others[record.slot] = last;
      last.slot = record.slot;
    }
  }

  setState(record: MemberRecord, state: MemberState): void {
    const wasLive = isInView(record.state);
    const isLive = isInView(state);
    if (wasLive && !isLive) this.live--;
    if (!wasLive && isLive) this.live++;
    if (record.state === 'suspect') this.suspects--;
    if (state === 'suspect') this.suspects++;
    if (record !== this.self) {
      if (isLive) this.tombstones.delete(record.id);
      else this.tombstones.add(record.id);
    }
    record.state = state;
  }

  /** Up to `count` distinct other members for which `accept` holds, drawn at random. */
  sample(random: RandomSource, count: number, accept: (record: MemberRecord) => boolean): MemberRecord[] {
    return sampleDistinct(random, this.others, count, accept);
  }

  /** Ids of the other members that are alive or suspect. */
  liveOtherIds(): string[] {
    const ids: string[] = [];
    for (const record of this.others) if (isInView(record.state)) ids.push(record.id);
    return ids;
  }
}
