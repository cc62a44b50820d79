/**
 * The shared roster: the initial members of a formed cluster, handed as one
 * array to many cores (a simulation starts thousands of cores from the same
 * array). What follows from the array alone is worked out once per array
 * and shared by every core started from it: each member as the alive entry
 * an untouched core holds, an index by id, the view digest and thread
 * total, the rows' push-pull digest lanes, and the order by id. A core's
 * member store reads the members it has not touched from here
 * (roster-member-store.ts); the roster itself never changes.
 */
import { type MemberEntry, stateRowOf } from '../core/member-table.js';
import { DigestLanes } from '../core/state-digest.js';
import type { Member, MemberSnapshot } from '../core/types.js';
import { compareUtf8 } from '../core/utf8.js';
import { viewShare } from '../core/view.js';

export class Roster {
  /** The first member of each id, in array order, alive and in the view with its threads. */
  readonly entries: readonly MemberEntry[];
  /**
   * Each entry as a full state lists it with no change pending, frozen:
   * every untouched core lists it so, and shares this one row.
   */
  readonly stateRows: readonly MemberSnapshot[];
  /** The entries' digest lanes by position: an untouched entry is the same row in every core. */
  readonly digestLanes: DigestLanes;
  /** Sum of the entries' view shares (mod 2^32), as the view digest counts them. */
  readonly digest: number;
  /** Sum of the entries' threads in the view. */
  readonly total: number;
  private readonly positions = new Map<string, number>();
  /** The array's elements when the roster was built, to notice an array changed since. */
  private readonly source: readonly Member[];
  private idOrder: Int32Array | undefined;
  /** Where positionInOrder() last landed (a cache: it changes no answer). */
  private lastFound = -1;

  constructor(members: readonly Member[]) {
    this.source = members.slice();
    const entries: MemberEntry[] = [];
    let digest = 0;
    let total = 0;
    for (const member of members) {
      if (this.positions.has(member.id)) continue;
      this.positions.set(member.id, entries.length);
      // Frozen: a core that changes a member must make its own record first.
      entries.push(
        Object.freeze({
          id: member.id,
          address: member.address,
          incarnation: member.incarnation,
          state: 'alive' as const,
          threads: member.threads,
          metadata: member.metadata,
          suspicion: undefined,
          suspicionToken: 0,
          viewThreads: member.threads,
          rttMs: undefined,
        }),
      );
      if (member.threads > 0) {
        digest = (digest + viewShare(member.id, member.threads)) >>> 0;
        total += member.threads;
      }
    }
    this.entries = entries;
    this.stateRows = entries.map((entry) => Object.freeze(stateRowOf(entry, 0)));
    this.digestLanes = new DigestLanes(entries);
    this.digest = digest;
    this.total = total;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Position of `id` in `entries`, or -1. */
  position(id: string): number {
    return this.positions.get(id) ?? -1;
  }

  /**
   * position(), for a caller that walks the roster in order (a full state,
   * the list of keys for a probe round): the entry after the one found last
   * is tried first. Lookups in no order skip the guess, which would cost
   * them a read of a cold entry.
   */
  positionInOrder(id: string): number {
    const next = this.lastFound + 1;
    if (next < this.entries.length && (this.entries[next] as MemberEntry).id === id) {
      this.lastFound = next;
      return next;
    }
    const position = this.positions.get(id) ?? -1;
    if (position >= 0) this.lastFound = position;
    return position;
  }

  /** Positions of the entries ordered by id in UTF-8 byte order (the view's order), sorted once. */
  byId(): Int32Array {
    if (this.idOrder === undefined) {
      const order = Array.from(this.entries.keys());
      const entries = this.entries;
      order.sort((a, b) => compareUtf8((entries[a] as MemberEntry).id, (entries[b] as MemberEntry).id));
      this.idOrder = Int32Array.from(order);
    }
    return this.idOrder;
  }

  /** Whether `members` still holds exactly the elements this roster was built from. */
  matches(members: readonly Member[]): boolean {
    const source = this.source;
    if (members.length !== source.length) return false;
    for (let i = 0; i < source.length; i++) if (members[i] !== source[i]) return false;
    return true;
  }
}

const rosters = new WeakMap<readonly Member[], Roster>();

/**
 * The roster of an initial-members array, built once per array instance and
 * shared. An array whose elements changed since gets a fresh roster, so the
 * result is always what the array holds now. A frozen array cannot have
 * changed: its roster is taken without comparing every element again (each
 * of 10,000 cores comparing 10,000 elements was a tenth of a large run's setup).
 */
export function rosterOf(members: readonly Member[]): Roster {
  const known = rosters.get(members);
  if (known !== undefined && (Object.isFrozen(members) || known.matches(members))) return known;
  const roster = new Roster(members);
  rosters.set(members, roster);
  return roster;
}
