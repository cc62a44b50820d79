import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../../src/core/config.js';
import type { CoreEvent } from '../../src/core/host.js';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';
import { MiniNet } from './mini-net.js';

function cluster(ids: string[], config: Partial<ProtocolConfig> = {}): SoloCore {
  return new SoloCore({ initialMembers: members(...ids), config: testConfig(config), incarnation: 2 }).start(
    0,
  );
}

const leaveDone = (events: readonly CoreEvent[]) => events.filter((event) => event.type === 'leave-done');

describe('leaving gracefully', () => {
  it('tells every live member directly when the fanout covers them, then reports leave-done(announced)', () => {
    const solo = cluster(['a', 'b', 'c']);
    solo.host.nowMs = 100;
    solo.core.leave(100);
    const direct = solo.host.sent.filter((p) => p.messages.some((m) => m.type === 'left'));
    expect(direct.map((p) => p.to).sort()).toEqual(['a', 'b', 'c'].map(addressFor).sort());
    for (const packet of direct) {
      expect(packet.channel).toBe('datagram');
      expect(packet.messages).toEqual([{ type: 'left', id: 'self', incarnation: 2, viewDelayMs: 1500 }]);
    }
    expect(leaveDone(solo.host.events)).toEqual([{ type: 'leave-done', announced: true }]);
    expect(solo.core.hasLeft).toBe(true);
  });

  it('tells at most leaveFanout members directly', () => {
    const solo = cluster(['a', 'b', 'c', 'd', 'e'], { leaveFanout: 2 });
    solo.core.leave(0);
    expect(solo.host.messagesOfType('left')).toHaveLength(2);
  });

  it('does not tell dead or departed members', () => {
    const solo = cluster(['a', 'b', 'c']);
    solo.declareDead('a', { fromId: 'b' });
    solo.receive([{ type: 'left', id: 'b', incarnation: 0, viewDelayMs: 0 }]);
    solo.host.clear();
    solo.core.leave(solo.host.nowMs);
    expect(solo.host.messagesOfType('left').map((m) => m.to)).toEqual([addressFor('c')]);
  });

  it('with no direct fanout, reports leave-done(announced) once gossip has spent the announcement', () => {
    const solo = cluster(['a', 'b', 'c', 'd', 'e'], { leaveFanout: 0 });
    solo.host.nowMs = 100;
    solo.core.leave(100);
    expect(leaveDone(solo.host.events)).toEqual([]);
    solo.advanceUntil(() => leaveDone(solo.host.events).length > 0, 2099);
    expect(leaveDone(solo.host.events)).toEqual([{ type: 'leave-done', announced: true }]);
    expect(solo.host.nowMs).toBeLessThan(2100);
    const gossiped = solo.host.messagesOfType('left');
    // N = 5 others: 4 * ceil(log10 6) = 4 transmissions.
    expect(gossiped).toHaveLength(4);
  });

  it('reports leave-done(announced: false) at leaveTimeoutMs when the announcement cannot go out', () => {
    const solo = cluster(['a', 'b'], { leaveFanout: 0, gossipNodes: 0 });
    solo.host.nowMs = 100;
    solo.core.leave(100);
    solo.advanceTo(2099);
    expect(leaveDone(solo.host.events)).toEqual([]);
    solo.advanceTo(2100);
    expect(leaveDone(solo.host.events)).toEqual([{ type: 'leave-done', announced: false }]);
  });

  it('reports leave-done only once', () => {
    const solo = cluster(['a', 'b', 'c']);
    solo.core.leave(0);
    solo.advanceTo(10_000);
    expect(leaveDone(solo.host.events)).toHaveLength(1);
  });

  it('reports leave-done at once when alone', () => {
    const solo = cluster([]);
    solo.core.leave(0);
    expect(leaveDone(solo.host.events)).toEqual([{ type: 'leave-done', announced: true }]);
  });

  it('stops probing, leaves its own view and is no longer settled', () => {
    const solo = cluster(['a', 'b']);
    solo.autoAck = true;
    solo.advanceTo(5000);
    solo.core.leave(5000);
    const mark = solo.mark();
    solo.advanceTo(20_000);
    expect(
      solo
        .sentSince(mark)
        .flatMap((p) => p.messages)
        .filter((m) => m.type === 'ping'),
    ).toEqual([]);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['a', 'b']);
    expect(solo.core.member('self')?.state).toBe('left');
    expect(solo.core.settled).toBe(false);
  });

  it('still answers pings after leaving, so that nobody suspects it meanwhile', () => {
    const solo = cluster(['a']);
    solo.core.leave(0);
    expect(solo.pingSelf(3)?.messages[0]).toMatchObject({ type: 'ack', seq: 3 });
  });
});

describe('hearing that a member left', () => {
  it('marks it left, emits leave, and spreads the news', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'left', id: 'a', incarnation: 0, viewDelayMs: 0 }]);
    const [event] = solo.host.memberEvents('leave');
    expect(event?.member).toMatchObject({ id: 'a', state: 'left', incarnation: 0 });
    expect(event?.previous?.state).toBe('alive');
    expect(solo.pingSelf()?.messages).toContainEqual({
      type: 'left',
      id: 'a',
      incarnation: 0,
      viewDelayMs: 0,
    });
  });

  it('left is final for its incarnation: alive, suspect and dead at that incarnation change nothing', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'left', id: 'a', incarnation: 3, viewDelayMs: 0 }]);
    solo.host.clear();
    solo.receive([
      alive('a', { incarnation: 3 }),
      alive('a', { incarnation: 2 }),
      { type: 'suspect', id: 'a', incarnation: 3, fromId: 'b' },
      { type: 'dead', id: 'a', incarnation: 3, fromId: 'b', viewDelayMs: 0 },
    ]);
    expect(solo.core.member('a')).toMatchObject({ state: 'left', incarnation: 3 });
    expect(solo.host.memberEvents()).toEqual([]);
  });

  it('a later alive at a higher incarnation brings a restarted node back', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'left', id: 'a', incarnation: 3, viewDelayMs: 0 }]);
    solo.receive([alive('a', { incarnation: 4, address: '10.99.0.1:7946' })]);
    const [event] = solo.host.memberEvents('join');
    expect(event?.member).toMatchObject({
      id: 'a',
      state: 'alive',
      incarnation: 4,
      address: '10.99.0.1:7946',
    });
    expect(event?.previous?.state).toBe('left');
    expect(solo.core.view().members.map((m) => m.id)).toContain('a');
  });

  it('ignores a left notice below the known incarnation', () => {
    const solo = cluster(['a']);
    solo.receive([alive('a', { incarnation: 5 })]);
    solo.receive([{ type: 'left', id: 'a', incarnation: 4, viewDelayMs: 0 }]);
    expect(solo.core.member('a')?.state).toBe('alive');
  });
});

describe('leave and restart across a small cluster', () => {
  it('every node sees the leave; the node restarted with the same id returns at a higher incarnation', () => {
    const net = new MiniNet(testConfig({ viewDelayMs: 300 }), 2);
    net.add('a');
    net.join('b', 'a');
    net.join('c', 'a');
    net.runUntil(5000);
    for (const id of ['a', 'b', 'c']) expect(net.core(id).view().total).toBe(3);

    net.core('c').leave(net.nowMs);
    net.runUntil(net.nowMs + 50);
    for (const id of ['a', 'b']) expect(net.core(id).member('c')?.state).toBe('left');
    net.runUntil(net.nowMs + 1000);
    for (const id of ['a', 'b']) expect(net.core(id).view().total).toBe(2);

    net.crash('c');
    const restarted = net.join('c', 'b');
    net.runUntil(net.nowMs + 5000);
    expect(restarted.incarnation).toBeGreaterThan(0);
    for (const id of ['a', 'b']) {
      expect(net.core(id).member('c')).toMatchObject({ state: 'alive', incarnation: restarted.incarnation });
      expect(net.core(id).view().total).toBe(3);
    }
    expect(restarted.view().total).toBe(3);
  });
});
