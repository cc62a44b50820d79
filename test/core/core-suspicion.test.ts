import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../../src/core/config.js';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';

/**
 * Self plus `others` members that answer every probe, started at 0, so that
 * only the messages a test delivers move a suspicion (this node's own failed
 * probes would count as confirmations).
 */
function cluster(others: number, config: Partial<ProtocolConfig> = {}): SoloCore {
  const ids = Array.from({ length: others }, (_, i) => `m${i}`);
  const solo = new SoloCore({ initialMembers: members(...ids), config: testConfig(config) }).start(0);
  solo.autoAck = true;
  return solo;
}

const suspect = (id: string, fromId: string, incarnation = 0) =>
  ({ type: 'suspect', id, incarnation, fromId }) as const;

/** When the core declared `id` dead, or undefined. */
function deathTime(solo: SoloCore, id: string, untilMs: number): number | undefined {
  const died = () => solo.host.memberEvents('fail').some((event) => event.member.id === id);
  return solo.advanceUntil(died, untilMs) ? solo.host.nowMs : undefined;
}

// N = 10 with the lan preset: min = 4 * max(1, log10 10) * 1000 = 4000 ms,
// max = 6 * min = 24000 ms, k = 4 - 2 = 2 expected confirmations.
const MIN = 4000;
const MAX = 24000;
const ONE_CONFIRMATION = Math.floor(MAX - ((MAX - MIN) * Math.log(2)) / Math.log(3));

describe('suspicion timeouts shrinking with confirmations', () => {
  it("counts this node's own failed probe of the suspect as a confirmation", () => {
    const solo = cluster(9);
    solo.silent.add('m0');
    solo.receive([suspect('m0', 'm1')]);
    expect(deathTime(solo, 'm0', 60_000)).toBeLessThan(MAX);
  });

  it('goes below the minimum on confirmations from members, never on ones naming strangers', () => {
    // Origin m1; m2..m7 confirm: c = 6 > k' = 2, so min * 3 / 7 = 1714 ms, held at the floor of 2 periods.
    const members = cluster(9);
    members.receive([
      suspect('m0', 'm1'),
      ...['m2', 'm3', 'm4', 'm5', 'm6', 'm7'].map((id) => suspect('m0', id)),
    ]);
    expect(deathTime(members, 'm0', 60_000)).toBe(2000);
    // The same packet naming six accusers nobody knows: only Lifeguard's k = 2 count, the minimum holds.
    const strangers = cluster(9);
    strangers.receive([
      suspect('m0', 'm1'),
      ...['x2', 'x3', 'x4', 'x5', 'x6', 'x7'].map((id) => suspect('m0', id)),
    ]);
    expect(deathTime(strangers, 'm0', 60_000)).toBe(MIN);
  });

  it('declares the suspect dead after the maximum timeout without confirmations', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(MAX);
  });

  it('shortens the timeout to max - (max - min) * log 2 / log 3 on one independent confirmation', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.advanceTo(1000);
    solo.receive([suspect('m0', 'm2')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(ONE_CONFIRMATION);
    expect(ONE_CONFIRMATION).toBe(11381);
  });

  it('reaches the minimum with k = suspicionMult - 2 confirmations', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.receive([suspect('m0', 'm2')]);
    solo.receive([suspect('m0', 'm3')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(MIN);
  });

  it('does not count the originator of the suspicion', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.receive([suspect('m0', 'm1')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(MAX);
  });

  it('does not count a duplicate confirmation', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.receive([suspect('m0', 'm2')]);
    solo.receive([suspect('m0', 'm2')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(ONE_CONFIRMATION);
  });

  it('declares the suspect dead at once when a confirmation arrives past the shortened deadline', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.advanceTo(15_000);
    expect(solo.core.member('m0')?.state).toBe('suspect');
    solo.receive([suspect('m0', 'm2')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(15_000);
  });

  it('uses the minimum from the start when the cluster is too small to confirm (N - 2 < k)', () => {
    const solo = cluster(2);
    solo.receive([suspect('m0', 'm1')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(4000);
  });

  it('scales the minimum with log10 N (N = 100: min 8 s, max 48 s)', () => {
    const solo = cluster(99);
    solo.receive([suspect('m0', 'm1')]);
    expect(deathTime(solo, 'm0', 120_000)).toBe(48_000);
  });

  it('follows suspicionMult and suspicionMaxTimeoutMult', () => {
    const solo = cluster(9, { suspicionMult: 2, suspicionMaxTimeoutMult: 3 });
    solo.receive([suspect('m0', 'm1')]);
    // k = 0 with suspicionMult 2: the minimum, 2 x 1000 ms, applies at once.
    expect(deathTime(solo, 'm0', 60_000)).toBe(2000);
  });

  it('spreads each new independent confirmation', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.receive([suspect('m0', 'm2')]);
    const gossip = solo.pingSelf()?.messages.filter((m) => m.type === 'suspect');
    expect(gossip).toEqual([suspect('m0', 'm2')]);
  });

  it('announces the death with its own id as the source, at the suspected incarnation', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1', 3)]);
    deathTime(solo, 'm0', 60_000);
    const [event] = solo.host.memberEvents('fail');
    expect(event?.member).toMatchObject({ id: 'm0', state: 'dead', incarnation: 3 });
    expect(event?.previous?.state).toBe('suspect');
    const dead = solo.pingSelf()?.messages.find((m) => m.type === 'dead');
    expect(dead).toMatchObject({ type: 'dead', id: 'm0', incarnation: 3, fromId: 'self' });
  });
});

describe('suspicion and incarnations', () => {
  it('emits a suspect event and counts the suspicion', () => {
    const solo = cluster(3);
    solo.receive([suspect('m0', 'm1')]);
    const [event] = solo.host.memberEvents('suspect');
    expect(event?.member).toMatchObject({ id: 'm0', state: 'suspect' });
    expect(solo.core.stats().suspicions).toBe(1);
  });

  it('ignores a suspicion below the known incarnation', () => {
    const solo = cluster(3);
    solo.receive([alive('m0', { incarnation: 2 })]);
    solo.receive([suspect('m0', 'm1', 1)]);
    expect(solo.host.memberEvents('suspect')).toEqual([]);
    expect(solo.core.member('m0')?.state).toBe('alive');
  });

  it('ignores a suspicion of a member it does not know', () => {
    const solo = cluster(3);
    solo.receive([suspect('stranger', 'm1')]);
    expect(solo.core.member('stranger')).toBeUndefined();
  });

  it('an alive at a higher incarnation ends the suspicion: alive-again, and no death later', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.advanceTo(2000);
    solo.receive([alive('m0', { incarnation: 1 })]);
    const [event] = solo.host.memberEvents('alive-again');
    expect(event?.member).toMatchObject({ id: 'm0', state: 'alive', incarnation: 1 });
    expect(event?.previous?.state).toBe('suspect');
    expect(deathTime(solo, 'm0', 30_000)).toBeUndefined();
  });

  it('a refutation that also carries new details is an update too, and a plain one is not', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1'), suspect('m2', 'm1')]);
    solo.receive([alive('m0', { incarnation: 1, metadata: { role: 'db' }, threads: 4 })]);
    solo.receive([alive('m2', { incarnation: 1 })]);
    expect(solo.host.memberEvents('alive-again').map((event) => event.member.id)).toEqual(['m0', 'm2']);
    const updates = solo.host.memberEvents('update');
    expect(updates.map((event) => event.member.id)).toEqual(['m0']);
    expect(updates[0]?.member).toMatchObject({ state: 'alive', threads: 4, metadata: { role: 'db' } });
    expect(updates[0]?.previous).toMatchObject({ state: 'suspect', threads: 1, metadata: {} });
  });

  it('an alive at the same incarnation does not end the suspicion', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.receive([alive('m0', { incarnation: 0 })]);
    expect(solo.core.member('m0')?.state).toBe('suspect');
    expect(deathTime(solo, 'm0', 60_000)).toBe(MAX);
  });

  it('a suspicion at a higher incarnation restarts the clock', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1', 0)]);
    solo.advanceTo(10_000);
    solo.receive([suspect('m0', 'm2', 1)]);
    expect(solo.core.member('m0')?.incarnation).toBe(1);
    expect(deathTime(solo, 'm0', 60_000)).toBe(10_000 + MAX);
  });

  it('a dead message ends a suspicion that has run half the minimum timeout at once', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    solo.advanceTo(MIN / 2);
    solo.receive([dead('m0', 'm2')]);
    expect(solo.core.member('m0')?.state).toBe('dead');
    solo.advanceTo(60_000);
    expect(solo.host.memberEvents('fail')).toHaveLength(1);
  });
});

const dead = (id: string, fromId: string, incarnation = 0) =>
  ({ type: 'dead', id, incarnation, fromId, viewDelayMs: 0 }) as const;

describe('one accuser is never final', () => {
  it('a death about a member held alive only starts a suspicion, and the member is told', () => {
    const solo = cluster(9);
    solo.receive([dead('m0', 'm1')]);
    expect(solo.core.member('m0')).toMatchObject({ state: 'suspect', incarnation: 0 });
    expect(solo.host.memberEvents('fail')).toEqual([]);
    expect(solo.host.memberEvents('suspect').map((event) => event.member.id)).toEqual(['m0']);
    // The probe of a suspect carries the suspicion to it (buddy system), so it can refute.
    const told = solo.host.sent.some(
      (packet) =>
        packet.messages.some((m) => m.type === 'ping' && m.targetId === 'm0') &&
        packet.messages.some((m) => m.type === 'suspect' && m.id === 'm0'),
    );
    const probe = told ? undefined : solo.nextProbe();
    expect(told || probe?.packet.messages.some((m) => m.type === 'suspect' && m.id === 'm0')).toBe(true);
  });

  it('the member is told at once on a ping, and the refutation on its ack ends the suspicion', () => {
    const solo = cluster(9);
    solo.autoAck = false;
    solo.receive([dead('m0', 'm1')]);
    const [told] = solo.host.sent.filter((packet) => packet.to === addressFor('m0'));
    expect(told?.messages.map((m) => m.type)).toEqual(['suspect', 'ping']);
    const ping = told?.messages[1] as { seq: number };
    solo.receive(
      [{ type: 'ack', seq: ping.seq, viewId: 0 }, alive('m0', { incarnation: 1 })],
      addressFor('m0'),
    );
    expect(solo.core.member('m0')).toMatchObject({ state: 'alive', incarnation: 1 });
    expect(solo.core.stats().drops['stale-seq']).toBeUndefined();
  });

  it('a member that refutes a lone accusation is never declared dead', () => {
    const solo = cluster(9);
    solo.receive([dead('m0', 'm1')]);
    solo.advanceTo(500);
    solo.receive([alive('m0', { incarnation: 1 })]);
    solo.advanceTo(60_000);
    expect(solo.core.member('m0')).toMatchObject({ state: 'alive', incarnation: 1 });
    expect(solo.host.memberEvents('fail')).toEqual([]);
  });

  it('the accuser of a lone death counts as the suspicion origin: unconfirmed, it runs the maximum', () => {
    const solo = cluster(9);
    solo.receive([dead('m0', 'm1')]);
    expect(deathTime(solo, 'm0', 60_000)).toBe(MAX);
  });

  it('a death right after the suspicion reached us waits for the minimum timeout from our start', () => {
    const solo = cluster(9);
    solo.host.nowMs = 100;
    solo.receive([suspect('m0', 'm1')]);
    solo.advanceTo(300);
    solo.receive([dead('m0', 'm1')]);
    expect(solo.core.member('m0')?.state).toBe('suspect');
    expect(deathTime(solo, 'm0', 60_000)).toBe(100 + MIN);
  });

  it('suspicions merged from a full state start a suspicion but never confirm one', () => {
    const solo = cluster(9);
    solo.receive([suspect('m0', 'm1')]);
    const { type: _type, ...m0 } = alive('m0');
    for (const from of ['m2', 'm3', 'm4']) {
      solo.core.handleSyncReply(
        {
          type: 'state',
          join: false,
          fromId: from,
          members: [{ ...m0, state: 'dead', viewDelayMs: 0 }],
        },
        '10.9.9.9:7946',
        solo.host.nowMs,
      );
    }
    expect(deathTime(solo, 'm0', 60_000)).toBe(MAX);
  });
});
