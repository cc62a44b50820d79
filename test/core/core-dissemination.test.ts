import { describe, expect, it } from 'vitest';
import { encodePacket } from '../../src/codec/index.js';
import type { ProtocolConfig } from '../../src/core/config.js';
import type { Message, UpdateMessage } from '../../src/core/messages.js';
import {
  addressFor,
  alive,
  joiningThrough,
  members,
  type SentPacket,
  SoloCore,
  stateAnswer,
  testConfig,
} from './harness.js';

function cluster(ids: string[], config: Partial<ProtocolConfig> = {}): SoloCore {
  return new SoloCore({ initialMembers: members(...ids), config: testConfig(config) }).start(0);
}

const updatesIn = (packet: SentPacket | undefined): Message[] =>
  (packet?.messages ?? []).filter(
    (m) => m.type === 'alive' || m.type === 'suspect' || m.type === 'dead' || m.type === 'left',
  );

const aboutId = (packet: SentPacket | undefined) => updatesIn(packet).map((m) => (m as UpdateMessage).id);

describe('piggybacking', () => {
  it('carries queued updates on the ack after the primary message', () => {
    const solo = cluster(['a']);
    solo.receive([alive('x', { incarnation: 2 })]);
    const ack = solo.pingSelf();
    expect(ack?.messages[0]?.type).toBe('ack');
    expect(updatesIn(ack)).toEqual([alive('x', { incarnation: 2 })]);
  });

  it('carries queued updates on probe pings too', () => {
    const solo = cluster(['a'], { gossipNodes: 0 });
    solo.receive([alive('x')]);
    const { packet } = solo.nextProbe();
    expect(packet.messages[0]?.type).toBe('ping');
    expect(aboutId(packet)).toContain('x');
  });

  it('sends each update retransmitMult * ceil(log10(N + 1)) times, then drops it', () => {
    // N = 2 (self and a) after x joins it is 3: limit = 4 * ceil(log10 4) = 4.
    const solo = cluster(['a']);
    solo.receive([alive('x')]);
    const carried = Array.from({ length: 7 }, (_, i) => aboutId(solo.pingSelf(i)).includes('x'));
    expect(carried).toEqual([true, true, true, true, false, false, false]);
  });

  it('raises the retransmit limit with the cluster size (N = 11: 8 times)', () => {
    const solo = cluster(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    solo.receive([alive('x')]);
    const carried = Array.from({ length: 10 }, (_, i) => aboutId(solo.pingSelf(i)).includes('x'));
    expect(carried.filter(Boolean)).toHaveLength(8);
  });

  it('sends the updates sent the fewest times first', () => {
    const solo = cluster(['a']);
    solo.receive([alive('x')]);
    solo.pingSelf(1);
    solo.receive([alive('y')]);
    expect(aboutId(solo.pingSelf(2))).toEqual(['y', 'x']);
  });

  it('replaces an older update about a member by the newer one', () => {
    const solo = cluster(['a']);
    solo.receive([alive('x')]);
    solo.receive([{ type: 'suspect', id: 'x', incarnation: 0, fromId: 'a' }]);
    const updates = updatesIn(solo.pingSelf());
    expect(updates).toEqual([{ type: 'suspect', id: 'x', incarnation: 0, fromId: 'a' }]);
  });

  it('does not re-queue an update it already knows (no echo storm)', () => {
    const solo = cluster(['a']);
    solo.receive([alive('x')]);
    for (let i = 0; i < 4; i++) solo.pingSelf(i);
    solo.receive([alive('x')]);
    expect(aboutId(solo.pingSelf(9))).toEqual([]);
  });

  it('fills a packet up to packetBytesMax and no further', () => {
    const big = { blob: 'v'.repeat(400) };
    const solo = cluster(['a']);
    solo.receive(Array.from({ length: 20 }, (_, i) => alive(`big${i}`, { metadata: big })));
    const sizes: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const packet = solo.pingSelf(i);
      if (packet === undefined) break;
      sizes.push(encodePacket(packet.messages, 1).length);
      for (const id of aboutId(packet)) seen.add(id);
    }
    for (const size of sizes) expect(size).toBeLessThanOrEqual(1400);
    // Three 400-byte updates fit in 1400 bytes, a fourth does not.
    expect(updatesIn(solo.host.sent[0])).toHaveLength(3);
    expect(sizes[0]).toBeGreaterThan(1200);
    expect(seen.size).toBe(20);
  });

  it('puts at most 200 messages in a packet however large packetBytesMax is', () => {
    const solo = cluster(['a'], { packetBytesMax: 65_000 });
    solo.receive(Array.from({ length: 300 }, (_, i) => alive(`n${i}`)));
    const packet = solo.pingSelf();
    expect(packet?.messages).toHaveLength(200);
    expect(encodePacket(packet?.messages ?? [], 1).length).toBeLessThanOrEqual(65_000);
  });

  it('refuses members beyond membersMax, counted as members-max, and keeps the queue within its bound', () => {
    const solo = cluster([], { membersMax: 3 });
    solo.receive([alive('x'), alive('y'), alive('z')]);
    expect(solo.core.member('z')).toBeUndefined();
    expect(solo.core.stats().drops['members-max']).toBe(1);
    expect(solo.core.stats().broadcastQueueLength).toBeLessThanOrEqual(4);
  });
});

describe('gossip rounds', () => {
  it('gossips pending updates every gossipIntervalMs to gossipNodes distinct live members', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const solo = cluster(ids, { probeIntervalMs: 60_000, probeTimeoutMs: 30_000 });
    const roundTimes: number[] = [];
    let before = solo.mark();
    solo.receive(Array.from({ length: 400 }, (_, i) => alive(`x${i}`)));
    for (let round = 0; round < 3; round++) {
      const found = solo.advanceUntil(() => solo.sentSince(before).length > 0, 5000);
      expect(found).toBe(true);
      const packets = solo.sentSince(before);
      roundTimes.push(solo.host.nowMs);
      expect(packets).toHaveLength(3);
      expect(new Set(packets.map((p) => p.to)).size).toBe(3);
      for (const packet of packets) {
        const live = solo.core.members().filter((m) => m.id !== 'self' && m.state === 'alive');
        expect(live.map((m) => m.address)).toContain(packet.to);
        expect(packet.messages.length).toBeGreaterThan(0);
        expect(packet.messages.every((m) => m.type === 'alive')).toBe(true);
      }
      before = solo.mark();
    }
    expect(roundTimes[1]! - roundTimes[0]!).toBe(200);
    expect(roundTimes[2]! - roundTimes[1]!).toBe(200);
  });

  it('sends no gossip when nothing is queued', () => {
    const solo = cluster(['a', 'b', 'c'], { probeIntervalMs: 60_000, probeTimeoutMs: 30_000 });
    solo.advanceTo(5000);
    expect(
      solo.host.sent.filter((p) => p.messages.length > 0 && p.messages.every((m) => m.type !== 'ping')),
    ).toEqual([]);
  });

  it('stops gossiping once every update is spent', () => {
    const solo = cluster(['a', 'b', 'c'], { probeIntervalMs: 60_000, probeTimeoutMs: 30_000 });
    solo.receive([alive('x')]);
    solo.advanceTo(10_000);
    const carried = solo.host.sent.filter((p) => aboutId(p).includes('x'));
    // N = 5: limit 4 * ceil(log10 6) = 4 transmissions in all.
    expect(carried).toHaveLength(4);
    expect(solo.core.stats().broadcastQueueLength).toBe(0);
  });

  it('keeps gossiping to a dead member for gossipToTheDeadMs, then stops', () => {
    const solo = cluster(['a'], {
      probeIntervalMs: 60_000,
      probeTimeoutMs: 30_000,
      gossipToTheDeadMs: 1000,
      tombstoneRetentionMs: 60_000,
    });
    solo.host.nowMs = 100;
    // Half the minimum suspicion timeout at a 60 s period: 4 * 1 * 60,000 / 2.
    const deadAtMs = solo.declareDead('a', { leadMs: 120_000 });
    const sinceDeath: number[] = [];
    for (let t = 100; t <= 2900; t += 100) {
      // Keep something to gossip: a metadata change queues a fresh alive about us.
      solo.core.setMetadata({ t: String(t) }, solo.host.nowMs);
      const mark = solo.mark();
      solo.advanceTo(deadAtMs + t);
      if (solo.sentSince(mark).some((p) => p.to === addressFor('a'))) sinceDeath.push(t);
    }
    expect(sinceDeath.length).toBeGreaterThan(0);
    expect(Math.min(...sinceDeath)).toBeLessThanOrEqual(300);
    expect(Math.max(...sinceDeath)).toBeLessThanOrEqual(1000);
  });

  it('never gossips to a member that left', () => {
    const solo = cluster(['a'], { probeIntervalMs: 60_000, probeTimeoutMs: 30_000 });
    solo.receive([{ type: 'left', id: 'a', incarnation: 0, viewDelayMs: 0 }]);
    for (let t = 200; t <= 2000; t += 200) {
      solo.core.setMetadata({ t: String(t) }, solo.host.nowMs);
      solo.advanceTo(t);
    }
    expect(solo.host.sent.filter((p) => p.to === addressFor('a'))).toEqual([]);
  });
});

describe("news the cluster has already: the rows of a join answer, a newcomer's announcement", () => {
  // N = 11 with us: the full limit is 4 * ceil(log10 12) = 8 sends, a backup's 4.
  const seedAndMembers = ['seed', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];

  /** How many of the next `answers` acks carry an update about each of `ids`. */
  function sendsOf(solo: SoloCore, ids: readonly string[], answers: number): number[] {
    const carried = Array.from({ length: answers }, (_, i) => aboutId(solo.pingSelf(i)));
    return ids.map((id) => carried.filter((about) => about.includes(id)).length);
  }

  it('are passed on half as often: the cluster knows them, and a newcomer among them announces itself', () => {
    const solo = joiningThrough([addressFor('seed')]);
    solo.core.handleSyncReply(stateAnswer('seed', seedAndMembers), addressFor('seed'), 0);
    expect(solo.core.member('c')?.state).toBe('alive');
    // Our own news is new to the cluster: it spreads in full.
    expect(sendsOf(solo, ['c', 'self'], 12)).toEqual([4, 8]);
  });

  it('a row of a sync that is not our join answer is passed on the full number of times', () => {
    const solo = cluster(seedAndMembers.slice(0, 9));
    solo.core.handleSyncReply(stateAnswer('a', ['a', 'x']), addressFor('a'), 0);
    expect(solo.core.member('x')?.state).toBe('alive');
    expect(sendsOf(solo, ['x'], 12)).toEqual([8]);
  });

  /** x answers the verification ping it was sent. */
  function answerVerificationOfX(solo: SoloCore): void {
    const ping = solo.host.sent
      .flatMap((packet) => packet.messages)
      .find((message) => message.type === 'ping' && message.targetId === 'x');
    if (ping?.type !== 'ping') throw new Error('x was not verified');
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: 0 }], addressFor('x'));
    expect(solo.core.member('x')?.state).toBe('alive');
  }

  /** A member of a formed cluster of 10 hears `messages` from `from`, and x is verified. */
  function admitX(messages: Message[], from: string): SoloCore {
    const solo = cluster(seedAndMembers.slice(0, 9), { verifyMembers: true });
    solo.receive(messages, from);
    answerVerificationOfX(solo);
    return solo;
  }

  it('news of a newcomer by gossip is passed on the full number of times', () => {
    expect(sendsOf(admitX([alive('x')], addressFor('a')), ['x'], 12)).toEqual([8]);
  });

  it("a newcomer's own announcement (its alive alone, from its address) is passed on half as often", () => {
    expect(sendsOf(admitX([alive('x')], addressFor('x')), ['x'], 12)).toEqual([4]);
  });

  it('news of a newcomer from itself among other messages is passed on the full number of times', () => {
    const solo = admitX([alive('x'), alive('b')], addressFor('x'));
    expect(sendsOf(solo, ['x'], 12)).toEqual([8]);
  });

  it('heard by gossip first and then announced, it is passed on half as often', () => {
    const solo = cluster(seedAndMembers.slice(0, 9), { verifyMembers: true });
    solo.receive([alive('x')], addressFor('a'));
    solo.receive([alive('x')], addressFor('x'));
    answerVerificationOfX(solo);
    expect(sendsOf(solo, ['x'], 12)).toEqual([4]);
  });

  it('the return of a member held dead, from the member itself, is passed on the full number of times', () => {
    const solo = cluster([...seedAndMembers.slice(0, 9), 'x']);
    solo.declareDead('x', { fromId: 'a' });
    for (let i = 0; i < 8; i++) solo.pingSelf(100 + i);
    solo.receive([alive('x', { incarnation: 1 })], addressFor('x'));
    expect(solo.core.member('x')?.state).toBe('alive');
    expect(sendsOf(solo, ['x'], 12)).toEqual([8]);
  });
});
