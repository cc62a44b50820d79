import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../../src/core/config.js';
import { alive, members, SoloCore, testConfig } from './harness.js';

// Retention 4 s gives a reap pass every max(1 s, min(10 s, 4 s / 4)) = 1 s.
const RETENTION: Partial<ProtocolConfig> = { tombstoneRetentionMs: 4000, gossipToTheDeadMs: 1000 };

function cluster(ids: string[], config: Partial<ProtocolConfig> = RETENTION): SoloCore {
  const solo = new SoloCore({ initialMembers: members(...ids), config: testConfig(config) }).start(0);
  solo.autoAck = true;
  return solo;
}

const reaped = (solo: SoloCore) => solo.host.memberEvents('reap').map((event) => event.member.id);

describe('tombstone reaping', () => {
  it('forgets a dead member after tombstoneRetentionMs, not before, with a reap event', () => {
    const solo = cluster(['a', 'b']);
    solo.host.nowMs = 500;
    solo.receive([alive('a', { incarnation: 2 })]);
    expect(solo.declareDead('a', { incarnation: 2, fromId: 'b' })).toBe(2500);
    solo.advanceTo(6499);
    expect(solo.core.member('a')?.state).toBe('dead');
    expect(reaped(solo)).toEqual([]);
    // The first pass at or after 2500 + 4000 ms removes it (passes run each second).
    solo.advanceTo(7000);
    expect(solo.core.member('a')).toBeUndefined();
    const [event] = solo.host.memberEvents('reap');
    expect(event?.member).toMatchObject({ id: 'a', state: 'dead', incarnation: 2 });
    expect(
      solo.core
        .members()
        .map((m) => m.id)
        .sort(),
    ).toEqual(['b', 'self']);
  });

  it('forgets a member that left the same way', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'left', id: 'a', incarnation: 0, viewDelayMs: 0 }]);
    solo.advanceTo(3999);
    expect(solo.core.member('a')?.state).toBe('left');
    solo.advanceTo(4000);
    expect(reaped(solo)).toEqual(['a']);
  });

  it('reaps on the default schedule too (lan: 120 s retention, passes every 10 s)', () => {
    const solo = cluster(['a', 'b'], {});
    solo.receive([{ type: 'left', id: 'a', incarnation: 0, viewDelayMs: 0 }]);
    solo.advanceTo(119_999);
    expect(reaped(solo)).toEqual([]);
    solo.advanceTo(130_000);
    expect(reaped(solo)).toEqual(['a']);
  });

  it('never reaps live members', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'suspect', id: 'b', incarnation: 0, fromId: 'a' }]);
    solo.receive([alive('b', { incarnation: 1 })]);
    solo.advanceTo(60_000);
    expect(reaped(solo)).toEqual([]);
    expect(solo.core.members()).toHaveLength(3);
  });

  it('keeps a tombstone whose view removal is still pending', () => {
    const solo = cluster(['a', 'b'], { ...RETENTION, viewDelayMs: 10_000 });
    const deadAtMs = solo.declareDead('a', { fromId: 'b', viewDelayMs: 8000 });
    solo.advanceTo(deadAtMs + 7000);
    expect(solo.core.member('a')?.state).toBe('dead');
    expect(solo.core.view().members.map((m) => m.id)).toContain('a');
    solo.advanceTo(deadAtMs + 8000);
    expect(solo.core.view().members.map((m) => m.id)).not.toContain('a');
    solo.advanceTo(deadAtMs + 9000);
    expect(reaped(solo)).toEqual(['a']);
  });

  it('does not reap a member brought back before the retention ran out', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'dead', id: 'a', incarnation: 0, fromId: 'b', viewDelayMs: 0 }]);
    solo.advanceTo(3000);
    solo.receive([alive('a', { incarnation: 1 })]);
    solo.advanceTo(20_000);
    expect(reaped(solo)).toEqual([]);
    expect(solo.core.member('a')?.state).toBe('alive');
  });

  it('counts retention from the last state change (left after dead restarts the clock)', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'dead', id: 'a', incarnation: 0, fromId: 'b', viewDelayMs: 0 }]);
    solo.advanceTo(3000);
    solo.receive([{ type: 'left', id: 'a', incarnation: 0, viewDelayMs: 0 }]);
    solo.advanceTo(6999);
    expect(reaped(solo)).toEqual([]);
    solo.advanceTo(7000);
    expect(reaped(solo)).toEqual(['a']);
  });

  it('keeps the table bounded: many departures leave nothing behind', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const solo = cluster(ids);
    solo.receive(ids.map((id) => ({ type: 'left', id, incarnation: 0, viewDelayMs: 0 }) as const));
    solo.advanceTo(5000);
    expect(solo.core.members().map((m) => m.id)).toEqual(['self']);
    expect(solo.core.stats().members).toBe(1);
    expect(solo.core.stats().broadcastQueueLength).toBe(0);
    expect(reaped(solo).sort()).toEqual([...ids].sort());
  });

  it('takes back a reaped member as a newcomer, and the probe order still works', () => {
    const solo = cluster(['a', 'b', 'c']);
    solo.receive([{ type: 'left', id: 'a', incarnation: 0, viewDelayMs: 0 }]);
    solo.advanceTo(5000);
    expect(solo.core.member('a')).toBeUndefined();
    solo.receive([alive('a', { incarnation: 1 })]);
    expect(solo.host.memberEvents('join').map((e) => e.member.id)).toEqual(['a']);
    const targets = new Set<string>();
    for (let i = 0; i < 6; i++) targets.add(solo.nextProbe().ping.targetId);
    expect([...targets].sort()).toEqual(['a', 'b', 'c']);
  });
});
