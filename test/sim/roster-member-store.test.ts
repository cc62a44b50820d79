/**
 * The roster store reads untouched members from a shared roster and copies
 * them on write. Whatever happens to it, a table over it must answer exactly
 * as a table over the core's plain store, which holds a private record for
 * every member: same members, same order, same random picks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MemberEntry, MemberTable, newRecord, snapshotOf } from '../../src/core/member-table.js';
import { PlainMemberStore } from '../../src/core/plain-member-store.js';
import { SeededRandom } from '../../src/core/random.js';
import { digestOf } from '../../src/core/state-digest.js';
import type { Member, MemberState } from '../../src/core/types.js';
import { sortView, viewShare } from '../../src/core/view.js';
import { rosterOf } from '../../src/sim/roster.js';
import { RosterMemberStore } from '../../src/sim/roster-member-store.js';

const SELF = 'm3';

function rosterMember(id: string, threads: number): Member {
  return { id, address: `${id}:7946`, incarnation: 1, state: 'alive', threads, metadata: {} };
}

function selfRecord() {
  return newRecord({ id: SELF, address: 'self:7946', incarnation: 0, threads: 1, metadata: {} }, 0);
}

/** A table of private records, filled as a node adopts its initial members one by one. */
function privateTable(members: readonly Member[], nowMs: number): MemberTable {
  const table = new MemberTable(new PlainMemberStore(selfRecord()));
  for (const member of members) {
    if (member.id === SELF || table.has(member.id)) continue;
    const record = newRecord(member, nowMs);
    record.viewThreads = member.threads;
    table.add(record);
  }
  return table;
}

function sharedTable(members: readonly Member[], nowMs: number): MemberTable {
  const table = new MemberTable(new RosterMemberStore(selfRecord()));
  table.adoptInitial(members, nowMs, Number.POSITIVE_INFINITY);
  return table;
}

type Op =
  | { kind: 'state'; id: number; state: MemberState; incarnation: number }
  | { kind: 'reap'; id: number }
  | { kind: 'add'; id: number }
  | { kind: 'rtt'; id: number; rttMs: number }
  | { kind: 'view'; id: number; threads: number }
  | { kind: 'sample'; seed: number; count: number; states: MemberState[] };

const states: MemberState[] = ['alive', 'suspect', 'dead', 'left'];
const idOf = (n: number) => `m${n}`;

/** Roster ids are m0..m9; ops also name m10, m11, which only ever join later. */
const ID_MAX = 11;

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('state' as const),
    id: fc.nat(ID_MAX),
    state: fc.constantFrom(...states),
    incarnation: fc.nat(5),
  }),
  fc.record({ kind: fc.constant('reap' as const), id: fc.nat(ID_MAX) }),
  fc.record({ kind: fc.constant('add' as const), id: fc.nat(ID_MAX) }),
  fc.record({ kind: fc.constant('rtt' as const), id: fc.nat(ID_MAX), rttMs: fc.nat(500) }),
  fc.record({ kind: fc.constant('view' as const), id: fc.nat(ID_MAX), threads: fc.nat(3) }),
  fc.record({
    kind: fc.constant('sample' as const),
    seed: fc.nat(),
    count: fc.integer({ min: 1, max: 12 }),
    states: fc.subarray(states, { minLength: 1 }),
  }),
);

function apply(table: MemberTable, step: Op, nowMs: number): string[] | undefined {
  if (step.kind === 'sample') {
    const accept = (entry: MemberEntry) => step.states.includes(entry.state);
    return table.sample(new SeededRandom(step.seed), step.count, accept).map((entry) => entry.id);
  }
  const id = idOf(step.id);
  const entry = table.get(id);
  switch (step.kind) {
    case 'add':
      if (entry === undefined) table.add(newRecord({ ...rosterMember(id, 1), incarnation: 7 }, nowMs));
      return undefined;
    case 'reap':
      // Declared dead if it was not yet a tombstone, and forgotten.
      if (entry !== undefined && id !== SELF) {
        const record = table.own(entry);
        if (record.state !== 'dead' && record.state !== 'left') table.setState(record, 'dead');
        table.remove(record);
      }
      return undefined;
    case 'state':
      if (entry !== undefined && id !== SELF) {
        const record = table.own(entry);
        record.incarnation = step.incarnation;
        record.stateChangedAtMs = nowMs;
        table.setState(record, step.state);
      }
      return undefined;
    case 'rtt':
      if (entry !== undefined) table.own(entry).rttMs = step.rttMs;
      return undefined;
    case 'view':
      if (entry !== undefined) table.own(entry).viewThreads = step.threads;
      return undefined;
  }
}

/** Everything a reader can observe of a table. */
function observe(table: MemberTable) {
  const rows: unknown[] = [];
  table.forEach((entry) => {
    rows.push({
      ...snapshotOf(entry),
      viewThreads: entry.viewThreads,
      rttMs: entry.rttMs,
      changedAtMs: table.stateChangedAtMs(entry),
      stateRows: [table.stateRow(entry, 0), table.stateRow(entry, 7)],
    });
  });
  const inView: Array<[string, number]> = [];
  table.forEach((entry) => {
    if (entry.viewThreads > 0) inView.push([entry.id, entry.viewThreads]);
  }, true);
  const lookups = Array.from({ length: ID_MAX + 2 }, (_, n) => table.get(idOf(n))?.id ?? null);
  const liveOthers = table.liveOtherKeys().map((key) => table.byKey(key)?.id);
  // The store's digest (from shared sums where it has them) against one hashed row by row.
  const digests = [1, 2, 8, 64].map((count) => {
    const rowByRow = digestOf(count, (take) => table.forEach(take));
    expect(table.digest(count)).toEqual(rowByRow);
    return rowByRow;
  });
  return {
    digests,
    rows,
    view: sortView(inView, 0),
    lookups,
    liveOthers,
    size: table.size,
    live: table.liveCount,
    suspects: table.suspectCount,
    tombstones: [...table.tombstones].sort(),
  };
}

describe('RosterMemberStore', () => {
  it('answers exactly as a table of private records, whatever is changed, reaped or added', () => {
    const rosterArb = fc.array(fc.record({ id: fc.nat(9), threads: fc.integer({ min: 0, max: 3 }) }), {
      minLength: 0,
      maxLength: 14,
    });
    fc.assert(
      fc.property(rosterArb, fc.array(op, { minLength: 10, maxLength: 80 }), (raw, ops) => {
        // Ids may repeat (the first wins) and may include this node's own.
        const members = raw.map(({ id, threads }) => rosterMember(idOf(id), threads));
        const shared = sharedTable(members, 5);
        const reference = privateTable(members, 5);
        expect(observe(shared)).toEqual(observe(reference));
        ops.forEach((step, at) => {
          const picked = apply(shared, step, 10 + at);
          expect(picked).toEqual(apply(reference, step, 10 + at));
          expect(observe(shared)).toEqual(observe(reference));
        });
      }),
      { seed: 11, numRuns: 400 },
    );
  });

  it('digests a roster of many words of position bits as the plain table does', () => {
    const members = Array.from({ length: 100 }, (_, n) => rosterMember(idOf(n), 1 + (n % 3)));
    const shared = sharedTable(members, 0);
    const reference = privateTable(members, 0);
    // Positions at both ends of the bit words, and this node (m3) among them.
    for (const n of [0, 31, 32, 33, 63, 64, 95, 99]) {
      for (const table of [shared, reference]) {
        const record = table.own(table.get(idOf(n)) as MemberEntry);
        record.incarnation = 5;
        table.setState(record, n % 2 === 0 ? 'suspect' : 'dead');
        if (n === 64) table.remove(record);
      }
    }
    for (const count of [1, 4, 64]) {
      expect(shared.digest(count)).toEqual(reference.digest(count));
      expect(shared.digest(count)).toEqual(digestOf(count, (take) => reference.forEach(take)));
    }
    expect(shared.digest(64)).not.toEqual(sharedTable(members, 0).digest(64));
  });

  it('leaves the roster and every other table untouched when one table changes a member', () => {
    const members = [rosterMember('m1', 1), rosterMember('m2', 2), rosterMember(SELF, 1)];
    const one = sharedTable(members, 0);
    const two = sharedTable(members, 0);
    const record = one.own(one.get('m1') as MemberEntry);
    record.incarnation = 9;
    one.setState(record, 'dead');
    one.remove(record);
    expect(one.get('m1')).toBeUndefined();
    expect(two.get('m1')).toMatchObject({ state: 'alive', incarnation: 1 });
    expect(rosterOf(members).entries[0]).toMatchObject({ id: 'm1', state: 'alive', incarnation: 1 });
    expect(Object.isFrozen(two.get('m2'))).toBe(true);
    // An untouched member is listed in states by one shared, read-only row.
    const row = two.stateRow(two.get('m2') as MemberEntry, 0);
    expect(row).toEqual({ ...rosterMember('m2', 2), viewDelayMs: 0 });
    expect(Object.isFrozen(row)).toBe(true);
    const three = sharedTable(members, 0);
    expect(three.stateRow(three.get('m2') as MemberEntry, 0)).toBe(row);
    expect(three.stateRow(three.get('m2') as MemberEntry, 3)).toEqual({ ...row, viewDelayMs: 3 });
    // m2 moved into the place m1 left in `one`: a private record, listed by a row of its own.
    expect(one.stateRow(one.get('m2') as MemberEntry, 0)).not.toBe(row);
    expect(two.size).toBe(3);
  });

  it('reports the view share of the members it takes in, and declines members that would not fit', () => {
    const members = [
      rosterMember('m1', 2),
      rosterMember(SELF, 1),
      rosterMember('m2', 0),
      rosterMember('m4', 3),
    ];
    const full = new MemberTable(new RosterMemberStore(selfRecord()));
    expect(full.adoptInitial(members, 0, 2)).toBeUndefined();
    expect(full.size).toBe(1);
    const table = new MemberTable(new RosterMemberStore(selfRecord()));
    const share = table.adoptInitial(members, 0, 3);
    const keys: unknown[] = [];
    share?.forEachKey((key) => keys.push(key));
    expect(keys).toEqual([0, 2, 3]);
    expect(share).toMatchObject({
      count: 3,
      total: 5,
      digest: (viewShare('m1', 2) + viewShare('m4', 3)) >>> 0,
    });
    expect(table.liveCount).toBe(4);
    expect(table.adoptInitial(members, 0, 3)).toBeUndefined();
  });

  it('builds one roster per array, and a fresh one once the array holds other members', () => {
    const members = [rosterMember('m1', 1), rosterMember('m2', 1)];
    expect(rosterOf(members)).toBe(rosterOf(members));
    expect(rosterOf([...members])).not.toBe(rosterOf(members));
    const before = rosterOf(members);
    members[1] = rosterMember('m5', 1);
    const after = rosterOf(members);
    expect(after).not.toBe(before);
    expect(after.position('m5')).toBe(1);
    expect(after.position('m2')).toBe(-1);
  });

  it('keeps the roster of a frozen array, which cannot change', () => {
    const members = Object.freeze([rosterMember('m1', 1), rosterMember('m2', 1)]);
    const roster = rosterOf(members);
    expect(rosterOf(members)).toBe(roster);
    expect(() => {
      (members as Member[])[1] = rosterMember('m5', 1);
    }).toThrow(TypeError);
    expect(rosterOf(members).position('m2')).toBe(1);
  });
});
