/**
 * What a seed tells a joiner about the majority rule (MeshCore.lostMostMembers):
 * the failed members it remembers, and, while it may be the cut-off side,
 * only the live members it vouches for. One joiner on each side of an even
 * split must not turn both sides into a majority.
 */
import { describe, expect, it } from 'vitest';
import type { StateMessage } from '../../src/core/messages.js';
import { addressFor, aliveRow, SoloCore, stateAnswer, testConfig } from './harness.js';

/**
 * A node admitted through a's answer, which listed a, b, c, d and e: it
 * vouches for b, c, d and e (not for a, which may not vouch for itself, nor
 * for itself, until it settles).
 */
function admittedNode(): SoloCore {
  const solo = new SoloCore({ config: testConfig(), joining: true }).start(0);
  solo.core.join([addressFor('a')], 0);
  solo.core.handleSyncReply(stateAnswer('a', ['a', 'b', 'c', 'd', 'e']), addressFor('a'), 10);
  return solo;
}

/** `id` asks the seed to join; returns the seed's answer. */
function joinRequest(solo: SoloCore, id: string): StateMessage {
  const request: StateMessage = { type: 'state', join: true, fromId: id, members: [aliveRow(id)] };
  const answer = solo.core.answerState(request, '10.9.9.9:50000', solo.host.nowMs);
  if (answer?.type !== 'state') throw new Error('no answer');
  return answer;
}

/** The answer's rows as id:live or id:dead (a suspect is live: it is in the view). */
/** `ids` stop answering; everyone else does. Their failures are detected by the node's own probes. */
function fail(solo: SoloCore, ids: readonly string[]): void {
  solo.autoAck = true;
  for (const id of ids) solo.silent.add(id);
  solo.advanceUntil(
    () => ids.every((id) => solo.core.member(id)?.state === 'dead'),
    solo.host.nowMs + 120_000,
  );
  for (const id of ids)
    if (solo.core.member(id)?.state !== 'dead') throw new Error(`${id} not declared dead`);
}

const rows = (answer: StateMessage) =>
  answer.members.map((row) => `${row.id}:${row.state === 'suspect' ? 'alive' : row.state}`).sort();

describe('join answers and the majority rule', () => {
  it('a seed that lost most of the members it vouched for lists only those it vouches for, and its failures', () => {
    const solo = admittedNode();
    // b, c and d fail: e is the one live member it vouches for, against 3 failed.
    for (const id of ['b', 'c', 'd']) fail(solo, [id]);
    expect(solo.core.settled).toBe(false);
    joinRequest(solo, 'x');
    // x joined after the seed last vouched for its members: a second joiner is not told of it,
    // nor of a and of the seed itself, which the seed does not vouch for either.
    expect(solo.core.member('x')?.state).toBe('alive');
    expect(rows(joinRequest(solo, 'y'))).toEqual(['b:dead', 'c:dead', 'd:dead', 'e:alive', 'y:alive']);
  });

  it('a seed with a majority lists every live member, and the failure it remembers', () => {
    const solo = admittedNode();
    fail(solo, ['d']);
    joinRequest(solo, 'x');
    expect(rows(joinRequest(solo, 'y'))).toEqual([
      'a:alive',
      'b:alive',
      'c:alive',
      'd:dead',
      'e:alive',
      'self:alive',
      'x:alive',
      'y:alive',
    ]);
  });

  it('lists a failure that still counts after its tombstone is reaped', () => {
    const solo = admittedNode();
    for (const id of ['b', 'c', 'd']) fail(solo, [id]);
    // Past tombstone retention (120 s on lan) the row is gone from the table, not from the answer:
    // with no settled view since, the failure still counts.
    solo.advanceTo(solo.host.nowMs + 10 * 60_000);
    expect(solo.core.settled).toBe(false);
    expect(solo.core.member('d')).toBeUndefined();
    const dead = joinRequest(solo, 'y').members.find((row) => row.id === 'd');
    expect(dead).toMatchObject({ state: 'dead', address: addressFor('d') });
  });

  it('once settled without a failed member, stops listing it: a replacement must not count it', () => {
    const solo = admittedNode();
    fail(solo, ['d']);
    expect(rows(joinRequest(solo, 'x'))).toContain('d:dead');
    solo.advanceUntil(() => solo.core.settled, solo.host.nowMs + 10 * 60_000);
    expect(solo.core.settled).toBe(true);
    expect(rows(joinRequest(solo, 'y')).filter((row) => row.startsWith('d:'))).toEqual([]);
    solo.advanceTo(solo.host.nowMs + 10 * 60_000);
    expect(rows(joinRequest(solo, 'z')).filter((row) => row.startsWith('d:'))).toEqual([]);
  });

  it('a joiner counts the failures its seed remembers: it asks them whether they are back', () => {
    const joiner = new SoloCore({
      id: 'j',
      address: '10.0.0.9:7946',
      config: testConfig(),
      joining: true,
    }).start(0);
    joiner.core.join([addressFor('a')], 0);
    const answer: StateMessage = {
      type: 'state',
      join: false,
      fromId: 'a',
      members: [
        aliveRow('a'),
        aliveRow('b'),
        { ...aliveRow('c'), state: 'dead' },
        { ...aliveRow('d'), state: 'dead' },
      ],
    };
    joiner.core.handleSyncReply(answer, addressFor('a'), 10);
    // The reconnect memory pings a remembered failure every reconnect interval (30 s on lan).
    const from = joiner.mark();
    joiner.advanceTo(10 + 3 * 33_000);
    const asked = new Set(
      joiner
        .sentSince(from)
        .filter((packet) =>
          packet.messages.some((m) => m.type === 'ping' && (m.targetId === 'c' || m.targetId === 'd')),
        )
        .map((packet) => packet.to),
    );
    expect([...asked].sort()).toEqual([addressFor('c'), addressFor('d')].sort());
  });
});
