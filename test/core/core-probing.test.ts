import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../../src/core/config.js';
import type { Message } from '../../src/core/messages.js';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';

const REQUESTER = '10.4.4.4:7946';
/** The member a relay is asked to probe, at the address the relay knows it by. */
const TARGET = addressFor('t');

function cluster(ids: string[], config: Partial<ProtocolConfig> = {}): SoloCore {
  return new SoloCore({ initialMembers: members(...ids), config: testConfig(config) }).start(0);
}

const hasType = (type: Message['type']) => (message: Message) => message.type === type;

/** The addresses the node sent ping-reqs to for the probe `seq`. */
function relaysAsked(solo: SoloCore, seq: number): string[] {
  return solo.host.messagesOfType('ping-req').flatMap((request) => (request.seq === seq ? [request.to] : []));
}

describe('answering pings', () => {
  it('acks a ping addressed to it, to the sender address, with its viewId', () => {
    const solo = cluster(['a']);
    solo.receive([{ type: 'ping', seq: 77, targetId: 'self', fromId: 'a', viewId: 5 }], '10.1.1.1:9');
    expect(solo.host.sent).toEqual([
      {
        to: '10.1.1.1:9',
        channel: 'datagram',
        messages: [{ type: 'ack', seq: 77, viewId: solo.core.viewId }],
      },
    ]);
  });

  it('answers a datagram ping from an address no member has with a bare ack: no gossip to amplify', () => {
    const solo = cluster(['a']);
    solo.receive([
      {
        type: 'alive',
        id: 'news',
        address: '10.7.7.7:1',
        incarnation: 1,
        threads: 1,
        metadata: {},
        viewDelayMs: 0,
      },
    ]);
    solo.host.clear();
    const ping = { type: 'ping', seq: 3, targetId: 'self', viewId: 0 } as const;
    solo.receive([{ ...ping, fromId: 'a' }], '192.0.2.1:53');
    solo.receive([{ ...ping, fromId: 'a' }], addressFor('a'));
    expect(solo.host.sent.map((packet) => [packet.to, packet.messages.map((m) => m.type)])).toEqual([
      ['192.0.2.1:53', ['ack']],
      [addressFor('a'), ['ack', 'alive']],
    ]);
  });

  it('answers on the channel the ping came on (stream probes get a stream ack)', () => {
    const solo = cluster(['a']);
    solo.receive(
      [{ type: 'ping', seq: 3, targetId: 'self', fromId: 'a', viewId: 0 }],
      '10.1.1.1:9',
      'stream',
    );
    expect(solo.host.sent).toHaveLength(1);
    expect(solo.host.sent[0]?.channel).toBe('stream');
    expect(solo.host.sent[0]?.messages[0]).toEqual({ type: 'ack', seq: 3, viewId: solo.core.viewId });
  });

  it('drops a ping meant for another id as wrong-target and sends nothing', () => {
    const solo = cluster(['a']);
    solo.receive([{ type: 'ping', seq: 3, targetId: 'someone-else', fromId: 'a', viewId: 0 }]);
    expect(solo.host.sent).toEqual([]);
    expect(solo.host.events).toContainEqual({ type: 'drop', reason: 'wrong-target' });
    expect(solo.core.stats().drops['wrong-target']).toBe(1);
  });

  it('answers a ping from a sender it does not know', () => {
    const solo = cluster([]);
    expect(solo.pingSelf(12)?.messages[0]).toEqual({ type: 'ack', seq: 12, viewId: solo.core.viewId });
  });
});

describe('direct probes', () => {
  it('pings one live member per protocol period, with a fresh seq, its id and its viewId', () => {
    const solo = cluster(['a', 'b', 'c']);
    solo.autoAck = true;
    const first = solo.nextProbe();
    expect(['a', 'b', 'c']).toContain(first.ping.targetId);
    expect(first.to).toBe(addressFor(first.ping.targetId));
    expect(first.ping.fromId).toBe('self');
    expect(first.ping.viewId).toBe(solo.core.viewId);
    expect(first.atMs).toBeGreaterThan(0);
    expect(first.atMs).toBeLessThanOrEqual(1000);
    const second = solo.nextProbe();
    expect(second.atMs - first.atMs).toBe(1000);
    expect(second.ping.seq).not.toBe(first.ping.seq);
  });

  it('probes every member once per round', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const solo = cluster(ids);
    solo.autoAck = true;
    for (let round = 0; round < 3; round++) {
      const targets = ids.map(() => solo.nextProbe().ping.targetId);
      expect(targets.sort()).toEqual(ids);
    }
  });

  it('does not probe when alone', () => {
    const solo = cluster([]);
    solo.advanceTo(10_000);
    expect(solo.host.messagesOfType('ping')).toEqual([]);
  });

  it('an ack in time: no ping-req, no suspicion, awareness stays 0, RTT recorded', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.host.nowMs = atMs + 20;
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: solo.core.viewId }], addressFor(ping.targetId));
    solo.advanceTo(atMs + 999);
    expect(solo.host.messagesOfType('ping-req')).toEqual([]);
    expect(solo.host.memberEvents('suspect')).toEqual([]);
    expect(solo.core.stats().awareness).toBe(0);
    expect(solo.core.rttMs(ping.targetId)).toBe(20);
  });

  it('sends nothing more before the probe timeout', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { atMs } = solo.nextProbe();
    const mark = solo.mark();
    solo.advanceTo(atMs + 499);
    expect(solo.sentSince(mark).filter((p) => p.messages.some(hasType('ping-req')))).toEqual([]);
  });

  it('drops an ack nobody waits for as stale-seq', () => {
    const solo = cluster(['a']);
    solo.receive([{ type: 'ack', seq: 4242, viewId: 0 }]);
    expect(solo.core.stats().drops['stale-seq']).toBe(1);
  });
});

describe('indirect probes (ping-req), as the prober', () => {
  it('asks indirectChecks other alive members at the probe timeout, with the probe seq and target address', () => {
    const solo = cluster(['a', 'b', 'c', 'd', 'e']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 500);
    const requests = solo.host.messagesOfType('ping-req');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.to)).size).toBe(3);
    for (const request of requests) {
      expect(request).toMatchObject({
        seq: ping.seq,
        targetId: ping.targetId,
        targetAddress: addressFor(ping.targetId),
        fromId: 'self',
      });
      expect(request.to).not.toBe(addressFor(ping.targetId));
    }
    expect(solo.core.stats().indirectProbes).toBe(3);
  });

  it('asks only alive members, never suspect or dead ones', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    const [dead, suspect, healthy] = ['a', 'b', 'c', 'd'].filter((id) => id !== ping.targetId) as [
      string,
      string,
      string,
    ];
    solo.receive([
      { type: 'dead', id: dead, incarnation: 0, fromId: 'x', viewDelayMs: 0 },
      { type: 'suspect', id: suspect, incarnation: 0, fromId: 'x' },
    ]);
    solo.advanceTo(atMs + 500);
    expect(solo.host.messagesOfType('ping-req').map((r) => r.to)).toEqual([addressFor(healthy)]);
  });

  it('sends a stream ping to the target at the probe timeout when streamProbe is on', () => {
    const solo = cluster(['a', 'b']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 500);
    const stream = solo.host.sent.filter((p) => p.channel === 'stream');
    expect(stream).toEqual([{ to: addressFor(ping.targetId), channel: 'stream', messages: [{ ...ping }] }]);
  });

  it('the stream ping to a suspect carries its suspicion first, as the datagram ping does', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'suspect', id: 'a', incarnation: 0, fromId: 'b' }]);
    solo.receive([{ type: 'suspect', id: 'b', incarnation: 0, fromId: 'a' }]);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 500);
    const [stream] = solo.host.sent.filter((p) => p.channel === 'stream');
    expect(stream?.messages).toEqual([
      { type: 'suspect', id: ping.targetId, incarnation: 0, fromId: 'self' },
      { ...ping },
    ]);
  });

  it('probes a member someone else suspects in the next period, carrying the suspicion', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    // Twin of the node below, untouched: which member the round-robin would probe next.
    const twin = cluster(ids);
    twin.autoAck = true;
    twin.advanceTo(3000);
    const roundRobinNext = twin.nextProbe().ping.targetId;
    const solo = cluster(ids);
    solo.autoAck = true;
    solo.advanceTo(3000);
    const suspect = ids.find((id) => id !== roundRobinNext && id !== 'b') as string;
    solo.receive([{ type: 'suspect', id: suspect, incarnation: 0, fromId: 'b' }]);
    const { ping, packet } = solo.nextProbe();
    expect(ping.targetId).toBe(suspect);
    expect(packet.messages[0]).toEqual({ type: 'suspect', id: suspect, incarnation: 0, fromId: 'self' });
  });

  it('in a cluster of 300, only about 64 of the others probe a suspect ahead of their order', () => {
    const ids = Array.from({ length: 299 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    const solo = cluster(ids);
    solo.autoAck = true;
    solo.advanceTo(3000);
    // 60 suspicions of distinct members, each raised by m000: a node takes part with chance 64/298.
    let probedNext = 0;
    for (let i = 1; i <= 60; i++) {
      const suspect = ids[i] as string;
      solo.receive([{ type: 'suspect', id: suspect, incarnation: 0, fromId: 'm000' }]);
      if (solo.nextProbe().ping.targetId === suspect) probedNext++;
      solo.receive([alive(suspect, { incarnation: 1 })]);
    }
    // About 13 expected; all 60 without the bound, and 0 or 1 (chance) without the urgent probe.
    expect(probedNext).toBeGreaterThanOrEqual(5);
    expect(probedNext).toBeLessThanOrEqual(25);
  });

  it('sends no stream ping when streamProbe is off', () => {
    const solo = cluster(['a', 'b'], { streamProbe: false });
    const { atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 999);
    expect(solo.host.sent.filter((p) => p.channel === 'stream')).toEqual([]);
  });

  it('suspects the target at the end of the period when nothing acks', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 999);
    expect(solo.host.memberEvents('suspect')).toEqual([]);
    solo.advanceTo(atMs + 1000);
    const [event] = solo.host.memberEvents('suspect');
    expect(event?.member).toMatchObject({ id: ping.targetId, state: 'suspect', incarnation: 0 });
    expect(event?.previous?.state).toBe('alive');
    expect(solo.core.member(ping.targetId)?.state).toBe('suspect');
    expect(solo.core.stats().probesFailed).toBe(1);
    const gossip = solo.pingSelf()?.messages.find((m) => m.type === 'suspect');
    expect(gossip).toEqual({ type: 'suspect', id: ping.targetId, incarnation: 0, fromId: 'self' });
  });

  it('a relayed ack before the end of the period saves the target', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 700);
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: solo.core.viewId }], addressFor('a'));
    solo.advanceTo(atMs + 1000);
    expect(solo.host.memberEvents('suspect')).toEqual([]);
    expect(solo.core.stats().awareness).toBe(0);
    // An indirect ack measures the relay path, not the target: no RTT sample.
    expect(solo.core.rttMs(ping.targetId)).toBeUndefined();
  });

  it('a late direct ack (after the timeout) still saves the target', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 900);
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: solo.core.viewId }], addressFor(ping.targetId));
    solo.advanceTo(atMs + 1000);
    expect(solo.host.memberEvents('suspect')).toEqual([]);
  });

  it('an ack with the right seq from any other address does not count: the target is still suspected', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: solo.core.viewId }], '10.66.66.66:7946');
    solo.advanceTo(atMs + 1000);
    expect(solo.core.stats().drops['ack-source']).toBe(1);
    expect(solo.host.memberEvents('suspect').map((event) => event.member.id)).toEqual([ping.targetId]);
  });

  it('draws probe sequence numbers at random, not by counting', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const seqs = Array.from({ length: 8 }, () => solo.nextProbe().ping.seq);
    expect(new Set(seqs).size).toBe(8);
    const steps = seqs.slice(1).map((seq, i) => seq - (seqs[i] as number));
    expect(steps.filter((step) => step === 1)).toEqual([]);
  });

  it('counts nacks for the current probe and drops others as stale', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 600);
    const [relay] = relaysAsked(solo, ping.seq);
    solo.receive([{ type: 'nack', seq: ping.seq }], relay);
    solo.receive([{ type: 'nack', seq: (ping.seq + 1000) >>> 0 }], relay);
    expect(solo.core.stats().nacksReceived).toBe(1);
    expect(solo.core.stats().drops['stale-seq']).toBe(1);
  });

  it('counts a nack only from a relay it asked', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 600);
    solo.receive([{ type: 'nack', seq: ping.seq }], '10.66.66.66:7946');
    expect(solo.core.stats().nacksReceived).toBe(0);
    expect(solo.core.stats().drops['ack-source']).toBe(1);
  });
});

describe('Lifeguard awareness from probes', () => {
  it('rises by the number of missed nacks when a probe fails', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 900);
    solo.receive([{ type: 'nack', seq: ping.seq }], relaysAsked(solo, ping.seq)[0]);
    solo.advanceTo(atMs + 1000);
    expect(solo.core.stats().awareness).toBe(2);
  });

  it('does not rise when every relay nacked: the target is the problem, not us', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const { ping, atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 900);
    const relays = relaysAsked(solo, ping.seq);
    expect(relays).toHaveLength(3);
    for (const relay of relays) solo.receive([{ type: 'nack', seq: ping.seq }], relay);
    solo.advanceTo(atMs + 1000);
    expect(solo.host.memberEvents('suspect')).toHaveLength(1);
    expect(solo.core.stats().awareness).toBe(0);
  });

  it('rises by one when a probe fails with no relay to ask', () => {
    const solo = cluster(['a']);
    const { atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 1000);
    expect(solo.core.stats().awareness).toBe(1);
  });

  it('falls by one on a direct ack', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    const first = solo.nextProbe();
    solo.advanceTo(first.atMs + 900);
    const [relayA, relayB] = relaysAsked(solo, first.ping.seq);
    solo.receive([{ type: 'nack', seq: first.ping.seq }], relayA);
    solo.receive([{ type: 'nack', seq: first.ping.seq }], relayB);
    const second = solo.nextProbe();
    expect(second.atMs).toBe(first.atMs + 1000);
    expect(solo.core.stats().awareness).toBe(1);
    solo.receive([{ type: 'ack', seq: second.ping.seq, viewId: 0 }], second.to);
    expect(solo.core.stats().awareness).toBe(0);
  });

  it('saturates at awarenessMaxMultiplier - 1', () => {
    const solo = cluster(['a'], { awarenessMaxMultiplier: 3, suspicionMult: 20, indirectChecks: 0 });
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      solo.nextProbe();
      seen.push(solo.core.stats().awareness);
    }
    expect(Math.max(...seen)).toBe(2);
    expect(seen.at(-1)).toBe(2);
  });

  it('stretches the probe period by health + 1', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    solo.autoAck = true;
    const first = solo.nextProbe();
    solo.host.nowMs = first.atMs + 10;
    // Having to refute a suspicion of ourselves raises the score to 1; the next ack lowers it again.
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 0, fromId: 'a' }]);
    expect(solo.core.stats().awareness).toBe(1);
    const times = [1, 2, 3].map(() => solo.nextProbe().atMs - first.atMs);
    expect(times).toEqual([1000, 1000 + 2000, 1000 + 2000 + 1000]);
  });

  it('stretches the probe timeout by health + 1', () => {
    const solo = cluster(['a', 'b', 'c', 'd']);
    solo.receive([{ type: 'suspect', id: 'self', incarnation: 0, fromId: 'a' }]);
    expect(solo.core.stats().awareness).toBe(1);
    const { atMs } = solo.nextProbe();
    solo.advanceTo(atMs + 999);
    expect(solo.host.messagesOfType('ping-req')).toEqual([]);
    solo.advanceTo(atMs + 1000);
    expect(solo.host.messagesOfType('ping-req')).toHaveLength(3);
  });
});

describe('Lifeguard buddy system', () => {
  it('a ping to a suspect member carries the suspicion first', () => {
    const solo = cluster(['a']);
    solo.receive([{ type: 'suspect', id: 'a', incarnation: 0, fromId: 'b' }]);
    const { packet } = solo.nextProbe();
    expect(packet.messages[0]).toEqual({ type: 'suspect', id: 'a', incarnation: 0, fromId: 'self' });
    expect(packet.messages[1]?.type).toBe('ping');
    expect(packet.to).toBe(addressFor('a'));
  });

  it('a ping to an alive member carries no suspicion of it', () => {
    const solo = cluster(['a']);
    const { packet } = solo.nextProbe();
    expect(packet.messages.filter(hasType('suspect'))).toEqual([]);
    expect(packet.messages[0]?.type).toBe('ping');
  });
});

describe('indirect probes, as the relay', () => {
  const request = { type: 'ping-req', seq: 41, targetId: 't', targetAddress: TARGET, fromId: 'req' } as const;

  it("pings the target with its own seq and relays the ack with the requester's seq", () => {
    const solo = cluster(['t']);
    solo.receive([request], REQUESTER);
    expect(solo.host.sent).toHaveLength(1);
    const probe = solo.host.sent[0];
    expect(probe?.to).toBe(TARGET);
    expect(probe?.channel).toBe('datagram');
    const ping = probe?.messages[0];
    expect(ping).toMatchObject({ type: 'ping', targetId: 't', fromId: 'self', viewId: solo.core.viewId });
    const relaySeq = (ping as { seq: number }).seq;
    expect(relaySeq).not.toBe(41);
    solo.host.nowMs = 30;
    solo.receive([{ type: 'ack', seq: relaySeq, viewId: 99 }], TARGET);
    expect(solo.host.sent[1]).toEqual({
      to: REQUESTER,
      channel: 'datagram',
      messages: [{ type: 'ack', seq: 41, viewId: 99 }],
    });
  });

  // The requester judges the probe at probeIntervalMs, having asked at probeTimeoutMs: the
  // nack leaves at 80% of the shorter of that window and the probe timeout (lan: 400 ms).
  it("sends a nack with the requester's seq once 80% of the indirect window passes in silence", () => {
    const solo = cluster(['t']);
    solo.receive([request], REQUESTER);
    solo.advanceTo(399);
    expect(solo.host.messagesOfType('nack')).toEqual([]);
    solo.advanceTo(400);
    expect(solo.host.messagesOfType('nack')).toEqual([{ type: 'nack', seq: 41, to: REQUESTER }]);
  });

  it('sends no nack once the ack was relayed', () => {
    const solo = cluster(['t']);
    solo.receive([request], REQUESTER);
    const [relayPing] = solo.host.messagesOfType('ping');
    const relaySeq = relayPing?.seq ?? -1;
    solo.receive([{ type: 'ack', seq: relaySeq, viewId: 1 }], TARGET);
    solo.advanceTo(5000);
    expect(solo.host.messagesOfType('nack')).toEqual([]);
    expect(solo.host.messagesOfType('ack')).toHaveLength(1);
  });

  it('answers over the channel the request came on', () => {
    const solo = cluster(['t']);
    solo.receive([request], REQUESTER, 'stream');
    solo.advanceTo(500);
    const nack = solo.host.sent.find((p) => p.messages.some(hasType('nack')));
    expect(nack?.channel).toBe('stream');
    expect(solo.host.sent[0]?.channel).toBe('datagram');
  });

  it('refuses more than 256 relays at once, counted as relays-max', () => {
    const solo = cluster(['t']);
    // The node's own probes of t are pings too; relayed ones are the rest.
    const relayedPings = () => solo.host.messagesOfType('ping').length - solo.core.stats().probes;
    for (let seq = 0; seq < 257; seq++) solo.receive([{ ...request, seq }], REQUESTER);
    expect(relayedPings()).toBe(256);
    expect(solo.core.stats().drops['relays-max']).toBe(1);
    solo.advanceTo(500);
    solo.receive([{ ...request, seq: 999 }], REQUESTER);
    expect(relayedPings()).toBe(257);
  });

  it('relays only to a member known at that address: no ping to a stranger or to a moved address', () => {
    const solo = cluster(['t']);
    solo.receive([{ ...request, targetId: 'nobody' }], REQUESTER);
    solo.receive([{ ...request, targetAddress: '192.0.2.7:53' }], REQUESTER);
    solo.receive([{ ...request, targetId: 'self', targetAddress: '10.0.0.1:7946' }], REQUESTER);
    expect(solo.host.sent).toEqual([]);
    expect(solo.core.stats().drops['relay-target']).toBe(3);
  });

  it('passes on an ack only from the target it pinged', () => {
    const solo = cluster(['t']);
    solo.receive([request], REQUESTER);
    const [relayPing] = solo.host.messagesOfType('ping');
    solo.receive([{ type: 'ack', seq: relayPing?.seq ?? -1, viewId: 1 }], '10.66.66.66:7946');
    expect(solo.host.messagesOfType('ack')).toEqual([]);
    expect(solo.core.stats().drops['ack-source']).toBe(1);
  });
});

describe('the probe timeout of an answered probe', () => {
  it('is cancelled by a direct ack (a host need not wake for it), and kept when no ack comes', () => {
    const answered = cluster(['a', 'b']);
    answered.autoAck = true;
    const scheduled: Array<{ atMs: number; token: number }> = [];
    const schedule = answered.host.schedule.bind(answered.host);
    answered.host.schedule = (delayMs, token) => {
      scheduled.push({ atMs: answered.host.nowMs + delayMs, token });
      schedule(delayMs, token);
    };
    const probe = answered.nextProbe();
    // The timer set for probeTimeoutMs after the ping is the probe's timeout: cancelled, and gone.
    const timeout = scheduled.find((timer) => timer.atMs === probe.atMs + 500);
    expect(timeout).toBeDefined();
    expect(answered.host.cancelled).toEqual([timeout?.token]);
    expect(answered.host.timers.map((timer) => timer.token)).not.toContain(timeout?.token);
    answered.advanceTo(probe.atMs + 999);
    expect(relaysAsked(answered, probe.ping.seq)).toEqual([]);

    const silent = cluster(['a', 'b']);
    silent.silent.add('a');
    silent.silent.add('b');
    const lost = silent.nextProbe();
    silent.advanceTo(lost.atMs + 500);
    expect(silent.host.cancelled).toEqual([]);
    expect(relaysAsked(silent, lost.ping.seq).length).toBe(1);
  });
});
