import { describe, expect, it } from 'vitest';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';

const CONFIG = {
  reconnectIntervalMs: 10_000,
  tombstoneRetentionMs: 4000,
  gossipToTheDeadMs: 1000,
  pushPullIntervalMs: 0,
} as const;

function formed(): SoloCore {
  const solo = new SoloCore({ initialMembers: members('a', 'b', 'c'), config: testConfig(CONFIG) }).start(0);
  solo.autoAck = true;
  return solo;
}

describe('forceLeave (an operator marks a failed member left)', () => {
  it('marks a dead member left at its incarnation, spreads it and emits a leave', () => {
    const solo = formed();
    solo.declareDead('b', { fromId: 'a', incarnation: 3 });
    solo.host.clear();
    expect(solo.core.forceLeave('b', solo.host.nowMs)).toBe('left');
    expect(solo.core.member('b')).toMatchObject({ state: 'left', incarnation: 3 });
    expect(solo.host.memberEvents('leave').map((event) => event.member.id)).toEqual(['b']);
    solo.advanceTo(solo.host.nowMs + 2000);
    const spread = solo.host.messagesOfType('left').filter((m) => m.id === 'b');
    expect(spread.length).toBeGreaterThan(0);
    expect(spread[0]).toMatchObject({ type: 'left', id: 'b', incarnation: 3 });
  });

  it('stops the reconnect attempts a death would keep making', () => {
    const solo = formed();
    solo.declareDead('b', { fromId: 'a' });
    solo.core.forceLeave('b', solo.host.nowMs);
    solo.host.clear();
    solo.advanceTo(120_000);
    expect(solo.host.syncs.filter((sync) => sync.to === addressFor('b'))).toEqual([]);
  });

  it('is reaped on the tombstone schedule like any departure', () => {
    const solo = formed();
    solo.declareDead('b', { fromId: 'a' });
    solo.core.forceLeave('b', solo.host.nowMs);
    solo.advanceTo(solo.host.nowMs + 20_000);
    expect(solo.host.memberEvents('reap').map((event) => event.member.id)).toEqual(['b']);
    expect(solo.core.member('b')).toBeUndefined();
  });

  it('refuses members in the view, itself and strangers, changing nothing', () => {
    const solo = formed();
    solo.receive([{ type: 'suspect', id: 'c', incarnation: 0, fromId: 'a' }]);
    solo.host.clear();
    expect(solo.core.forceLeave('a', 10)).toBe('alive');
    expect(solo.core.forceLeave('c', 10)).toBe('suspect');
    expect(solo.core.forceLeave('self', 10)).toBe('self');
    expect(solo.core.forceLeave('nobody', 10)).toBe('unknown');
    expect(solo.host.memberEvents('leave')).toEqual([]);
    expect(solo.core.member('a')?.state).toBe('alive');
    expect(solo.core.member('c')?.state).toBe('suspect');
  });

  it('says so for a member that already left, and a stopped core refuses', () => {
    const solo = formed();
    solo.receive([{ type: 'left', id: 'b', incarnation: 0, viewDelayMs: 0 }]);
    expect(solo.core.forceLeave('b', solo.host.nowMs)).toBe('already-left');
    solo.core.stop();
    expect(solo.core.forceLeave('a', solo.host.nowMs)).toBe('stopped');
  });

  it('a member that is in fact alive refutes it with a higher incarnation', () => {
    const solo = formed();
    solo.declareDead('b', { fromId: 'a' });
    solo.core.forceLeave('b', solo.host.nowMs);
    solo.receive([alive('b', { incarnation: 1 })]);
    expect(solo.core.member('b')).toMatchObject({ state: 'alive', incarnation: 1 });
  });
});
