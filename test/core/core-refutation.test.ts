import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/messages.js';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';

function node(incarnation = 0): SoloCore {
  return new SoloCore({
    initialMembers: members('a', 'b'),
    config: testConfig(),
    incarnation,
    metadata: { role: 'web' },
    threads: 3,
  }).start(0);
}

/** The alive message about this node that the next packet carries, if any. */
function announcedSelf(solo: SoloCore): Message | undefined {
  return solo.pingSelf()?.messages.find((m) => m.type === 'alive' && m.id === 'self');
}

const refutations = (solo: SoloCore) => solo.host.events.filter((event) => event.type === 'refuted');

describe('refuting suspicion and death about ourselves', () => {
  it('a suspicion at our incarnation raises it by one and broadcasts alive', () => {
    const solo = node(0);
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 0, fromId: 'a' }]);
    expect(solo.core.incarnation).toBe(1);
    expect(refutations(solo)).toEqual([{ type: 'refuted', incarnation: 1 }]);
    expect(announcedSelf(solo)).toMatchObject({
      type: 'alive',
      id: 'self',
      address: '10.0.0.1:7946',
      incarnation: 1,
      threads: 3,
      metadata: { role: 'web' },
    });
    expect(solo.core.stats().refutations).toBe(1);
  });

  it('a suspicion above our incarnation is refuted above it', () => {
    const solo = node(2);
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 7, fromId: 'a' }]);
    expect(solo.core.incarnation).toBe(8);
    expect(announcedSelf(solo)).toMatchObject({ incarnation: 8 });
  });

  it('a death notice at or above our incarnation is refuted', () => {
    const solo = node(4);
    solo.receive([{ type: 'dead', id: 'self', incarnation: 4, fromId: 'a', viewDelayMs: 0 }]);
    expect(solo.core.incarnation).toBe(5);
    expect(announcedSelf(solo)).toMatchObject({ incarnation: 5 });
  });

  it('a left notice about us while we are running is refuted', () => {
    const solo = node(1);
    solo.receive([{ type: 'left', id: 'self', incarnation: 1, viewDelayMs: 0 }]);
    expect(solo.core.incarnation).toBe(2);
  });

  it('claims below our incarnation raise nothing; accusations among them get our alive again', () => {
    const stale = node(5);
    stale.receive([alive('self', { incarnation: 4 })]);
    expect(stale.core.incarnation).toBe(5);
    expect(announcedSelf(stale)).toBeUndefined();

    const solo = node(5);
    solo.receive([
      { type: 'suspect', id: 'self', incarnation: 4, fromId: 'a' },
      { type: 'dead', id: 'self', incarnation: 3, fromId: 'a', viewDelayMs: 0 },
      { type: 'left', id: 'self', incarnation: 0, viewDelayMs: 0 },
    ]);
    expect(solo.core.incarnation).toBe(5);
    expect(refutations(solo)).toEqual([]);
    // The accuser missed our last refutation: it hears the same alive once more.
    expect(announcedSelf(solo)).toMatchObject({ type: 'alive', id: 'self', incarnation: 5 });
  });

  it('an alive about us at a higher incarnation (a previous life) is refuted above it', () => {
    const solo = node(0);
    solo.receive([alive('self', { incarnation: 9, address: '10.7.7.7:7946' })]);
    expect(solo.core.incarnation).toBe(10);
    expect(announcedSelf(solo)).toMatchObject({ incarnation: 10, address: '10.0.0.1:7946' });
  });

  it('being accused raises the health score, an old alive does not', () => {
    const accused = node(0);
    accused.receive([{ type: 'suspect', id: 'self', incarnation: 0, fromId: 'a' }]);
    expect(accused.core.stats().awareness).toBe(1);
    const echoed = node(0);
    echoed.receive([alive('self', { incarnation: 1 })]);
    expect(echoed.core.stats().awareness).toBe(0);
  });

  it('the refuting alive carries a fresh view delay so that members who dropped us re-admit us together', () => {
    const solo = node(0);
    solo.receive([{ type: 'dead', id: 'self', incarnation: 0, fromId: 'a', viewDelayMs: 0 }]);
    expect(announcedSelf(solo)).toMatchObject({ viewDelayMs: 1500 });
  });

  it('a refutation is not undone: a repeated suspicion at the old incarnation is ignored', () => {
    const solo = node(0);
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 0, fromId: 'a' }]);
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 0, fromId: 'b' }]);
    expect(solo.core.incarnation).toBe(1);
    expect(refutations(solo)).toHaveLength(1);
  });

  it('refutes at once a suspicion carried on a buddy ping, and still acks the ping', () => {
    const solo = node(0);
    solo.receive(
      [
        { type: 'suspect', id: 'self', incarnation: 0, fromId: 'a' },
        { type: 'ping', seq: 5, targetId: 'self', fromId: 'a', viewId: 0 },
      ],
      addressFor('a'),
    );
    const [packet] = solo.host.sent;
    expect(packet?.messages[0]).toMatchObject({ type: 'ack', seq: 5 });
    expect(packet?.messages).toContainEqual(
      expect.objectContaining({ type: 'alive', id: 'self', incarnation: 1 }),
    );
  });

  it('refutes a death found in a full-state exchange', () => {
    const solo = node(0);
    solo.core.handleSyncReply(
      {
        type: 'state',
        join: false,
        fromId: 'a',
        members: [{ ...alive('self'), state: 'dead', viewDelayMs: 0 }],
      },
      '10.9.9.9:7946',
      0,
    );
    expect(solo.core.incarnation).toBe(1);
  });

  it('does not refute anything once it has left', () => {
    const solo = node(0);
    solo.core.leave(0);
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 0, fromId: 'a' }]);
    solo.receive([{ type: 'dead', id: 'self', incarnation: 0, fromId: 'a', viewDelayMs: 0 }]);
    expect(solo.core.incarnation).toBe(0);
    expect(refutations(solo)).toEqual([]);
  });
});

describe('an alive about ourselves at our own incarnation', () => {
  const self = { address: '10.0.0.1:7946', threads: 3, metadata: { role: 'web' } };

  it('stating exactly what we are is our own announcement echoed back: nothing happens', () => {
    const solo = node(5);
    solo.receive([alive('self', { incarnation: 5, ...self })]);
    expect(solo.core.incarnation).toBe(5);
    expect(refutations(solo)).toEqual([]);
  });

  it.each([
    ['another thread count (an earlier life with 1 thread)', { threads: 1 }],
    ['other metadata', { metadata: { role: 'db' } }],
    ['more metadata keys', { metadata: { role: 'web', zone: 'b' } }],
  ])('stating %s is refuted upward', (_name, differs) => {
    const solo = node(5);
    solo.receive([alive('self', { incarnation: 5, ...self, ...differs })]);
    expect(solo.core.incarnation).toBe(6);
    expect(refutations(solo)).toEqual([{ type: 'refuted', incarnation: 6 }]);
    expect(announcedSelf(solo)).toMatchObject({ type: 'alive', incarnation: 6, ...self });
  });

  it('stating another address is refuted upward and reported as a conflict', () => {
    const solo = node(5);
    solo.receive([alive('self', { incarnation: 5, ...self, address: '10.0.0.99:7946' })]);
    expect(solo.core.incarnation).toBe(6);
    expect(solo.host.events.filter((event) => event.type === 'conflict')).toEqual([
      { type: 'conflict', id: 'self', address: '10.0.0.99:7946' },
    ]);
  });
});
