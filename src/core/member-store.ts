/**
 * Where a member table keeps its members. The table (member-table.ts) owns
 * the counts and tombstones the rules need; a store owns how the records
 * are held, looked up, ordered and visited. The core's own store keeps one
 * private record per member (plain-member-store.ts); a host that starts
 * thousands of cores from one member list can give each core a store that
 * shares what the cores have in common (MeshCoreOptions.memberStore).
 *
 * Every store must answer exactly as the plain one would: same members, in
 * the same order, with the same random picks.
 */
import type { MemberEntry, MemberKey, MemberRecord } from './member-table.js';
import type { DigestSum } from './state-digest.js';
import type { Member, MemberSnapshot } from './types.js';

/** Turns probe-order keys into the 4-byte codes the probe order holds, and back. */
export interface ProbeKeyCodec {
  encode(key: MemberKey): number;
  decode(code: number): MemberKey;
  /** A new round re-encodes every key: codes handed out before it are no longer read. */
  newRound(): void;
}

/** What a store that takes the initial members in one step reports, for the view and the probe order. */
export interface InitialShare {
  /** Members taken in, this node not counted. */
  readonly count: number;
  /** Their view shares (mod 2^32) and threads, as the view digest and total count them. */
  readonly digest: number;
  readonly total: number;
  /** Visits their probe-order keys in the order in which they would have been added one by one. */
  forEachKey(visit: (key: MemberKey) => void): void;
}

export interface MemberStore {
  /** This node's record, visited first. */
  readonly self: MemberRecord;
  /** Members held, this node included. */
  readonly size: number;
  get(id: string): MemberEntry | undefined;
  /** The private record of a member, if it has one. */
  record(id: string): MemberRecord | undefined;
  /** The private record of a member held here, made the first time if the store shares entries. */
  own(entry: MemberEntry): MemberRecord;
  /** When this node last saw the member's state change. */
  stateChangedAtMs(entry: MemberEntry): number;
  /** How the probe order names the member `id`. */
  keyOf(id: string): MemberKey;
  /** The member a probe-order key names, if it is still held. */
  byKey(key: MemberKey): MemberEntry | undefined;
  /** A codec for one probe order's keys. */
  probeKeyCodec(): ProbeKeyCodec;
  /**
   * Visits every member: this node first, then the others in the order of a
   * map of records filled as they arrived. `byId` lets a store visit in id
   * order instead, where that is cheaper for the view's sort; the plain
   * store ignores it.
   */
  forEach(visit: (entry: MemberEntry) => void, byId?: boolean): void;
  /**
   * The member as a full state lists it (stateRowOf in member-table.ts). A
   * store that shares entries may hand out one read-only row for a shared
   * entry to every core: a state is only read.
   */
  stateRow(entry: MemberEntry, viewDelayMs: number): MemberSnapshot;
  /**
   * Adds every member forEach visits to a digest. A store that shares
   * entries may add the shared ones from sums it worked out beforehand
   * (state-digest.ts DigestLanes): the digest must come out the same.
   */
  digestInto(sum: DigestSum): void;
  /** Adds another member's record at the end of the others. */
  add(record: MemberRecord): void;
  /** Forgets a member: the last of the others takes its place (swap removal). */
  remove(record: MemberRecord): void;
  /** The others (every member but this node), densely, for uniform random picks. */
  readonly othersLength: number;
  otherAt(position: number): MemberEntry;
  /**
   * Takes in the initial members in one step, if this store can and at most
   * `room` of them are new; undefined leaves them to be added one by one.
   */
  adoptInitial(members: readonly Member[], nowMs: number, room: number): InitialShare | undefined;
}

/** Makes the store of one core around its own record. */
export type MemberStoreFactory = (self: MemberRecord) => MemberStore;
