import { describe, expect, it } from 'vitest';
import type { StateMessage } from '../../src/core/messages.js';
import { addressFor, alive, aliveRow, members, SoloCore, testConfig } from '../core/harness.js';

function seed(): SoloCore {
  return new SoloCore({
    initialMembers: members('a', 'b'),
    config: testConfig({ verifyMembers: true }),
  }).start(0);
}

function joinRequest(solo: SoloCore, id: string, atMs: number): StateMessage | undefined {
  solo.host.nowMs = atMs;
  const request: StateMessage = { type: 'state', join: true, fromId: id, members: [aliveRow(id)] };
  return solo.core.answerState(request, addressFor(id), atMs) as StateMessage | undefined;
}

function answerVerification(solo: SoloCore, id: string, atMs: number): void {
  const ping = solo.host.sent
    .flatMap((packet) => packet.messages)
    .filter((message) => message.type === 'ping' && message.targetId === id)
    .at(-1);
  if (ping?.type !== 'ping') throw new Error(`no verification ping to ${id}`);
  solo.host.nowMs = atMs;
  solo.receive([{ type: 'ack', seq: ping.seq, viewId: 0 }], addressFor(id));
}

describe('an introduction carries the view deadline the seed itself keeps', () => {
  it('not a later one, when the seed heard an earlier deadline for the same news', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    joinRequest(solo, 'y', 20);
    answerVerification(solo, 'x', 30);
    const inView = (id: string) => solo.core.view().members.some((entry) => entry.id === id);
    expect(inView('x')).toBe(false);
    // The same alive of x by another path, due sooner: the seed keeps the earlier deadline.
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
    // x is in the seed's view already: y must not wait longer to put it in its own.
    expect(toY?.type === 'alive' ? toY.viewDelayMs : -1).toBe(0);
  });
});
