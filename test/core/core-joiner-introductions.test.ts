import { describe, expect, it } from 'vitest';
import { JOINERS_REMEMBERED } from '../../src/core/joiner-introductions.js';
import type { StateMessage } from '../../src/core/messages.js';
import { addressFor, alive, aliveRow, members, SoloCore, testConfig } from './harness.js';

/** A seed in a formed cluster of three, verifying newcomers; acks are given by hand. */
function seed(): SoloCore {
  return new SoloCore({
    initialMembers: members('a', 'b'),
    config: testConfig({ verifyMembers: true }),
  }).start(0);
}

/** `id` asks the seed to join, from its own address; the seed answers at `atMs`. */
function joinRequest(
  solo: SoloCore,
  id: string,
  atMs: number,
  address = addressFor(id),
): StateMessage | undefined {
  solo.host.nowMs = atMs;
  const request: StateMessage = {
    type: 'state',
    join: true,
    fromId: id,
    members: [{ ...aliveRow(id), address }],
  };
  return solo.core.answerState(request, '10.9.9.9:50000', atMs) as StateMessage | undefined;
}

/** `id` answers the seed's verification ping at `atMs`. */
function answerVerification(solo: SoloCore, id: string, atMs: number): void {
  const pings = solo.host.sent
    .flatMap((packet) => packet.messages)
    .filter((message) => message.type === 'ping' && message.targetId === id);
  const ping = pings.at(-1);
  if (ping?.type !== 'ping') throw new Error(`no verification ping to ${id}`);
  solo.host.nowMs = atMs;
  solo.receive([{ type: 'ack', seq: ping.seq, viewId: 0 }], addressFor(id));
}

/** Datagrams of one alive alone (an introduction; gossip and pings carry more), as "to <- about". */
function introductions(solo: SoloCore): string[] {
  return solo.host.sent
    .filter((packet) => packet.channel === 'datagram' && packet.messages.length === 1)
    .flatMap((packet) => {
      const [message] = packet.messages;
      return message?.type === 'alive' ? [`${packet.to} <- ${message.id}`] : [];
    });
}

const names = (answer: StateMessage | undefined) => answer?.members.map((row) => row.id) ?? [];

describe('joiners that met at their seed hear of each other from it', () => {
  it('when neither answer named the other, the second admission tells each of the other', () => {
    const solo = seed();
    const answerX = joinRequest(solo, 'x', 10);
    // y asks while x is still being verified: its answer lacks x, and x's lacked y.
    const answerY = joinRequest(solo, 'y', 20);
    expect(names(answerX)).not.toContain('y');
    expect(names(answerY)).not.toContain('x');
    answerVerification(solo, 'x', 30);
    expect(introductions(solo)).toEqual([]);
    answerVerification(solo, 'y', 40);
    expect(introductions(solo)).toEqual([`${addressFor('x')} <- y`, `${addressFor('y')} <- x`]);
    // With the seed's own view deadline for x, so y puts x in its view when the seed does.
    const toY = solo.host.sent.find(
      (packet) =>
        packet.to === addressFor('y') && packet.messages.length === 1 && packet.messages[0]?.type === 'alive',
    );
    expect(toY?.messages[0]).toMatchObject({ type: 'alive', id: 'x', address: addressFor('x') });
    const told = toY?.messages[0];
    const delayMs = told?.type === 'alive' ? told.viewDelayMs : -1;
    expect(delayMs).toBeGreaterThan(0);
    const inView = () => solo.core.view().members.some((entry) => entry.id === 'x');
    expect(solo.advanceUntil(inView, 60_000)).toBe(true);
    expect(solo.host.nowMs).toBe(40 + delayMs);
  });

  it('by the order of answers and admissions, not the clock: both fall within one millisecond at a busy seed', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    const answerY = joinRequest(solo, 'y', 20);
    expect(names(answerY)).not.toContain('x');
    // x is admitted in the same millisecond as y's answer, but after it went out.
    answerVerification(solo, 'x', 20);
    answerVerification(solo, 'y', 30);
    expect(introductions(solo)).toEqual([`${addressFor('x')} <- y`, `${addressFor('y')} <- x`]);
  });

  it('also when the later joiner is admitted first', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    joinRequest(solo, 'y', 20);
    answerVerification(solo, 'y', 30);
    answerVerification(solo, 'x', 40);
    expect(introductions(solo)).toEqual([`${addressFor('y')} <- x`, `${addressFor('x')} <- y`]);
  });

  it('not when the later answer already named the earlier joiner (which is then told by the joiner itself)', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    answerVerification(solo, 'x', 15);
    const answerY = joinRequest(solo, 'y', 20);
    expect(names(answerY)).toContain('x');
    answerVerification(solo, 'y', 30);
    expect(introductions(solo)).toEqual([]);
  });

  it('not to a join request that never answered its verification (a forged address draws nothing)', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    joinRequest(solo, 'forged', 20, '10.66.0.1:7946');
    answerVerification(solo, 'x', 30);
    solo.advanceTo(5000);
    expect(introductions(solo).filter((line) => line.startsWith('10.66.0.1'))).toEqual([]);
    expect(introductions(solo).filter((line) => line.endsWith('forged'))).toEqual([]);
  });

  it('a repeated join request of an admitted joiner (a retry, or a replay) keeps its admission', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    const answerY = joinRequest(solo, 'y', 20);
    expect(names(answerY)).not.toContain('x');
    answerVerification(solo, 'x', 30);
    // y is still a candidate, so this second answer to x lacks y as well.
    const again = joinRequest(solo, 'x', 35);
    expect(names(again)).not.toContain('y');
    answerVerification(solo, 'y', 40);
    expect(introductions(solo)).toEqual([`${addressFor('x')} <- y`, `${addressFor('y')} <- x`]);
  });

  it('a forged join request naming an admitted joiner at another address does not cancel its introductions', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    joinRequest(solo, 'y', 20);
    answerVerification(solo, 'x', 30);
    // Same id and incarnation, an address the seed never verified: anyone can send it.
    joinRequest(solo, 'x', 35, '10.66.0.1:7946');
    expect(solo.core.member('x')?.address).toBe(addressFor('x'));
    answerVerification(solo, 'y', 40);
    expect(introductions(solo)).toEqual([`${addressFor('x')} <- y`, `${addressFor('y')} <- x`]);
  });

  it('carries no later view deadline than the seed keeps, after it heard an earlier one for the same news', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    joinRequest(solo, 'y', 20);
    answerVerification(solo, 'x', 30);
    const inView = (id: string) => solo.core.view().members.some((entry) => entry.id === id);
    expect(inView('x')).toBe(false);
    // The same alive of x by another path, due sooner: the seed takes the earlier deadline.
    solo.host.nowMs = 31;
    solo.receive([alive('x', { incarnation: 1, address: addressFor('x'), viewDelayMs: 1 })], addressFor('a'));
    solo.advanceTo(40);
    expect(inView('x')).toBe(true);
    const sentBefore = solo.host.sent.length;
    answerVerification(solo, 'y', 40);
    const toY = solo.host.sent
      .slice(sentBefore)
      .find((packet) => packet.to === addressFor('y') && packet.messages.length === 1)?.messages[0];
    expect(toY).toMatchObject({ type: 'alive', id: 'x' });
    // x is in the seed's view already: y must not wait to put it in its own.
    expect(toY?.type === 'alive' ? toY.viewDelayMs : -1).toBe(0);
  });

  it(`remembers the last ${JOINERS_REMEMBERED} join answers only`, () => {
    const solo = seed();
    joinRequest(solo, 'first', 10);
    for (let i = 0; i < JOINERS_REMEMBERED; i++) joinRequest(solo, `j${i}`, 11 + i);
    // "first" fell out of the window: its admission introduces no one, and no one is told of it.
    answerVerification(solo, 'j0', 100);
    answerVerification(solo, 'first', 101);
    expect(introductions(solo)).toEqual([]);
    answerVerification(solo, 'j1', 102);
    expect(introductions(solo)).toEqual([`${addressFor('j0')} <- j1`, `${addressFor('j1')} <- j0`]);
  });
});
