/**
 * The membership table: what this node knows of every member, itself
 * included, with the indexes the protocol needs to stay O(1) per update: a
 * dense order of the others for uniform random picks, the set of tombstones
 * for reaping, and counts of live and suspect members.
 *
 * A node started inside a formed cluster shares its initial members with
 * every node started from the same array (roster.ts). A member this node
 * has not touched is read from the shared roster; it gets a private,
 * mutable record only once something about it must change or be kept here
 * (copy on write: own()). Members that are not from the roster, and this
 * node, always have private records. Reads and iteration give the same
 * members, in the same order, as a table of private records would.
 */
import { isInView } from './precedence.js';
import { sampleFrom } from './random.js';
import type { Roster } from './roster.js';
import type { Suspicion } from './suspicion.js';
import type { Member, MemberState, Metadata, RandomSource } from './types.js';

/** A member as the rules read it: a private record, or a roster member this node has not touched. */
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

/** How the probe order names a member: its position in the roster, or its id when it is not from the roster. */
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

export class MemberTable {
  /** Private records: this node, members touched here, members not from the roster. */
  private readonly records = new Map<string, MemberRecord>();
  /** Dead and left members, scanned when reaping (always private records). */
  readonly tombstones = new Set<string>();
  /** Alive plus suspect members, this node included: the N of the formulas. */
  private live = 1;
  private suspects = 0;

  private roster: Roster | undefined;
  /** This node's position in the roster, or -1. */
  private selfPosition = -1;
  /** When the roster was adopted: since then every untouched member has been alive. */
  private adoptedAtMs = 0;
  /** Roster members with no private record that have not been reaped. */
  private untouched = 0;
  /** Roster members reaped here: their roster entry no longer speaks for them. */
  private readonly reaped = new Set<string>();

  // The others, densely (every member but this node), in the order in which
  // an array of records with swap-removal would hold them. Positions below
  // rosterSpan are the roster's members but this node, in roster order,
  // except where a reaped one was replaced by the last other (`moved`);
  // members added since follow in `tail`.
  private rosterSpan = 0;
  private readonly moved = new Map<number, MemberRecord>();
  private readonly tail: MemberRecord[] = [];

  constructor(readonly self: MemberRecord) {
    this.records.set(self.id, self);
  }

  get size(): number {
    return this.records.size + this.untouched;
  }

  get liveCount(): number {
    return this.live;
  }

  get suspectCount(): number {
    return this.suspects;
  }

  /**
   * Starts from a shared roster: every member in it but this node, alive,
   * untouched, in roster order. Only a table that holds nothing but this
   * node can adopt one.
   */
  adoptRoster(roster: Roster, nowMs: number): void {
    if (this.roster !== undefined || this.records.size !== 1) {
      throw new Error('internal: only a fresh member table adopts a roster');
    }
    this.roster = roster;
    this.selfPosition = roster.position(this.self.id);
    this.adoptedAtMs = nowMs;
    this.untouched = roster.size - (this.selfPosition >= 0 ? 1 : 0);
    this.rosterSpan = this.untouched;
    this.live += this.untouched;
  }

  get(id: string): MemberEntry | undefined {
    const record = this.records.get(id);
    if (record !== undefined || this.untouched === 0) return record;
    const roster = this.roster as Roster;
    const position = roster.position(id);
    if (position < 0 || position === this.selfPosition || this.reaped.has(id)) return undefined;
    return roster.entries[position];
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** The private record of a member, if it has one (tombstones, suspects and this node always do). */
  record(id: string): MemberRecord | undefined {
    return this.records.get(id);
  }

  /** The private record of a member held here, made from its roster entry the first time (copy on write). */
  own(entry: MemberEntry): MemberRecord {
    const existing = this.records.get(entry.id);
    if (existing !== undefined) return existing;
    if (this.get(entry.id) !== entry) throw new Error(`internal: ${entry.id} is not in the member table`);
    const position = (this.roster as Roster).position(entry.id);
    const record: MemberRecord = {
      id: entry.id,
      address: entry.address,
      incarnation: entry.incarnation,
      state: entry.state,
      threads: entry.threads,
      metadata: entry.metadata,
      stateChangedAtMs: this.adoptedAtMs,
      suspicion: undefined,
      suspicionToken: 0,
      viewThreads: entry.viewThreads,
      rttMs: undefined,
      slot: this.selfPosition >= 0 && position > this.selfPosition ? position - 1 : position,
    };
    this.records.set(record.id, record);
    this.untouched--;
    return record;
  }

  /** When this node last saw the member's state change. */
  stateChangedAtMs(entry: MemberEntry): number {
    return this.records.get(entry.id)?.stateChangedAtMs ?? this.adoptedAtMs;
  }

  /** How the probe order names the member `id`. */
  keyOf(id: string): MemberKey {
    const position = this.roster === undefined ? -1 : this.roster.position(id);
    return position >= 0 ? position : id;
  }

  /** The member a probe-order key names, if it is still held. */
  byKey(key: MemberKey): MemberEntry | undefined {
    if (typeof key === 'string') return this.get(key);
    const entry = (this.roster as Roster).entries[key] as MemberEntry;
    return this.get(entry.id);
  }

  /**
   * Visits every member: this node first, then the roster members still in
   * their place (in roster order, or by id when `byId`), then the other
   * records in the order they were added: the order of a map of records.
   */
  forEach(visit: (entry: MemberEntry) => void, byId = false): void {
    visit(this.self);
    const roster = this.roster;
    if (roster !== undefined) {
      const order = byId ? roster.byId() : undefined;
      const entries = roster.entries;
      for (let i = 0; i < entries.length; i++) {
        const position = order === undefined ? i : (order[i] as number);
        if (position === this.selfPosition) continue;
        const entry = entries[position] as MemberEntry;
        if (this.reaped.size > 0 && this.reaped.has(entry.id)) continue;
        visit(this.records.get(entry.id) ?? entry);
      }
    }
    for (const record of this.records.values()) {
      if (record !== this.self && !this.inRosterPlace(record.id)) visit(record);
    }
  }

  /** Adds another member's record (alive, as built by newRecord): one not from the roster, or one back after a reap. */
  add(record: MemberRecord): void {
    record.slot = this.othersLength;
    this.records.set(record.id, record);
    this.tail.push(record);
    if (isInView(record.state)) this.live++;
  }

  /** Forgets a tombstone for good. */
  remove(record: MemberRecord): void {
    // Off the others first, while its place still resolves to this record.
    const last = this.popOther();
    if (last !== record) this.placeOther(record.slot, last);
    this.tombstones.delete(record.id);
    this.records.delete(record.id);
    if (this.roster !== undefined && this.roster.position(record.id) >= 0) this.reaped.add(record.id);
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
  sample(random: RandomSource, count: number, accept: (entry: MemberEntry) => boolean): MemberEntry[] {
    return sampleFrom(random, this.othersLength, (position) => this.otherAt(position), count, accept);
  }

  /** Keys of the other members that are alive or suspect, in the order of the others. */
  liveOtherKeys(): MemberKey[] {
    const keys: MemberKey[] = [];
    for (let position = 0; position < this.othersLength; position++) {
      const entry = this.otherAt(position);
      if (isInView(entry.state)) keys.push(this.keyOf(entry.id));
    }
    return keys;
  }

  private get othersLength(): number {
    return this.rosterSpan + this.tail.length;
  }

  private otherAt(position: number): MemberEntry {
    if (position >= this.rosterSpan) return this.tail[position - this.rosterSpan] as MemberRecord;
    if (this.moved.size > 0) {
      const moved = this.moved.get(position);
      if (moved !== undefined) return moved;
    }
    const self = this.selfPosition;
    const entry = (this.roster as Roster).entries[self >= 0 && position >= self ? position + 1 : position];
    const original = entry as MemberEntry;
    return this.records.get(original.id) ?? original;
  }

  /** Takes the last of the others off the end. */
  private popOther(): MemberEntry {
    if (this.tail.length > 0) return this.tail.pop() as MemberRecord;
    const position = this.rosterSpan - 1;
    const entry = this.otherAt(position);
    this.moved.delete(position);
    this.rosterSpan = position;
    return entry;
  }

  /** Puts a member at `position` among the others; a member that moves keeps a private record of where. */
  private placeOther(position: number, entry: MemberEntry): void {
    const record = this.own(entry);
    record.slot = position;
    if (position >= this.rosterSpan) this.tail[position - this.rosterSpan] = record;
    else this.moved.set(position, record);
  }

  /** Whether the record of `id` stands in the roster's place for it (visited with the roster). */
  private inRosterPlace(id: string): boolean {
    const roster = this.roster;
    return roster !== undefined && roster.position(id) >= 0 && !this.reaped.has(id);
  }
}
