import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/messages.js';
import { ANSWERS_PER_PERIOD_MAX } from '../../src/core/stale-corrections.js';
import { addressFor, alive, members, type SentPacket, SoloCore, testConfig } from './harness.js';

/** A node in a cluster with a, b and c, holding b alive at incarnation 4 (b refuted a suspicion). */
function node(): SoloCore {
  const solo = new SoloCore({ initialMembers: members('a', 'b', 'c'), config: testConfig(), incarnation: 5 });
  solo.start(0);
  solo.receive([alive('b', { incarnation: 4 })], addressFor('b'));
  solo.host.clear();
  return solo;
}

const staleSuspicionOfB: Message = { type: 'suspect', id: 'b', incarnation: 3, fromId: 'c' };

/** Packets sent to `to` that hold nothing but one alive about `id`: a direct answer, not gossip. */
function answersTo(solo: SoloCore, to: string, id: string): SentPacket[] {
  return solo.host.sent.filter(
    (packet) =>
      packet.to === to &&
      packet.channel === 'datagram' &&
      packet.messages.length === 1 &&
      packet.messages[0]?.type === 'alive' &&
      packet.messages[0].id === id,
  );
}

describe('a stale accusation is answered to its sender', () => {
  it('a suspicion below the incarnation we hold gets the newer alive straight back', () => {
    const solo = node();
    solo.receive([staleSuspicionOfB], addressFor('a'));
    const answers = answersTo(solo, addressFor('a'), 'b');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.messages[0]).toMatchObject({ type: 'alive', id: 'b', incarnation: 4 });
  });

  it('so does a death or a leave below it', () => {
    const dead = node();
    dead.receive([{ type: 'dead', id: 'b', incarnation: 3, fromId: 'c', viewDelayMs: 0 }], addressFor('a'));
    expect(answersTo(dead, addressFor('a'), 'b')).toHaveLength(1);
    const left = node();
    left.receive([{ type: 'left', id: 'b', incarnation: 3, viewDelayMs: 0 }], addressFor('a'));
    expect(answersTo(left, addressFor('a'), 'b')).toHaveLength(1);
  });

  it('an accusation of ourselves from before our last refutation gets our alive straight back', () => {
    const solo = node();
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 4, fromId: 'c' }], addressFor('a'));
    const answers = answersTo(solo, addressFor('a'), 'self');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.messages[0]).toMatchObject({ type: 'alive', id: 'self', incarnation: 5 });
    expect(solo.core.incarnation).toBe(5);
  });

  it('a current accusation is no stale one: nobody is answered directly', () => {
    const solo = node();
    solo.receive([{ type: 'suspect', id: 'b', incarnation: 4, fromId: 'c' }], addressFor('a'));
    expect(answersTo(solo, addressFor('a'), 'b')).toEqual([]);
  });

  it('a stale accusation over the stream gets no datagram: its source is a connection', () => {
    const solo = node();
    solo.receive([staleSuspicionOfB], addressFor('a'), 'stream');
    expect(answersTo(solo, addressFor('a'), 'b')).toEqual([]);
  });

  it('each sender hears about each member once per probe interval', () => {
    const solo = node();
    const { probeIntervalMs } = testConfig();
    solo.receive([staleSuspicionOfB], addressFor('a'));
    solo.receive([staleSuspicionOfB], addressFor('a'));
    solo.receive([staleSuspicionOfB], addressFor('c'));
    expect(answersTo(solo, addressFor('a'), 'b')).toHaveLength(1);
    expect(answersTo(solo, addressFor('c'), 'b')).toHaveLength(1);
    solo.host.nowMs += probeIntervalMs;
    solo.receive([staleSuspicionOfB], addressFor('a'));
    expect(answersTo(solo, addressFor('a'), 'b')).toHaveLength(2);
  });

  it('a flood of stale accusations from many members is answered up to the budget per interval', () => {
    const accusers = Array.from({ length: ANSWERS_PER_PERIOD_MAX + 10 }, (_, i) => `m${i}`);
    const solo = new SoloCore({ initialMembers: members('b', ...accusers), config: testConfig() });
    solo.start(0);
    solo.receive([alive('b', { incarnation: 4 })], addressFor('b'));
    for (const accuser of accusers) solo.receive([staleSuspicionOfB], addressFor(accuser));
    const answered = accusers.filter((accuser) => answersTo(solo, addressFor(accuser), 'b').length > 0);
    expect(answered).toHaveLength(ANSWERS_PER_PERIOD_MAX);
  });

  it('an address where no member is held gets nothing: anyone can write a source', () => {
    const solo = node();
    solo.receive([staleSuspicionOfB], '10.8.0.1:7946');
    expect(solo.host.sent.filter((packet) => packet.to === '10.8.0.1:7946')).toEqual([]);
  });
});

describe('a ping from a member we suspect', () => {
  function suspectingB(): SoloCore {
    const solo = node();
    solo.receive([{ type: 'suspect', id: 'b', incarnation: 4, fromId: 'c' }], addressFor('c'));
    solo.host.clear();
    return solo;
  }
  const pingFromB: Message = { type: 'ping', seq: 77, targetId: 'self', fromId: 'b', viewId: 0 };

  it('is acked with the suspicion, so the member refutes it to us directly', () => {
    const solo = suspectingB();
    solo.receive([pingFromB], addressFor('b'));
    const ack = solo.host.sent.find((packet) => packet.messages.some((m) => m.type === 'ack'));
    expect(ack?.to).toBe(addressFor('b'));
    expect(ack?.messages).toContainEqual({ type: 'suspect', id: 'b', incarnation: 4, fromId: 'self' });
  });

  it('from another address tells nothing: anyone can put an id on a ping', () => {
    const solo = suspectingB();
    solo.receive([pingFromB], '10.8.8.8:7946');
    const ack = solo.host.sent.find((packet) => packet.messages.some((m) => m.type === 'ack'));
    expect(ack?.messages.filter((m) => m.type === 'suspect')).toEqual([]);
  });

  it('held alive: the ack carries no suspicion', () => {
    const solo = node();
    solo.receive([pingFromB], addressFor('b'));
    const ack = solo.host.sent.find((packet) => packet.messages.some((m) => m.type === 'ack'));
    expect(ack).toBeDefined();
    expect(ack?.messages.filter((m) => m.type === 'suspect')).toEqual([]);
  });
});
