import { describe, expect, it } from 'vitest';
import type { StateMessage } from '../../src/core/messages.js';
import { addressFor, aliveRow, members, SoloCore, testConfig } from '../core/harness.js';

/** A seed in a formed cluster of three, verifying newcomers; acks are given by hand. */
function seed(): SoloCore {
  return new SoloCore({
    initialMembers: members('a', 'b'),
    config: testConfig({ verifyMembers: true }),
  }).start(0);
}

/** A join request for `id` at its own address, from any source (the seed cannot tell a retry from a replay). */
function joinRequest(solo: SoloCore, id: string, atMs: number): StateMessage | undefined {
  solo.host.nowMs = atMs;
  const request: StateMessage = { type: 'state', join: true, fromId: id, members: [aliveRow(id)] };
  return solo.core.answerState(request, '10.9.9.9:50000', atMs) as StateMessage | undefined;
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

/** Datagrams of one alive alone, as "to <- about". */
function introductions(solo: SoloCore): string[] {
  return solo.host.sent
    .filter((packet) => packet.channel === 'datagram' && packet.messages.length === 1)
    .flatMap((packet) => {
      const [message] = packet.messages;
      return message?.type === 'alive' ? [`${packet.to} <- ${message.id}`] : [];
    });
}

const names = (answer: StateMessage | undefined) => answer?.members.map((row) => row.id) ?? [];

describe('a repeated join request of an admitted joiner', () => {
  it('does not make the seed forget that joiner was admitted', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    const answerY = joinRequest(solo, 'y', 20);
    expect(names(answerY)).not.toContain('x');
    answerVerification(solo, 'x', 30);
    // x's join request again (a retry whose first answer was slow, or anyone replaying it):
    // y is still a candidate, so this answer lacks y as well.
    const again = joinRequest(solo, 'x', 35);
    expect(names(again)).not.toContain('y');
    answerVerification(solo, 'y', 40);
    // No answer named the other, so the seed must still introduce them.
    expect(introductions(solo)).toEqual([`${addressFor('x')} <- y`, `${addressFor('y')} <- x`]);
  });
});
