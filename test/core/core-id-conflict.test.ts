import { describe, expect, it } from 'vitest';
import type { StateMessage } from '../../src/core/messages.js';
import type { MemberSnapshot } from '../../src/core/types.js';
import { alive, members, SoloCore, testConfig } from './harness.js';

const HERE = '10.0.0.1:7946';
const ELSEWHERE = '10.0.0.99:7946';

function snapshot(id: string, address: string, incarnation = 5): MemberSnapshot {
  const { type: _type, ...fields } = alive(id, { address, incarnation });
  return { ...fields, state: 'alive', viewDelayMs: 0 };
}

function seedState(list: MemberSnapshot[], join = false): StateMessage {
  return { type: 'state', join, fromId: 'seed', members: list };
}

/** A joiner with id "dup" at HERE, whose seed holds "dup" alive at ELSEWHERE. */
function joinerSeeingItselfElsewhere(): SoloCore {
  const solo = new SoloCore({
    id: 'dup',
    address: HERE,
    config: testConfig(),
    joining: true,
    incarnation: 9,
  });
  solo.start(0);
  solo.core.join(['10.0.0.7:7946'], 0);
  solo.host.nowMs = 5;
  solo.core.handleSyncReply(
    seedState([snapshot('seed', '10.0.0.7:7946'), snapshot('dup', ELSEWHERE)]),
    '10.0.0.7:7946',
    5,
  );
  return solo;
}

const pingsForOwnId = (solo: SoloCore) =>
  solo.host.sent.filter(
    (packet) =>
      packet.to === ELSEWHERE && packet.messages.some((m) => m.type === 'ping' && m.targetId === 'dup'),
  );

describe('two processes with one id', () => {
  it('a joiner that finds its id alive elsewhere asks that address, over UDP and the stream, before announcing', () => {
    const solo = joinerSeeingItselfElsewhere();
    expect(
      pingsForOwnId(solo)
        .map((packet) => packet.channel)
        .sort(),
    ).toEqual(['datagram', 'stream']);
    expect(solo.core.checkingId).toBe(true);
    expect(solo.host.messagesOfType('alive').filter((m) => m.id === 'dup')).toEqual([]);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['seed']);
  });

  it('an answer from that address is a conflict: the joiner stops without a word, incarnation untouched', () => {
    const solo = joinerSeeingItselfElsewhere();
    const [packet] = pingsForOwnId(solo);
    const ping = packet?.messages.find((m) => m.type === 'ping');
    if (ping?.type !== 'ping') throw new Error('no ping');
    solo.host.clear();
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: 1 }], ELSEWHERE);
    expect(solo.host.events).toContainEqual({ type: 'id-check', outcome: 'conflict', address: ELSEWHERE });
    expect(solo.core.running).toBe(false);
    expect(solo.core.incarnation).toBe(9);
    solo.advanceTo(60_000);
    expect(solo.host.sent).toEqual([]);
  });

  it('an ack with that seq from any other address proves nothing', () => {
    const solo = joinerSeeingItselfElsewhere();
    const ping = pingsForOwnId(solo)[0]?.messages.find((m) => m.type === 'ping');
    if (ping?.type !== 'ping') throw new Error('no ping');
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: 1 }], '10.0.0.66:7946');
    expect(solo.core.checkingId).toBe(true);
    expect(solo.core.running).toBe(true);
  });

  it('silence for twice the probe timeout means an earlier life: it refutes above it and is admitted', () => {
    const solo = joinerSeeingItselfElsewhere();
    // lan probeTimeoutMs 500: the check ends 1000 ms after it started at 5.
    solo.advanceTo(1004);
    expect(solo.core.checkingId).toBe(true);
    solo.advanceTo(1005);
    expect(solo.host.events).toContainEqual({ type: 'id-check', outcome: 'clear', address: ELSEWHERE });
    expect(solo.core.incarnation).toBe(9);
    const announced = solo.pingSelf()?.messages.find((m) => m.type === 'alive' && m.id === 'dup');
    expect(announced).toMatchObject({ address: HERE, incarnation: 9 });
    solo.advanceTo(5000);
    expect(solo.core.view().members.map((m) => m.id)).toEqual(['dup', 'seed']);
  });

  it('verifies no other member while it checks its id: after a conflict it never has, after silence it does', () => {
    const OTHER = '10.0.0.8:7946';
    const joiner = (): SoloCore => {
      const solo = new SoloCore({
        id: 'dup',
        address: HERE,
        config: testConfig({ verifyMembers: true }),
        joining: true,
      });
      solo.start(0);
      solo.core.join(['10.0.0.7:7946'], 0);
      solo.host.nowMs = 5;
      solo.core.handleSyncReply(
        seedState([snapshot('seed', '10.0.0.7:7946'), snapshot('dup', ELSEWHERE), snapshot('other', OTHER)]),
        '10.0.0.7:7946',
        5,
      );
      return solo;
    };
    const pingsToOther = (solo: SoloCore) => solo.host.sent.filter((packet) => packet.to === OTHER);
    const conflicted = joiner();
    expect(pingsToOther(conflicted)).toEqual([]);
    const ping = pingsForOwnId(conflicted)[0]?.messages.find((m) => m.type === 'ping');
    if (ping?.type !== 'ping') throw new Error('no ping');
    conflicted.receive([{ type: 'ack', seq: ping.seq, viewId: 1 }], ELSEWHERE);
    conflicted.advanceTo(10_000);
    expect(pingsToOther(conflicted)).toEqual([]);

    const cleared = joiner();
    cleared.advanceTo(1004);
    expect(pingsToOther(cleared)).toEqual([]);
    cleared.advanceTo(1005);
    const [verification] = pingsToOther(cleared);
    expect(verification?.messages.map((m) => m.type)).toEqual(['ping', 'alive']);
    expect(verification?.messages[1]).toMatchObject({ id: 'dup', address: HERE });
  });

  it('checks its id when the seed that answers is not the first one tried: another seed failing ends no join', () => {
    const solo = new SoloCore({
      id: 'dup',
      address: HERE,
      config: testConfig({ verifyMembers: true }),
      joining: true,
      incarnation: 9,
    });
    solo.start(0);
    const down = '10.0.0.8:7946';
    const seed = '10.0.0.7:7946';
    solo.core.join([down, seed], 0);
    solo.host.nowMs = 2;
    solo.core.handleSyncFailed(down, true, 2);
    solo.host.nowMs = 5;
    const others = ['m1', 'm2', 'm3'].map((id, i) => snapshot(id, `10.0.1.${i + 1}:7946`));
    solo.core.handleSyncReply(
      seedState([snapshot('seed', seed), snapshot('dup', ELSEWHERE), ...others]),
      seed,
      5,
    );
    solo.advanceTo(20);
    expect(solo.core.checkingId).toBe(true);
    expect(pingsForOwnId(solo)).toHaveLength(2);
    // Nothing reaches the seed's members while the answer may still be a conflict.
    const destinations = new Set(solo.host.sent.map((packet) => packet.to));
    expect([...destinations]).toEqual([ELSEWHERE]);
    expect(solo.core.incarnation).toBe(9);
  });

  it("a seed does not adopt a joiner's request for an id it holds alive at another address", () => {
    const seed = new SoloCore({ id: 'seed', initialMembers: members('dup'), config: testConfig() }).start(0);
    const before = seed.core.member('dup');
    seed.core.answerState(
      { type: 'state', join: true, fromId: 'dup', members: [snapshot('dup', ELSEWHERE, 1_000_000)] },
      ELSEWHERE,
      10,
    );
    expect(seed.core.member('dup')).toEqual(before);
    expect(seed.host.memberEvents()).toEqual([]);
  });

  it('the running member hears the check, reports the conflict and keeps its incarnation', () => {
    const owner = new SoloCore({
      id: 'dup',
      address: ELSEWHERE,
      initialMembers: members('seed'),
      config: testConfig(),
      incarnation: 5,
    }).start(0);
    owner.receive([{ type: 'ping', seq: 77, targetId: 'dup', fromId: 'dup', viewId: 0 }], HERE);
    expect(owner.host.events).toContainEqual({ type: 'conflict', id: 'dup', address: HERE });
    expect(owner.core.incarnation).toBe(5);
    expect(owner.host.messagesOfType('ack').map((m) => m.to)).toEqual([HERE]);
  });
});

describe('an observer of two addresses for one id', () => {
  const A = '10.0.0.21:7946';
  const B = '10.0.0.22:7946';

  it('a member that moves once is a restart: no conflict', () => {
    const solo = new SoloCore({ initialMembers: members('m'), config: testConfig() }).start(0);
    solo.receive([alive('m', { incarnation: 1, address: A })]);
    solo.host.nowMs = 1000;
    solo.receive([alive('m', { incarnation: 2, address: B })]);
    expect(solo.host.events.filter((event) => event.type === 'conflict')).toEqual([]);
    expect(solo.core.stats().idConflicts).toBe(0);
  });

  it('a flip back to the address it just left is a conflict, counted, and holds settled off for 30 periods', () => {
    const solo = new SoloCore({ initialMembers: members('m'), config: testConfig() }).start(0);
    solo.autoAck = true;
    solo.receive([alive('m', { incarnation: 1, address: A })]);
    solo.advanceTo(5000);
    solo.receive([alive('m', { incarnation: 2, address: B })]);
    solo.advanceTo(6000);
    solo.receive([alive('m', { incarnation: 3, address: A })]);
    expect(solo.host.events.filter((event) => event.type === 'conflict')).toEqual([
      { type: 'conflict', id: 'm', address: A },
    ]);
    expect(solo.core.stats().idConflicts).toBe(1);
    expect(solo.core.settled).toBe(false);
    // lan: 30 periods of 1000 ms after the flip at 6000.
    solo.advanceTo(35_999);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(40_000);
    expect(solo.core.settled).toBe(true);
  });
});
