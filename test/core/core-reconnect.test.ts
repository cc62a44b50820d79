import { describe, expect, it } from 'vitest';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';

const RECONNECT = {
  reconnectIntervalMs: 10_000,
  tombstoneRetentionMs: 4000,
  gossipToTheDeadMs: 1000,
  pushPullIntervalMs: 0,
} as const;

describe('reconnect', () => {
  it('keeps syncing with a failed member on the reconnect schedule long after its tombstone is reaped', () => {
    const solo = new SoloCore({ initialMembers: members('a', 'b'), config: testConfig(RECONNECT) }).start(0);
    solo.autoAck = true;
    solo.declareDead('b', { fromId: 'a' });
    solo.advanceTo(20_000);
    expect(solo.host.memberEvents('reap').map((event) => event.member.id)).toEqual(['b']);
    solo.host.clear();
    solo.advanceTo(120_000);
    const toB = solo.host.syncs.filter((sync) => sync.to === addressFor('b'));
    // Every 10 s +-10%: 10 or 11 attempts in 100 s.
    expect(toB.length).toBeGreaterThanOrEqual(9);
    expect(toB.length).toBeLessThanOrEqual(12);
    expect(solo.host.syncs.every((sync) => sync.to === addressFor('b') && !sync.join)).toBe(true);
  });

  it('stops trying a member once it is alive again', () => {
    const solo = new SoloCore({ initialMembers: members('a', 'b'), config: testConfig(RECONNECT) }).start(0);
    solo.autoAck = true;
    solo.declareDead('b', { fromId: 'a' });
    solo.receive([alive('b', { incarnation: 1 })]);
    solo.host.clear();
    solo.advanceTo(100_000);
    expect(solo.host.syncs.filter((sync) => sync.to === addressFor('b'))).toEqual([]);
  });

  it('a node left alone keeps trying its seeds for as long as it runs', () => {
    const solo = new SoloCore({ config: testConfig(RECONNECT) }).start(0);
    solo.core.join(['10.0.0.7:7946'], 0);
    solo.core.handleSyncFailed('10.0.0.7:7946', true, 10);
    solo.host.clear();
    solo.advanceTo(3_600_000);
    const attempts = solo.host.syncs.filter((sync) => sync.to === '10.0.0.7:7946');
    // One per 10 s +-10% over an hour.
    expect(attempts.length).toBeGreaterThanOrEqual(320);
    expect(attempts.length).toBeLessThanOrEqual(400);
  });

  it('a node with its members around does not bother its seeds', () => {
    const solo = new SoloCore({ initialMembers: members('a', 'b'), config: testConfig(RECONNECT) }).start(0);
    solo.autoAck = true;
    solo.core.join(['10.0.0.7:7946'], 0);
    solo.core.handleSyncFailed('10.0.0.7:7946', true, 10);
    solo.host.clear();
    solo.advanceTo(100_000);
    expect(solo.host.syncs).toEqual([]);
  });
});

describe('reaped members stay departed', () => {
  it('an alive of the life that ended, gossiped after the tombstone was reaped, does not bring it back', () => {
    const solo = new SoloCore({ initialMembers: members('a', 'b'), config: testConfig(RECONNECT) }).start(0);
    solo.autoAck = true;
    solo.receive([alive('b', { incarnation: 4 })]);
    solo.declareDead('b', { incarnation: 4, fromId: 'a' });
    solo.advanceTo(20_000);
    expect(solo.core.member('b')).toBeUndefined();
    solo.host.clear();
    solo.receive([alive('b', { incarnation: 4 }), alive('b', { incarnation: 3 })]);
    expect(solo.core.member('b')).toBeUndefined();
    expect(solo.host.memberEvents('join')).toEqual([]);
  });

  it('a new life (a higher incarnation) joins as usual', () => {
    const solo = new SoloCore({ initialMembers: members('a', 'b'), config: testConfig(RECONNECT) }).start(0);
    solo.autoAck = true;
    solo.declareDead('b', { fromId: 'a' });
    solo.advanceTo(20_000);
    solo.receive([alive('b', { incarnation: 1 })]);
    expect(solo.core.member('b')).toMatchObject({ state: 'alive', incarnation: 1 });
  });

  it('the same holds for a member that left', () => {
    const solo = new SoloCore({ initialMembers: members('a', 'b'), config: testConfig(RECONNECT) }).start(0);
    solo.receive([{ type: 'left', id: 'b', incarnation: 2, viewDelayMs: 0 }]);
    solo.advanceTo(20_000);
    expect(solo.core.member('b')).toBeUndefined();
    solo.receive([alive('b', { incarnation: 2 })]);
    expect(solo.core.member('b')).toBeUndefined();
    expect(solo.host.syncs.filter((sync) => sync.to === addressFor('b'))).toEqual([]);
  });
});
