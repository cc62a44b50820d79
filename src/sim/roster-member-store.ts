/**
 * A member store for cores started inside a formed cluster, in their
 * thousands, from one initial-members array (roster.ts). A member this core
 * has not touched is read from the shared roster; it gets a private, mutable
 * record only once something about it must change or be kept here (copy on
 * write: own()). Members that are not from the roster, and this core, always
 * have private records. Reads, iteration and random picks give the same
 * members, in the same order, as the core's plain store would.
 */
import type { InitialShare, MemberStore, MemberStoreFactory, ProbeKeyCodec } from '../core/member-store.js';
import { type MemberEntry, type MemberKey, type MemberRecord, stateRowOf } from '../core/member-table.js';
import type { DigestSum } from '../core/state-digest.js';
import type { Member, MemberSnapshot } from '../core/types.js';
import { viewShare } from '../core/view.js';
import { type Roster, rosterOf } from './roster.js';

/**
 * A roster position is its own code, 4 bytes a member; an id is coded as
 * -1 - its index in `names`, which a new round starts afresh.
 */
export class RosterKeyCodec implements ProbeKeyCodec {
  private names: string[] = [];

  encode(key: MemberKey): number {
    if (typeof key === 'number') return key;
    this.names.push(key);
    return -this.names.length;
  }

  decode(code: number): MemberKey {
    return code >= 0 ? code : (this.names[-1 - code] as string);
  }

  newRound(): void {
    this.names = [];
  }
}

/**
 * Makes the store of each core of a simulation: MeshCoreOptions.memberStore.
 * Cores given the same initial-members array share what they read from it;
 * the member objects must not be changed afterwards (an array whose
 * elements were replaced is read afresh).
 */
export const rosterMemberStore: MemberStoreFactory = (self) => new RosterMemberStore(self);

export class RosterMemberStore implements MemberStore {
  /** Private records: this node, members touched here, members not from the roster. */
  private readonly records = new Map<string, MemberRecord>();
  private roster: Roster | undefined;
  /** This node's position in the roster, or -1. */
  private selfPosition = -1;
  /** When the roster was adopted: since then every untouched member has been alive. */
  private adoptedAtMs = 0;
  /** Roster members with no private record that have not been reaped. */
  private untouched = 0;
  /** Roster members reaped here: their roster entry no longer speaks for them. */
  private readonly reaped = new Set<string>();
  /**
   * One bit per roster position, set once the roster entry stops speaking
   * for that member here (it got a private record, or was reaped): an
   * untouched member, most of them, is then found by its position alone,
   * without a lookup in `records` that would miss.
   */
  private overridden = new Uint32Array(0);

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

  get othersLength(): number {
    return this.rosterSpan + this.tail.length;
  }

  /**
   * Starts from the shared roster of `members`: every member in it but this
   * node, alive, untouched, in roster order. Only a store that holds nothing
   * but this node adopts one.
   */
  adoptInitial(members: readonly Member[], nowMs: number, room: number): InitialShare | undefined {
    if (this.roster !== undefined || this.records.size !== 1) return undefined;
    const roster = rosterOf(members);
    const selfPosition = roster.position(this.self.id);
    const count = roster.size - (selfPosition >= 0 ? 1 : 0);
    if (count > room) return undefined;
    this.roster = roster;
    this.overridden = new Uint32Array(Math.ceil(roster.size / 32));
    this.selfPosition = selfPosition;
    this.adoptedAtMs = nowMs;
    this.untouched = count;
    this.rosterSpan = count;
    let digest = roster.digest;
    let total = roster.total;
    const own = selfPosition >= 0 ? roster.entries[selfPosition] : undefined;
    if (own !== undefined && own.viewThreads > 0) {
      digest = (digest - viewShare(own.id, own.viewThreads)) >>> 0;
      total -= own.viewThreads;
    }
    return {
      count,
      digest,
      total,
      forEachKey: (visit) => {
        for (let position = 0; position < roster.size; position++) {
          if (position !== selfPosition) visit(position);
        }
      },
    };
  }

  get(id: string): MemberEntry | undefined {
    const roster = this.roster;
    if (roster === undefined || this.untouched === 0) return this.records.get(id);
    const position = roster.position(id);
    return this.speaksFor(position) ? roster.entries[position] : this.records.get(id);
  }

  record(id: string): MemberRecord | undefined {
    return this.records.get(id);
  }

  own(entry: MemberEntry): MemberRecord {
    const existing = this.records.get(entry.id);
    if (existing !== undefined) return existing;
    // Without a private record, only the untouched roster entry itself can be owned.
    const position = this.roster === undefined ? -1 : this.roster.position(entry.id);
    if (!this.speaksFor(position) || this.roster?.entries[position] !== entry)
      throw new Error(`internal: ${entry.id} is not in the member table`);
    this.override(position);
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

  stateRow(entry: MemberEntry, viewDelayMs: number): MemberSnapshot {
    const roster = this.roster;
    if (viewDelayMs === 0 && roster !== undefined) {
      // States visit the roster in order: the next entry is found at the first try.
      const position = roster.positionInOrder(entry.id);
      if (position >= 0 && roster.entries[position] === entry)
        return roster.stateRows[position] as MemberSnapshot;
    }
    return stateRowOf(entry, viewDelayMs);
  }

  stateChangedAtMs(entry: MemberEntry): number {
    return this.records.get(entry.id)?.stateChangedAtMs ?? this.adoptedAtMs;
  }

  keyOf(id: string): MemberKey {
    // The probe order's keys are listed in the order of the others: roster order, mostly.
    const position = this.roster === undefined ? -1 : this.roster.positionInOrder(id);
    return position >= 0 ? position : id;
  }

  byKey(key: MemberKey): MemberEntry | undefined {
    if (typeof key === 'string') return this.get(key);
    // A roster position is the position of its entry's id: no lookup by id for an untouched member.
    const entry = (this.roster as Roster).entries[key] as MemberEntry;
    return this.speaksFor(key) ? entry : this.records.get(entry.id);
  }

  probeKeyCodec(): ProbeKeyCodec {
    return new RosterKeyCodec();
  }

  /**
   * This node first, then the roster members still in their place (in
   * roster order), then the other records in the order they were added:
   * the order of a map of records. By id (`byId`), the roster members come
   * in id order with this node in its place among them, if it is in the
   * roster: then the view of a cluster nobody joined needs no sorting.
   */
  forEach(visit: (entry: MemberEntry) => void, byId = false): void {
    const roster = this.roster;
    const selfInPlace = byId && this.selfPosition >= 0;
    if (!selfInPlace) visit(this.self);
    if (roster !== undefined) {
      const order = byId ? roster.byId() : undefined;
      const entries = roster.entries;
      for (let i = 0; i < entries.length; i++) {
        const position = order === undefined ? i : (order[i] as number);
        if (position === this.selfPosition) {
          if (selfInPlace) visit(this.self);
          continue;
        }
        const entry = entries[position] as MemberEntry;
        if (!this.isOverridden(position)) {
          visit(entry);
          continue;
        }
        if (this.reaped.size > 0 && this.reaped.has(entry.id)) continue;
        visit(this.records.get(entry.id) ?? entry);
      }
    }
    for (const record of this.records.values()) {
      if (record !== this.self && !this.inRosterPlace(record.id)) visit(record);
    }
  }

  /**
   * The roster's sums, less the entries that do not speak for their member
   * here (this node's and the overridden ones), plus every private record:
   * the rows forEach visits, without hashing the untouched ones again.
   */
  digestInto(sum: DigestSum): void {
    const roster = this.roster;
    if (roster !== undefined) {
      const lanes = roster.digestLanes;
      lanes.addAll(sum);
      if (this.selfPosition >= 0) lanes.subtract(sum, this.selfPosition);
      const words = this.overridden;
      for (let word = 0; word < words.length; word++) {
        let bits = words[word] as number;
        while (bits !== 0) {
          const lowest = bits & -bits;
          lanes.subtract(sum, word * 32 + 31 - Math.clz32(lowest));
          bits ^= lowest;
        }
      }
    }
    for (const record of this.records.values()) sum.addRow(record);
  }

  add(record: MemberRecord): void {
    // Only a member get() does not find is added: a roster member here was reaped, its bit is set.
    record.slot = this.othersLength;
    this.records.set(record.id, record);
    this.tail.push(record);
  }

  remove(record: MemberRecord): void {
    // Off the others first, while its place still resolves to this record.
    const last = this.popOther();
    if (last !== record) this.placeOther(record.slot, last);
    this.records.delete(record.id);
    const position = this.roster === undefined ? -1 : this.roster.position(record.id);
    if (position >= 0) {
      this.reaped.add(record.id);
      this.override(position);
    }
  }

  otherAt(position: number): MemberEntry {
    if (position >= this.rosterSpan) return this.tail[position - this.rosterSpan] as MemberRecord;
    if (this.moved.size > 0) {
      const moved = this.moved.get(position);
      if (moved !== undefined) return moved;
    }
    const self = this.selfPosition;
    const rosterPosition = self >= 0 && position >= self ? position + 1 : position;
    const original = (this.roster as Roster).entries[rosterPosition] as MemberEntry;
    if (!this.isOverridden(rosterPosition)) return original;
    return this.records.get(original.id) ?? original;
  }

  /** Whether the roster entry at `position` is this store's answer for its member (untouched, not this node). */
  private speaksFor(position: number): boolean {
    return position >= 0 && position !== this.selfPosition && !this.isOverridden(position);
  }

  private isOverridden(position: number): boolean {
    return ((this.overridden[position >>> 5] as number) & (1 << (position & 31))) !== 0;
  }

  private override(position: number): void {
    this.overridden[position >>> 5] = (this.overridden[position >>> 5] as number) | (1 << (position & 31));
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
