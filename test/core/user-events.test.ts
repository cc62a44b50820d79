import { describe, expect, it } from 'vitest';
import { encodePacket, msgpackWireFormat } from '../../src/codec/index.js';
import type { ProtocolConfig } from '../../src/core/config.js';
import { UserEventRateError, UserEventTooLargeError, ValidationError } from '../../src/core/errors.js';
import type { CoreEvent } from '../../src/core/host.js';
import type { UserEventMessage } from '../../src/core/messages.js';
import { sendablePayloadBytesMax } from '../../src/core/user-events-rules.js';
import { SEEN_WINDOW_LTIMES } from '../../src/core/user-events-seen.js';
import { members, type SentPacket, SoloCore, testConfig } from './harness.js';
import { MiniNet } from './mini-net.js';

type Delivered = Extract<CoreEvent, { type: 'user-event' }>;

function cluster(config: Partial<ProtocolConfig> = {}): SoloCore {
  return new SoloCore({ initialMembers: members('a', 'b'), config: testConfig(config) }).start(0);
}

const delivered = (events: readonly CoreEvent[]): Delivered[] =>
  events.filter((event): event is Delivered => event.type === 'user-event');

const incoming = (overrides: Partial<UserEventMessage> = {}): UserEventMessage => ({
  type: 'user-event',
  name: 'deploy',
  payload: Uint8Array.of(1),
  fromId: 'a',
  ltime: 5,
  ...overrides,
});

const eventsIn = (packet: SentPacket | undefined): UserEventMessage[] =>
  (packet?.messages ?? []).filter((m): m is UserEventMessage => m.type === 'user-event');

describe('sending', () => {
  it('delivers to the sender itself at once, with the payload as UTF-8 bytes', () => {
    const solo = cluster();
    const ltime = solo.core.broadcast('deploy', 'v2 ✓', 0);
    expect(delivered(solo.host.events)).toEqual([
      {
        type: 'user-event',
        name: 'deploy',
        payload: new TextEncoder().encode('v2 ✓'),
        fromId: 'self',
        ltime,
      },
    ]);
    expect(solo.core.stats().userEventsSent).toBe(1);
  });

  it('stamps successive events with rising Lamport times', () => {
    const solo = cluster();
    const times = [solo.core.broadcast('x', '', 0), solo.core.broadcast('x', '', 0)];
    expect(times).toEqual([0, 1]);
  });

  it('stamps an event above every time it has heard (Lamport order)', () => {
    const solo = cluster();
    solo.receive([incoming({ ltime: 41 })]);
    expect(solo.core.broadcast('after', '', 0)).toBe(42);
  });

  it('refuses a payload over userEventPayloadBytesMax, counted in UTF-8 bytes', () => {
    const solo = cluster({ userEventPayloadBytesMax: 8 });
    expect(solo.core.broadcast('ok', 'é'.repeat(4), 0)).toBe(0);
    const error = (() => {
      try {
        solo.core.broadcast('big', 'é'.repeat(5), 0);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UserEventTooLargeError);
    expect(error).toMatchObject({ code: 'ERR_MESH_EVENT_TOO_LARGE', bytes: 10, limit: 8 });
    expect(delivered(solo.host.events)).toHaveLength(1);
  });

  it('holds a sender to what fits one packet when packets are small', () => {
    const config = testConfig({ packetBytesMax: 556, metadataBytesMax: 0 });
    const limit = sendablePayloadBytesMax(512, 556, msgpackWireFormat);
    expect(limit).toBeLessThan(512);
    const solo = new SoloCore({ initialMembers: members('a'), config, id: 'i'.repeat(128) }).start(0);
    solo.core.broadcast('n'.repeat(128), new Uint8Array(limit), 0);
    expect(() => solo.core.broadcast('n', new Uint8Array(limit + 1), 0)).toThrow(UserEventTooLargeError);
    // Too large to ride on an ack, it goes out in a gossip round of its own.
    solo.advanceTo(1000);
    const carrying = solo.host.sent.filter((packet) => eventsIn(packet).length > 0);
    expect(carrying.length).toBeGreaterThan(0);
    for (const packet of carrying) expect(encodePacket(packet.messages, 0).length).toBeLessThanOrEqual(556);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'de ploy'],
    ['with a comma', 'a,b'],
    ['with a control character', 'a\u001b'],
    ['of 129 bytes', 'n'.repeat(129)],
  ])('refuses a name %s', (_what, name) => {
    expect(() => cluster().core.broadcast(name, '', 0)).toThrow(ValidationError);
  });

  it('refuses a payload that is neither a string nor bytes', () => {
    expect(() => cluster().core.broadcast('x', 5 as unknown as string, 0)).toThrow(ValidationError);
  });

  it('limits the send rate with a token bucket, and says when the next event fits', () => {
    const solo = cluster({ userEventSendPerSecondMax: 4 });
    for (let i = 0; i < 4; i++) solo.core.broadcast('burst', '', 0);
    let refusal: unknown;
    try {
      solo.core.broadcast('burst', '', 0);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(UserEventRateError);
    expect(refusal).toMatchObject({ code: 'ERR_MESH_EVENT_RATE', retryAfterMs: 250 });
    expect(() => solo.core.broadcast('burst', '', 249)).toThrow(UserEventRateError);
    expect(solo.core.broadcast('burst', '', 250)).toBe(4);
    expect(delivered(solo.host.events)).toHaveLength(5);
  });

  it('copies a byte payload, so a later change by the caller alters nothing', () => {
    const solo = cluster();
    const bytes = Uint8Array.of(1, 2);
    solo.core.broadcast('x', bytes, 0);
    bytes[0] = 9;
    expect([...(eventsIn(solo.pingSelf())[0]?.payload ?? [])]).toEqual([1, 2]);
  });
});

describe('receiving', () => {
  it('delivers an event once however often it arrives, and counts the repeats', () => {
    const solo = cluster();
    solo.receive([incoming()]);
    solo.receive([incoming()]);
    solo.receive([incoming(), incoming()]);
    expect(delivered(solo.host.events)).toHaveLength(1);
    expect(solo.core.stats()).toMatchObject({ userEventsReceived: 1, userEventsDuplicate: 3 });
  });

  it('tells apart events of one time from different senders or under different names', () => {
    const solo = cluster();
    solo.receive([incoming(), incoming({ fromId: 'b' }), incoming({ name: 'other' })]);
    expect(delivered(solo.host.events).map((e) => `${e.fromId}/${e.name}`)).toEqual([
      'a/deploy',
      'b/deploy',
      'a/other',
    ]);
  });

  it('does not take back its own event for a new one', () => {
    const solo = cluster();
    const ltime = solo.core.broadcast('mine', 'p', 0);
    solo.receive([incoming({ name: 'mine', fromId: 'self', ltime, payload: new TextEncoder().encode('p') })]);
    expect(delivered(solo.host.events)).toHaveLength(1);
  });

  it('drops, as stale, an event older than its duplicate memory', () => {
    const solo = cluster();
    // Heard 1000: the clock is at 1001, and the memory reaches back SEEN_WINDOW_LTIMES from there.
    solo.receive([incoming({ ltime: 1000 })]);
    const oldest = 1001 - SEEN_WINDOW_LTIMES;
    solo.receive([incoming({ ltime: oldest - 1, fromId: 'b' })]);
    solo.receive([incoming({ ltime: oldest, fromId: 'b' })]);
    expect(delivered(solo.host.events).map((e) => e.ltime)).toEqual([1000, oldest]);
    expect(solo.core.stats().drops['event-stale']).toBe(1);
  });

  it('drops and counts new events over userEventReceivePerSecondMax, and takes more once the bucket refills', () => {
    const solo = cluster({ userEventReceivePerSecondMax: 2 });
    solo.receive([incoming({ ltime: 1 }), incoming({ ltime: 2 }), incoming({ ltime: 3 })]);
    expect(delivered(solo.host.events)).toHaveLength(2);
    expect(solo.core.stats().drops['event-rate']).toBe(1);
    solo.advanceTo(500);
    solo.receive([incoming({ ltime: 4 })]);
    expect(delivered(solo.host.events)).toHaveLength(3);
  });

  it('passes an event on a bounded number of times, piggybacked like an update', () => {
    // N = 3: retransmit limit 4 * ceil(log10 4) = 4.
    const solo = cluster({ gossipNodes: 0 });
    solo.receive([incoming()]);
    const carried = Array.from({ length: 6 }, (_, i) => eventsIn(solo.pingSelf(i)).length);
    expect(carried).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('puts membership updates first when a packet has room for one of the two', () => {
    const config = testConfig({ packetBytesMax: 700, metadataBytesMax: 0 });
    const solo = new SoloCore({ initialMembers: members('a'), config }).start(0);
    solo.receive([incoming({ payload: new Uint8Array(500) })]);
    // An alive of about 400 bytes and the event of about 520 do not fit one 700-byte packet together.
    const address = `${'h'.repeat(250)}:1`;
    const id = 'x'.repeat(128);
    solo.receive([{ type: 'alive', id, address, incarnation: 1, threads: 1, metadata: {}, viewDelayMs: 0 }]);
    const packets = Array.from({ length: 6 }, (_, i) => solo.pingSelf(i)?.messages.map((m) => m.type));
    expect(packets[0]).toEqual(['ack', 'alive']);
    expect(packets.some((types) => types?.includes('user-event'))).toBe(true);
  });
});

describe('across a cluster', () => {
  const fast = testConfig({ gossipIntervalMs: 50, viewDelayMs: 0 });

  function formed(ids: readonly string[]): MiniNet {
    const net = new MiniNet(fast);
    net.add(ids[0] as string);
    for (const id of ids.slice(1)) net.join(id, ids[0] as string);
    net.runUntil(5000);
    return net;
  }

  const userEventsOf = (net: MiniNet, id: string) => delivered(net.events.get(id) ?? []);

  it('every member hears an event exactly once, the sender included', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const net = formed(ids);
    const ltime = net.core('c').broadcast('deploy', 'v2', net.nowMs);
    net.runUntil(net.nowMs + 5000);
    for (const id of ids) {
      expect(userEventsOf(net, id).map((e) => [e.name, e.fromId, e.ltime])).toEqual([['deploy', 'c', ltime]]);
    }
  });

  it('orders causally: an answer sent after hearing an event carries a higher time', () => {
    const net = formed(['a', 'b', 'c']);
    const question = net.core('a').broadcast('question', '', net.nowMs);
    net.runUntil(net.nowMs + 2000);
    const answer = net.core('b').broadcast('answer', '', net.nowMs);
    expect(answer).toBeGreaterThan(question);
  });

  it('a node that joins late does not replay events sent before it joined, and hears the next one', () => {
    const net = formed(['a', 'b', 'c']);
    const old = ['one', 'two', 'three'].map((name) => ({
      name,
      ltime: net.core('a').broadcast(name, '', net.nowMs),
    }));
    // The seed has heard all three before the newcomer asks it to join.
    net.runUntil(net.nowMs + 2000);
    expect(userEventsOf(net, 'b').map((e) => e.name)).toEqual(['one', 'two', 'three']);
    net.join('late', 'b');
    net.runUntil(net.nowMs + 5000);
    // A retransmission of each old event reaching the newcomer late, as gossip can.
    const late = net.core('late');
    late.handleMessages(
      old.map(({ name, ltime }) => ({
        type: 'user-event',
        name,
        payload: new Uint8Array(0),
        fromId: 'a',
        ltime,
      })),
      net.addressOf('c'),
      'datagram',
      net.nowMs,
    );
    expect(userEventsOf(net, 'late')).toEqual([]);
    expect(late.stats().drops['event-stale']).toBeGreaterThanOrEqual(3);
    net.core('c').broadcast('four', '', net.nowMs);
    net.runUntil(net.nowMs + 5000);
    expect(userEventsOf(net, 'late').map((e) => e.name)).toEqual(['four']);
    expect(userEventsOf(net, 'a').map((e) => e.name)).toEqual(['one', 'two', 'three', 'four']);
  });
});
