import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../../src/core/config.js';
import { ValidationError } from '../../src/core/errors.js';
import type { StateMessage } from '../../src/core/messages.js';
import type { MemberSnapshot, MemberState } from '../../src/core/types.js';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';
import { MiniNet } from './mini-net.js';

function cluster(ids: string[], config: Partial<ProtocolConfig> = {}): SoloCore {
  const solo = new SoloCore({ initialMembers: members(...ids), config: testConfig(config) }).start(0);
  solo.autoAck = true;
  return solo;
}

function snapshot(
  id: string,
  state: MemberState,
  incarnation = 0,
  extra: Partial<MemberSnapshot> = {},
): MemberSnapshot {
  const { type: _type, ...fields } = alive(id, { incarnation });
  return { ...fields, state, ...extra };
}

function state(fromId: string, list: MemberSnapshot[], join = false): StateMessage {
  return { type: 'state', join, fromId, members: list };
}

describe('joining', () => {
  it('asks the host for a join exchange with each seed', () => {
    const solo = cluster([]);
    solo.core.join(['10.0.0.7:7946', '[::1]:7000'], 0);
    expect(solo.host.syncs).toEqual([
      { to: '10.0.0.7:7946', join: true },
      { to: '[::1]:7000', join: true },
    ]);
    expect(solo.core.stats().syncs).toBe(2);
  });

  it('a joiner told to join nobody enters its own view at once and settles alone', () => {
    const solo = new SoloCore({ config: testConfig(), joining: true, threads: 2 }).start(0);
    expect(solo.core.view().total).toBe(0);
    solo.core.join([], 0);
    expect(solo.core.view().total).toBe(2);
    expect(solo.host.sent).toEqual([]);
    solo.advanceTo(2000);
    expect(solo.core.settled).toBe(true);
  });

  it('rejects a seed that is not host:port', () => {
    const solo = cluster([]);
    expect(() => solo.core.join(['10.0.0.7'], 0)).toThrow(ValidationError);
    expect(solo.host.syncs).toEqual([]);
  });

  it('does nothing before start', () => {
    const solo = new SoloCore();
    solo.core.join(['10.0.0.7:7946'], 0);
    expect(solo.host.syncs).toEqual([]);
  });

  it('announces itself once admitted, at the deadline the seed gave', () => {
    const solo = cluster([]);
    solo.core.join(['10.0.0.7:7946'], 0);
    solo.host.nowMs = 10;
    solo.core.handleSyncReply(
      state('seed', [
        snapshot('seed', 'alive'),
        snapshot('self', 'alive', 0, { address: '10.0.0.1:7946', viewDelayMs: 1500 }),
      ]),
      '10.0.0.7:7946',
      10,
    );
    solo.host.nowMs = 110;
    const announcement = solo.pingSelf()?.messages.find((m) => m.type === 'alive' && m.id === 'self');
    expect(announcement).toMatchObject({ incarnation: 0, viewDelayMs: 1400 });
  });

  it('stays out of its own view until the admission deadline, so that everybody rebalances together', () => {
    const solo = cluster([]);
    solo.core.join(['10.0.0.7:7946'], 0);
    solo.core.handleSyncReply(
      state('seed', [
        snapshot('seed', 'alive'),
        snapshot('self', 'alive', 0, { address: '10.0.0.1:7946', viewDelayMs: 800 }),
      ]),
      '10.0.0.7:7946',
      0,
    );
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed']);
    solo.advanceTo(799);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed']);
    solo.advanceTo(800);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed', 'self']);
  });

  it('a failed join exchange is counted; the lone node stays outside its view, never settled', () => {
    const solo = cluster([], { settleQuietMs: 100 });
    solo.core.join(['10.0.0.7:7946'], 0);
    expect(solo.core.view()).toMatchObject({ members: [], total: 0 });
    solo.advanceTo(1000);
    expect(solo.core.settled).toBe(false);
    solo.core.handleSyncFailed('10.0.0.7:7946', true, 1000);
    expect(solo.core.stats().syncsFailed).toBe(1);
    solo.advanceTo(60_000);
    expect(solo.core.settled).toBe(false);
    expect(solo.core.view().members).toEqual([]);
  });

  it('a joiner enters its own view at the deadline the seed admits it at, not before', () => {
    const solo = new SoloCore({ config: testConfig(), joining: true }).start(0);
    expect(solo.core.view().members).toEqual([]);
    solo.core.join(['10.0.0.7:7946'], 0);
    solo.host.nowMs = 10;
    const self = snapshot('self', 'alive', 0, { address: '10.0.0.1:7946', viewDelayMs: 1500 });
    solo.core.handleSyncReply(state('seed', [snapshot('seed', 'alive'), self]), '10.0.0.7:7946', 10);
    // The cluster as it stands is there at once; only our own entry waits.
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed']);
    solo.advanceTo(1509);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed']);
    solo.advanceTo(1510);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed', 'self']);
  });

  it('a joiner the remote did not know announces itself and enters at a fresh deadline', () => {
    const solo = new SoloCore({ config: testConfig(), joining: true }).start(0);
    solo.host.nowMs = 10;
    solo.core.handleSyncReply(state('seed', [snapshot('seed', 'alive')]), '10.0.0.7:7946', 10);
    // lan viewDelayMs 1500 at 2 members (the delay grows with log N only above 10).
    const announced = solo.pingSelf()?.messages.find((m) => m.type === 'alive' && m.id === 'self');
    expect(announced).toMatchObject({ type: 'alive', viewDelayMs: 1500 });
    solo.advanceTo(1509);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed']);
    solo.advanceTo(1510);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed', 'self']);
  });
});

describe('the state a node sends', () => {
  it('lists every member, itself and tombstones included, with states, incarnations and pending delays', () => {
    const solo = cluster(['a', 'b'], { viewDelayMs: 1000 });
    const deadAtMs = solo.declareDead('a', { incarnation: 3, fromId: 'b', viewDelayMs: 700 });
    solo.receive([alive('c', { incarnation: 1, threads: 4, metadata: { zone: 'x' }, viewDelayMs: 900 })]);
    solo.host.nowMs = deadAtMs + 200;
    solo.core.handleMessages([], '10.9.9.9:1', 'datagram', deadAtMs + 200);
    const local = solo.core.answerState(state('b', []), addressFor('b'), deadAtMs + 200);
    if (local === undefined) throw new Error('a running core answers');
    expect(local).toMatchObject({ type: 'state', join: false, fromId: 'self' });
    const byId = new Map(local.members.map((m) => [m.id, m]));
    expect([...byId.keys()].sort()).toEqual(['a', 'b', 'c', 'self']);
    expect(byId.get('a')).toMatchObject({ state: 'dead', incarnation: 3, viewDelayMs: 500 });
    expect(byId.get('c')).toMatchObject({
      state: 'alive',
      incarnation: 1,
      threads: 4,
      metadata: { zone: 'x' },
      address: addressFor('c'),
      viewDelayMs: 700,
    });
    expect(byId.get('b')?.viewDelayMs).toBe(0);
    expect(byId.get('self')).toMatchObject({ state: 'alive', address: '10.0.0.1:7946', viewDelayMs: 0 });
    solo.core.join([addressFor('a')], 200);
    expect(solo.host.syncRequests.map((request) => request.join)).toEqual([true]);
  });
});

describe('a whole exchange on each side', () => {
  it('the receiver merges the request before answering, so the answer already holds the requester', () => {
    const solo = cluster(['a']);
    const answer = solo.core.answerState(state('j', [snapshot('j', 'alive', 3)], true), addressFor('j'), 0);
    expect(answer).toMatchObject({ type: 'state', join: false, fromId: 'self' });
    expect(answer?.members.find((m) => m.id === 'j')).toMatchObject({ state: 'alive', incarnation: 3 });
    expect(answer?.members.map((m) => m.id).sort()).toEqual(['a', 'j', 'self']);
  });

  it('a join hands every seed the same finished request, itself with join set', () => {
    const solo = cluster(['a']);
    solo.core.join(['10.0.0.7:7946', '10.0.0.8:7946'], 0);
    const [first, second] = solo.host.syncRequests;
    expect(first).toMatchObject({ type: 'state', join: true, fromId: 'self' });
    expect(first?.members.map((m) => m.id).sort()).toEqual(['a', 'self']);
    expect(second).toBe(first);
  });

  it('a node that is not running answers nothing and ignores replies', () => {
    const idle = new SoloCore();
    expect(idle.core.answerState(state('a', [snapshot('a', 'alive')]), addressFor('a'), 0)).toBeUndefined();
    const stopped = cluster(['a']);
    stopped.core.stop();
    expect(
      stopped.core.answerState(state('a', [snapshot('x', 'alive')]), addressFor('a'), 0),
    ).toBeUndefined();
    stopped.core.handleSyncReply(state('a', [snapshot('y', 'alive')]), addressFor('a'), 0);
    expect(stopped.core.member('x')).toBeUndefined();
    expect(stopped.core.member('y')).toBeUndefined();
  });
});

describe('merging a remote state (push-pull)', () => {
  it('learns unknown alive members with a join event', () => {
    const solo = cluster(['a']);
    solo.core.handleSyncReply(state('a', [snapshot('x', 'alive', 2)]), addressFor('a'), 0);
    expect(solo.core.member('x')).toMatchObject({ state: 'alive', incarnation: 2 });
    expect(solo.host.memberEvents('join').map((e) => e.member.id)).toEqual(['x']);
  });

  it('merges a remote dead as suspect, giving the member its chance to refute', () => {
    const solo = cluster(['a', 'b']);
    solo.core.handleSyncReply(state('a', [snapshot('b', 'dead', 0)]), addressFor('a'), 0);
    expect(solo.core.member('b')?.state).toBe('suspect');
    expect(solo.host.memberEvents('fail')).toEqual([]);
    expect(solo.pingSelf()?.messages).toContainEqual({
      type: 'suspect',
      id: 'b',
      incarnation: 0,
      fromId: 'a',
    });
  });

  it('merges a remote suspect as suspect', () => {
    const solo = cluster(['a', 'b']);
    solo.core.handleSyncReply(state('a', [snapshot('b', 'suspect', 1)]), addressFor('a'), 0);
    expect(solo.core.member('b')).toMatchObject({ state: 'suspect', incarnation: 1 });
  });

  it('merges a remote left as left', () => {
    const solo = cluster(['a', 'b']);
    solo.core.handleSyncReply(state('a', [snapshot('b', 'left', 0)]), addressFor('a'), 0);
    expect(solo.core.member('b')?.state).toBe('left');
    expect(solo.host.memberEvents('leave').map((e) => e.member.id)).toEqual(['b']);
  });

  it('ignores tombstones and suspicions of members it never knew', () => {
    const solo = cluster(['a']);
    solo.core.handleSyncReply(
      state('a', [snapshot('x', 'dead'), snapshot('y', 'left'), snapshot('z', 'suspect')]),
      addressFor('a'),
      0,
    );
    expect(
      solo.core
        .members()
        .map((m) => m.id)
        .sort(),
    ).toEqual(['a', 'self']);
  });

  it('applies the same precedence as gossip: stale entries lose, newer ones win', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([alive('b', { incarnation: 5 })]);
    solo.core.handleSyncReply(
      state('a', [snapshot('b', 'dead', 4), snapshot('a', 'alive', 2, { metadata: { v: '2' } })]),
      addressFor('a'),
      0,
    );
    expect(solo.core.member('b')).toMatchObject({ state: 'alive', incarnation: 5 });
    expect(solo.core.member('a')).toMatchObject({ state: 'alive', incarnation: 2, metadata: { v: '2' } });
  });

  it("admits a joiner after this node's own fresh view delay", () => {
    const solo = cluster(['a']);
    solo.host.nowMs = 100;
    solo.core.answerState(state('j', [snapshot('j', 'alive')], true), '10.8.8.8:7946', 100);
    expect(solo.core.member('j')?.state).toBe('alive');
    expect(solo.core.view().members.map((m) => m.id)).not.toContain('j');
    solo.advanceTo(1599);
    expect(solo.core.view().members.map((m) => m.id)).not.toContain('j');
    solo.advanceTo(1600);
    expect(solo.core.view().members.map((m) => m.id)).toContain('j');
  });

  it("takes a non-joining sender's remaining delay for the changes it carries", () => {
    const solo = cluster(['a']);
    solo.core.handleSyncReply(
      state('a', [snapshot('x', 'alive', 0, { viewDelayMs: 300 })]),
      addressFor('a'),
      0,
    );
    solo.advanceTo(299);
    expect(solo.core.view().members.map((m) => m.id)).not.toContain('x');
    solo.advanceTo(300);
    expect(solo.core.view().members.map((m) => m.id)).toContain('x');
  });
});

describe('periodic push-pull', () => {
  it('syncs with a random alive member at a random phase, then every pushPullIntervalMs (within 10%)', () => {
    const solo = cluster(['a', 'b', 'c']);
    const times: number[] = [];
    let seen = 0;
    for (let i = 0; i < 3; i++) {
      solo.advanceUntil(() => solo.host.syncs.length > seen, 200_000);
      times.push(solo.host.nowMs);
      const sync = solo.host.syncs[seen];
      expect(sync?.join).toBe(false);
      expect(['a', 'b', 'c'].map(addressFor)).toContain(sync?.to);
      seen = solo.host.syncs.length;
    }
    expect(times[0]).toBeGreaterThanOrEqual(1);
    expect(times[0]).toBeLessThanOrEqual(30_000);
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(27_000);
      expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(33_000);
    }
  });

  it('also tries one dead member each round, so that healed partitions meet again', () => {
    const solo = cluster(['a', 'b'], { gossipToTheDeadMs: 1000, tombstoneRetentionMs: 3_600_000 });
    solo.declareDead('b', { fromId: 'a' });
    solo.host.clear();
    solo.advanceUntil(() => solo.host.syncs.length >= 2, 40_000);
    expect(solo.host.syncs.map((s) => s.to).sort()).toEqual([addressFor('a'), addressFor('b')].sort());
  });

  it('is off when pushPullIntervalMs is 0', () => {
    const solo = cluster(['a', 'b'], { pushPullIntervalMs: 0 });
    solo.advanceTo(300_000);
    expect(solo.host.syncs).toEqual([]);
  });
});

describe('joining through a seed on a small network', () => {
  it('every node learns every other and they agree on one view', () => {
    const net = new MiniNet(testConfig({ viewDelayMs: 300 }), 2);
    net.add('seed', 2);
    net.join('n1', 'seed', 1);
    net.join('n2', 'seed', 3);
    net.join('n3', 'n1', 1);
    net.runUntil(5000);
    const views = ['seed', 'n1', 'n2', 'n3'].map((id) => net.core(id).view());
    for (const view of views) {
      expect(view.members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3', 'seed']);
      expect(view.total).toBe(7);
      expect(view.viewId).toBe(views[0]?.viewId);
    }
  });
});

describe('a change of our own while the admission is pending', () => {
  it('new metadata right after join keeps the admission deadline on every announcement', () => {
    const solo = new SoloCore({ config: testConfig(), joining: true }).start(0);
    solo.core.join(['10.0.0.7:7946'], 0);
    solo.host.nowMs = 10;
    const self = snapshot('self', 'alive', 0, { address: '10.0.0.1:7946', viewDelayMs: 1500 });
    solo.core.handleSyncReply(state('seed', [snapshot('seed', 'alive'), self]), '10.0.0.7:7946', 10);
    solo.host.nowMs = 20;
    solo.core.setMetadata({ role: 'web' }, 20);
    solo.host.nowMs = 30;
    const announced = solo.pingSelf()?.messages.find((m) => m.type === 'alive' && m.id === 'self');
    // Admitted at 10 + 1500: 1480 ms remain at 30.
    expect(announced).toMatchObject({ incarnation: 1, metadata: { role: 'web' }, viewDelayMs: 1480 });
  });

  it('new metadata with nothing pending is an ordinary update, applied at once', () => {
    const solo = cluster(['a']);
    solo.advanceTo(5000);
    solo.core.setMetadata({ role: 'db' }, 5000);
    const announced = solo.pingSelf()?.messages.find((m) => m.type === 'alive' && m.id === 'self');
    expect(announced).toMatchObject({ metadata: { role: 'db' }, viewDelayMs: 0 });
  });
});
