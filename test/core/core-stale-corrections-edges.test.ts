import { describe, expect, it } from 'vitest';
import { msgpackWireFormat } from '../../src/codec/index.js';
import type { Message } from '../../src/core/messages.js';
import { ANSWERS_PER_PERIOD_MAX } from '../../src/core/stale-corrections.js';
import {
  addressFor,
  alive,
  joiningThrough,
  member,
  members,
  type SentPacket,
  SoloCore,
  testConfig,
} from './harness.js';

/** A node in a cluster with a, b and c, holding b and c alive at incarnation 4 (both refuted a suspicion). */
function node(metadataOfB: Record<string, string> = {}): SoloCore {
  const solo = new SoloCore({ initialMembers: members('a', 'b', 'c'), config: testConfig(), incarnation: 5 });
  solo.start(0);
  solo.receive([alive('b', { incarnation: 4, metadata: metadataOfB })], addressFor('b'));
  solo.receive([alive('c', { incarnation: 4 })], addressFor('c'));
  solo.host.clear();
  return solo;
}

/** An address no member of the table is held at: any source can be written on a datagram. */
const stranger = '10.66.0.1:7946';

function packetBytes(messages: readonly Message[]): number {
  let messagesBytes = 0;
  for (const message of messages) messagesBytes += msgpackWireFormat.messageBytes(message);
  return msgpackWireFormat.packetBytes(messages.length, messagesBytes);
}

function sentTo(solo: SoloCore, to: string): SentPacket[] {
  return solo.host.sent.filter((packet) => packet.to === to && packet.channel === 'datagram');
}

describe('a stale accusation from a source nobody vouches for', () => {
  it('draws no more datagrams than it came in', () => {
    const solo = node();
    solo.receive(
      [
        { type: 'suspect', id: 'b', incarnation: 3, fromId: 'x' },
        { type: 'suspect', id: 'c', incarnation: 3, fromId: 'x' },
      ],
      stranger,
    );
    expect(sentTo(solo, stranger).length).toBeLessThanOrEqual(1);
  });

  it('draws no more bytes than it came in', () => {
    const solo = node({ role: 'r'.repeat(400) });
    const accusation: Message[] = [{ type: 'suspect', id: 'b', incarnation: 3, fromId: 'x' }];
    solo.receive(accusation, stranger);
    const bytesOut = sentTo(solo, stranger).reduce((sum, packet) => sum + packetBytes(packet.messages), 0);
    expect(bytesOut).toBeLessThanOrEqual(packetBytes(accusation));
  });
});

describe('the budget for direct answers', () => {
  it('is not spent by strangers before a member that keeps accusing is answered', () => {
    const solo = node();
    for (let i = 0; i < ANSWERS_PER_PERIOD_MAX; i++)
      solo.receive([{ type: 'suspect', id: 'b', incarnation: 3, fromId: 'x' }], `10.66.1.${i + 1}:7946`);
    solo.receive([{ type: 'suspect', id: 'b', incarnation: 3, fromId: 'a' }], addressFor('a'));
    const answersToA = sentTo(solo, addressFor('a')).filter((packet) =>
      packet.messages.some((m) => m.type === 'alive' && m.id === 'b'),
    );
    expect(answersToA).toHaveLength(1);
  });
});

describe('a stale accusation that comes with a ping from a member at its address', () => {
  it('is corrected once: the ack carries the alive already', () => {
    const solo = node();
    solo.receive(
      [
        { type: 'suspect', id: 'b', incarnation: 3, fromId: 'a' },
        { type: 'ping', seq: 41, targetId: 'self', fromId: 'a', viewId: 0 },
      ],
      addressFor('a'),
    );
    const carryingB = sentTo(solo, addressFor('a')).filter((packet) =>
      packet.messages.some((m) => m.type === 'alive' && m.id === 'b'),
    );
    expect(carryingB).toHaveLength(1);
  });
});

describe('a joiner not yet admitted, hearing of its previous life', () => {
  it('tells nobody to put it in their view at once while it is outside its own', () => {
    const solo = joiningThrough([addressFor('seed')], 10);
    solo.host.clear();
    // A member still holds our previous life dead at our address and gossips it to the dead.
    solo.receive(
      [{ type: 'dead', id: 'self', incarnation: 5, fromId: 'c', viewDelayMs: 0 }],
      addressFor('c'),
    );
    expect(solo.core.ownIndex()).toBe(-1);
    const admitNow = solo.host
      .messagesOfType('alive')
      .filter((message) => message.id === 'self' && message.viewDelayMs === 0);
    expect(admitNow).toEqual([]);
  });

  it('so the member that answered it does not re-admit it before the cluster does', () => {
    const joinerAddress = '10.0.0.1:7946';
    const joiner = joiningThrough([addressFor('seed')], 10);
    const c = new SoloCore({
      id: 'c',
      address: addressFor('c'),
      config: testConfig({ verifyMembers: true }),
      initialMembers: [member('a'), member('self', { address: joinerAddress, incarnation: 5 })],
    });
    c.start(0);
    c.declareDead('self', { incarnation: 5 });
    expect(c.core.indexOf('self')).toBe(-1);
    c.host.clear();
    joiner.host.nowMs = c.host.nowMs;
    joiner.host.clear();
    joiner.receive(
      [{ type: 'dead', id: 'self', incarnation: 5, fromId: 'c', viewDelayMs: 0 }],
      addressFor('c'),
    );
    for (const packet of joiner.host.sent.filter((p) => p.to === addressFor('c')))
      c.receive(packet.messages, joinerAddress, packet.channel);
    expect(joiner.core.ownIndex()).toBe(-1);
    expect(c.core.indexOf('self')).toBe(-1);
  });
});

describe('a suspicion told on the ack to our probe', () => {
  it('is refuted straight back to the member that acked', () => {
    const solo = new SoloCore({
      initialMembers: members('a', 'b', 'c'),
      config: testConfig(),
      incarnation: 5,
    });
    solo.start(0);
    const { ping, to } = solo.nextProbe();
    const acker = solo.core.members().find((m) => m.address === to);
    expect(acker).toBeDefined();
    const before = solo.mark();
    solo.receive(
      [
        { type: 'suspect', id: 'self', incarnation: 5, fromId: acker?.id ?? '' },
        { type: 'ack', seq: ping.seq, viewId: solo.core.viewId },
      ],
      to,
    );
    expect(solo.core.incarnation).toBe(6);
    const refutationsBack = solo
      .sentSince(before)
      .filter(
        (packet) =>
          packet.to === to &&
          packet.messages.some((m) => m.type === 'alive' && m.id === 'self' && m.incarnation === 6),
      );
    expect(refutationsBack.length).toBeGreaterThan(0);
  });
});
