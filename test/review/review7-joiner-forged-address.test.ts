import { describe, expect, it } from 'vitest';
import type { StateMessage } from '../../src/core/messages.js';
import { addressFor, aliveRow, members, SoloCore, testConfig } from '../core/harness.js';

function seed(): SoloCore {
  return new SoloCore({
    initialMembers: members('a', 'b'),
    config: testConfig({ verifyMembers: true }),
  }).start(0);
}

/** A join request naming `id` at `address`, from any source. */
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
  return solo.core.answerState(request, '10.66.0.1:7946', atMs) as StateMessage | undefined;
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

function introductions(solo: SoloCore): string[] {
  return solo.host.sent
    .filter((packet) => packet.channel === 'datagram' && packet.messages.length === 1)
    .flatMap((packet) => {
      const [message] = packet.messages;
      return message?.type === 'alive' ? [`${packet.to} <- ${message.id}`] : [];
    });
}

describe('a forged join request naming an admitted joiner at another address', () => {
  it('does not cancel the introductions that joiner is owed', () => {
    const solo = seed();
    joinRequest(solo, 'x', 10);
    joinRequest(solo, 'y', 20);
    answerVerification(solo, 'x', 30);
    // Anyone can send this: same id and incarnation, an address the seed never verified.
    joinRequest(solo, 'x', 35, '10.66.0.1:7946');
    // The seed still holds x where it verified it.
    expect(solo.core.member('x')?.address).toBe(addressFor('x'));
    answerVerification(solo, 'y', 40);
    expect(introductions(solo)).toEqual([`${addressFor('x')} <- y`, `${addressFor('y')} <- x`]);
  });
});
