/**
 * Push-pull by digest: a periodic sync opens with a digest of the member
 * table, the peer answers with its rows of the buckets that differ, and the
 * opener pushes its own rows of those buckets back. Checked here: two
 * agreeing tables exchange a few hundred bytes at any size, and two
 * differing tables end exactly as the full exchange (every row both ways,
 * still what join and repair syncs do) would leave them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterLabel, MsgpackCodec } from '../../src/codec/index.js';
import type { ProtocolConfig } from '../../src/core/config.js';
import type { DigestMessage, StateMessage, SyncRequest } from '../../src/core/messages.js';
import type { MemberSnapshot, MemberState } from '../../src/core/types.js';
import { addressFor, member, SoloCore, testConfig } from './harness.js';

const codec = new MsgpackCodec({
  label: clusterLabel('test', 'digest'),
  packetLimits: { packetBytesMax: 1400, metadataBytesMax: 512 },
  stateLimits: { stateBytesMax: 1 << 26, membersMax: 20_000, metadataBytesMax: 512 },
});

/**
 * Long probe periods and suspicions, so nothing but what a test does moves
 * a table: a suspicion runs out only after 100 probe periods of a minute.
 */
function quietConfig(): ProtocolConfig {
  return testConfig({
    probeIntervalMs: 60_000,
    probeTimeoutMs: 30_000,
    suspicionMult: 100,
    pushPullIntervalMs: 100,
  });
}

function node(id: string, others: readonly string[], incarnation = 0): SoloCore {
  const initialMembers = others.filter((other) => other !== id).map((other) => member(other));
  return new SoloCore({
    id,
    address: addressFor(id),
    incarnation,
    initialMembers,
    config: quietConfig(),
  }).start(0);
}

/** Fires timers in time order until the core opens a sync (the first push-pull comes within 110 ms). */
function nextSyncRequest(solo: SoloCore): { to: string; request: SyncRequest } {
  const before = solo.host.syncRequests.length;
  solo.advanceUntil(() => solo.host.syncRequests.length > before, 1000);
  const request = solo.host.syncRequests[before];
  const sync = solo.host.syncs[before];
  if (request === undefined || sync === undefined) throw new Error('the core opened no sync');
  return { to: sync.to, request };
}

/** The last sync the core opened after index `from`, if any. */
function syncSince(solo: SoloCore, from: number): SyncRequest | undefined {
  return solo.host.syncRequests.length > from ? solo.host.syncRequests.at(-1) : undefined;
}

/** The periodic exchange as the cores now run it: digest, answer, push, acknowledgement. */
function digestExchange(a: SoloCore, b: SoloCore): { bytes: number; rows: number; legs: number } {
  const nowMs = a.host.nowMs;
  const { to, request } = nextSyncRequest(a);
  expect(request.type).toBe('digest');
  let bytes = codec.encodeState(request).length;
  const answer = b.core.answerState(request, addressFor(a.core.id), nowMs) as StateMessage;
  bytes += codec.encodeState(answer).length;
  let rows = answer.members.length;
  const pushedFrom = a.host.syncRequests.length;
  a.core.handleSyncReply(answer, to, nowMs);
  const push = syncSince(a, pushedFrom);
  if (push === undefined) return { bytes, rows, legs: 2 };
  expect(push.type === 'state' && push.scope).toEqual(answer.scope);
  bytes += codec.encodeState(push).length;
  rows += (push as StateMessage).members.length;
  const ack = b.core.answerState(push, addressFor(a.core.id), nowMs) as StateMessage;
  expect(ack.members).toEqual([]);
  bytes += codec.encodeState(ack).length;
  a.core.handleSyncReply(ack, to, nowMs);
  // The acknowledgement ends the exchange: no third leg.
  expect(a.host.syncRequests.length).toBe(pushedFrom + 1);
  return { bytes, rows, legs: 4 };
}

/** The exchange every periodic sync used to be: a's whole state to b, b's whole state back. */
function fullExchange(a: SoloCore, b: SoloCore): void {
  const nowMs = a.host.nowMs;
  // Answering an empty state returns a core's own full state and merges nothing.
  const empty: StateMessage = { type: 'state', join: false, fromId: 'observer', members: [] };
  const stateOfA = a.core.answerState(empty, '10.99.0.1:7946', nowMs) as StateMessage;
  const answer = b.core.answerState(stateOfA, addressFor(a.core.id), nowMs) as StateMessage;
  a.core.handleSyncReply(answer, addressFor(b.core.id), nowMs);
}

function tableOf(solo: SoloCore): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const m of solo.core.members()) rows[m.id] = `${m.state}@${m.incarnation} ${m.address} x${m.threads}`;
  return rows;
}

describe('a sync between agreeing nodes', () => {
  for (const size of [50, 200, 1000]) {
    it(`costs a digest and an empty answer at ${size} members`, () => {
      const ids = Array.from({ length: size }, (_, i) => `node-${String(i).padStart(4, '0')}`);
      const a = node(ids[0] as string, ids);
      const b = node(ids[1] as string, ids);
      // Each knows the other at the incarnation it runs at (0): the tables are equal.
      expect(tableOf(a)).toEqual(tableOf(b));
      const { bytes, rows, legs } = digestExchange(a, b);
      expect(legs).toBe(2);
      expect(rows).toBe(0);
      expect(bytes).toBeLessThan(512);
      // Against what the same sync cost as a full state each way.
      const empty: StateMessage = { type: 'state', join: false, fromId: 'observer', members: [] };
      const full = codec.encodeState(a.core.answerState(empty, '10.99.0.1:7946', 0) as StateMessage).length;
      expect(bytes).toBeLessThan(full);
    });
  }

  it('moves only the rows of the bucket where one member differs', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `node-${String(i).padStart(4, '0')}`);
    const a = node(ids[0] as string, ids);
    const b = node(ids[1] as string, ids);
    // b hears of a newer life of one member; a does not.
    b.core.handleMessages(
      [{ type: 'alive', ...member('node-0500', { incarnation: 5 }), viewDelayMs: 0 }],
      addressFor('node-0500'),
      'datagram',
      0,
    );
    const { rows, legs } = digestExchange(a, b);
    expect(legs).toBe(4);
    expect(a.core.member('node-0500')?.incarnation).toBe(5);
    expect(tableOf(a)).toEqual(tableOf(b));
    // 1000 members in 64 buckets: a bucket's rows each way, far from 1000.
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(rows).toBeLessThan(100);
  });
});

type Row = { readonly state: MemberState; readonly incarnation: number } | undefined;

const rowArb: fc.Arbitrary<Row> = fc.option(
  fc
    .record({
      state: fc.constantFrom<MemberState>('alive', 'suspect', 'dead', 'left'),
      incarnation: fc.integer({ min: 0, max: 3 }),
    })
    // A death is installed over a suspicion one incarnation below it (see coreWith).
    .map((row) => (row.state === 'dead' ? { ...row, incarnation: Math.max(1, row.incarnation) } : row)),
  { nil: undefined },
);

const SUBJECTS = Array.from({ length: 24 }, (_, i) => `m${i}`);
const CORE_IDS = ['a', 'b', 'p', 'q'];
/**
 * A core whose table holds `rows` about the subjects: alive, suspect and
 * left ones merged from states `p` sends, dead ones suspected so one
 * incarnation below and then declared dead by `q` (a death above the
 * suspicion's incarnation is final at once). Everything happens at 0 ms,
 * before any of the core's timers is due.
 */
function coreWith(id: string, rows: readonly Row[]): SoloCore {
  const solo = node(id, CORE_IDS);
  const known: MemberSnapshot[] = [];
  const accused: MemberSnapshot[] = [];
  rows.forEach((row, i) => {
    if (row === undefined) return;
    const snapshot = { ...member(SUBJECTS[i] as string), metadata: {}, viewDelayMs: 0 };
    const incarnation = row.state === 'dead' ? row.incarnation - 1 : row.incarnation;
    // Only a member known alive can be suspected or leave: it is first heard of alive.
    known.push({ ...snapshot, state: 'alive', incarnation });
    const state = row.state === 'dead' ? 'suspect' : row.state;
    if (state !== 'alive') accused.push({ ...snapshot, state, incarnation });
  });
  for (const members of [known, accused]) {
    solo.core.answerState({ type: 'state', join: false, fromId: 'p', members }, addressFor('p'), 0);
  }
  const deaths = rows.flatMap((row, i) =>
    row?.state === 'dead'
      ? [
          {
            type: 'dead' as const,
            id: SUBJECTS[i] as string,
            incarnation: row.incarnation,
            fromId: 'q',
            viewDelayMs: 0,
          },
        ]
      : [],
  );
  for (const death of deaths) solo.core.handleMessages([death], addressFor('q'), 'datagram', 0);
  return solo;
}

describe('a sync between differing nodes', () => {
  it('ends with both tables as the full exchange leaves them', () => {
    const tables = fc.tuple(
      fc.array(rowArb, { minLength: SUBJECTS.length, maxLength: SUBJECTS.length }),
      fc.array(rowArb, { minLength: SUBJECTS.length, maxLength: SUBJECTS.length }),
    );
    let differed = 0;
    fc.assert(
      fc.property(tables, ([rowsA, rowsB]) => {
        const fullA = coreWith('a', rowsA);
        const fullB = coreWith('b', rowsB);
        const digestA = coreWith('a', rowsA);
        const digestB = coreWith('b', rowsB);
        // The installs land as meant: dead rows are dead.
        rowsA.forEach((row, i) => {
          const installed = fullA.core.member(SUBJECTS[i] as string);
          expect(installed && `${installed.state}@${installed.incarnation}`).toBe(
            row && `${row.state}@${row.incarnation}`,
          );
        });
        if (JSON.stringify(tableOf(fullA)) !== JSON.stringify(tableOf(fullB))) differed++;
        fullExchange(fullA, fullB);
        digestExchange(digestA, digestB);
        expect(tableOf(digestA)).toEqual(tableOf(fullA));
        expect(tableOf(digestB)).toEqual(tableOf(fullB));
      }),
      { numRuns: 150 },
    );
    // The property was tried on tables that differ, not only on equal ones.
    expect(differed).toBeGreaterThan(100);
  });
});

describe('digest requests', () => {
  it('are what periodic syncs open with; a join still sends the full state', () => {
    const ids = ['a', 'b', 'c'];
    const a = node('a', ids);
    const periodic = nextSyncRequest(a).request as DigestMessage;
    expect(periodic.type).toBe('digest');
    expect(periodic.buckets.length).toBe(1);
    const joiner = new SoloCore({ id: 'j', address: addressFor('j'), config: quietConfig() }).start(0);
    joiner.core.join([addressFor('a')], 0);
    expect(joiner.host.syncRequests[0]).toMatchObject({ type: 'state', join: true });
  });

  it('a digest admits no joiner: it stays out of its view until rows arrive', () => {
    const joiner = new SoloCore({
      id: 'j',
      address: addressFor('j'),
      config: quietConfig(),
      joining: true,
    }).start(0);
    joiner.core.join([addressFor('a')], 0);
    const digest: DigestMessage = {
      type: 'digest',
      join: false,
      fromId: 'a',
      buckets: [1, 2],
      check: 3,
      eventLtime: 0,
    };
    const answer = joiner.core.answerState(digest, addressFor('a'), 10);
    // It knows only itself, so it answers with its own row for the bucket it is in.
    expect(answer?.members.map((m) => m.id)).toEqual(['j']);
    joiner.advanceTo(10_000);
    expect(joiner.core.view().total).toBe(0);
    // The rows pushed next admit it as a full state would.
    const push: StateMessage = {
      type: 'state',
      join: false,
      fromId: 'a',
      members: [{ ...member('a'), state: 'alive', viewDelayMs: 0 }],
      eventLtime: 0,
      scope: answer?.scope ?? { bucketCount: 2, buckets: [0, 1] },
    };
    joiner.core.answerState(push, addressFor('a'), 10_000);
    joiner.advanceTo(30_000);
    expect(joiner.core.view().total).toBe(2);
  });

  it('an answer to a push earns no second push', () => {
    const ids = ['a', 'b', 'c'];
    const a = node('a', ids);
    const { to } = nextSyncRequest(a);
    const before = a.host.syncRequests.length;
    const unasked: StateMessage = {
      type: 'state',
      join: false,
      fromId: 'b',
      members: [],
      eventLtime: 0,
      scope: { bucketCount: 1, buckets: [0] },
    };
    a.core.handleSyncReply(unasked, to, 0);
    expect(a.host.syncRequests.length).toBe(before + 1);
    // The same answer again, with no digest of ours in flight: nothing goes out.
    a.core.handleSyncReply(unasked, to, 0);
    expect(a.host.syncRequests.length).toBe(before + 1);
  });
});

describe('the follow-up sync after a join', () => {
  /** A joiner admitted through `seed` at 5 ms; the seed's state names two more members. */
  function admittedJoiner(pushPullIntervalMs: number): SoloCore {
    const solo = new SoloCore({
      id: 'joiner',
      address: addressFor('joiner'),
      joining: true,
      config: testConfig({ pushPullIntervalMs }),
    });
    solo.start(0);
    solo.core.join([addressFor('seed')], 0);
    const row = (id: string): MemberSnapshot => ({ ...member(id), state: 'alive', viewDelayMs: 0 });
    solo.host.nowMs = 5;
    solo.core.handleSyncReply(
      { type: 'state', join: false, fromId: 'seed', members: [row('seed'), row('a'), row('b')] },
      addressFor('seed'),
      5,
    );
    return solo;
  }

  it('opens one digest sync with a member once the joins around it have spread: a view delay and up to a period later', () => {
    // An hour between periodic syncs, so only the follow-up can fall in this window.
    const solo = admittedJoiner(3_600_000);
    expect(solo.host.syncs).toEqual([{ to: addressFor('seed'), join: true }]);
    // lan: viewDelayMs 1500 at four members, then up to one 1000 ms period.
    solo.advanceTo(5 + 1500 - 1);
    expect(solo.host.syncRequests.length).toBe(1);
    solo.advanceTo(5 + 1500 + 1000);
    expect(solo.host.syncRequests.map((request) => request.type)).toEqual(['state', 'digest']);
    expect([addressFor('seed'), addressFor('a'), addressFor('b')]).toContain(solo.host.syncs[1]?.to);
    solo.advanceTo(60_000);
    expect(solo.host.syncRequests.length).toBe(2);
  });

  it('opens none when push-pull is off', () => {
    const solo = admittedJoiner(0);
    solo.advanceTo(60_000);
    expect(solo.host.syncs).toEqual([{ to: addressFor('seed'), join: true }]);
  });
});
