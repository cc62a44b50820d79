import { describe, expect, it } from 'vitest';
import { VERIFY_PACE_MS, VERIFY_WINDOW } from '../../src/core/admission.js';
import type { MemberSnapshot } from '../../src/core/types.js';
import { addressFor, alive, joiningThrough, members, SoloCore, stateAnswer, testConfig } from './harness.js';

/** A settled node of three, with verification on (the presets' default). */
function node(ids = ['a', 'b']): SoloCore {
  const solo = new SoloCore({ initialMembers: members(...ids), config: testConfig({ verifyMembers: true }) });
  solo.start(0);
  solo.autoAck = true;
  return solo;
}

/** The verification pings sent to `id` so far, with their channels. */
function verificationPings(solo: SoloCore, id: string) {
  return solo.host.sent.flatMap((packet) =>
    packet.messages
      .filter((message) => message.type === 'ping' && message.targetId === id)
      .map((message) => ({ to: packet.to, channel: packet.channel, seq: (message as { seq: number }).seq })),
  );
}

const viewIds = (solo: SoloCore) => solo.core.view().members.map((member) => member.id);

describe('verified admission', () => {
  it('holds a newcomer apart until it answers a ping at the address it claims, then admits it', () => {
    const solo = node();
    solo.receive([alive('new', { viewDelayMs: 1500 })]);
    expect(solo.core.member('new')).toBeUndefined();
    expect(solo.host.memberEvents('join')).toEqual([]);
    const [ping] = verificationPings(solo, 'new');
    expect(ping).toMatchObject({ to: addressFor('new'), channel: 'datagram' });
    solo.host.nowMs = 5;
    solo.receive([{ type: 'ack', seq: ping?.seq ?? -1, viewId: 0 }], addressFor('new'));
    expect(solo.core.member('new')?.state).toBe('alive');
    expect(solo.host.memberEvents('join').map((event) => event.member.id)).toEqual(['new']);
    // The deadline its news carried still holds: the round trip does not move it.
    solo.advanceTo(1499);
    expect(viewIds(solo)).not.toContain('new');
    solo.advanceTo(1500);
    expect(viewIds(solo)).toContain('new');
  });

  it('an answer from another address verifies nothing', () => {
    const solo = node();
    solo.receive([alive('new')]);
    const [ping] = verificationPings(solo, 'new');
    solo.receive([{ type: 'ack', seq: ping?.seq ?? -1, viewId: 0 }], '10.66.66.66:7946');
    expect(solo.core.member('new')).toBeUndefined();
    expect(solo.core.stats().drops['ack-source']).toBe(1);
  });

  it('pings three times, the last two over the stream too, then forgets a member that never answers', () => {
    const solo = node();
    solo.silent.add('fake');
    solo.receive([alive('fake')]);
    solo.advanceTo(10_000);
    const pings = verificationPings(solo, 'fake');
    expect(pings.map((ping) => ping.channel)).toEqual([
      'datagram',
      'datagram',
      'stream',
      'datagram',
      'stream',
    ]);
    expect(new Set(pings.map((ping) => ping.seq)).size).toBe(3);
    expect(solo.core.member('fake')).toBeUndefined();
    expect(solo.core.stats().drops.unverified).toBe(1);
    expect(solo.host.memberEvents('join')).toEqual([]);
  });

  it('a flood of fake members never enters the table: probing and the view stay with the real ones', () => {
    const solo = node(['a', 'b', 'c']);
    const fakes = Array.from({ length: 6000 }, (_, i) =>
      alive(`fake${i}`, { address: `10.200.${i >> 8}.${i & 255}:1` }),
    );
    for (const fake of fakes) solo.silent.add(fake.id);
    for (let i = 0; i < fakes.length; i += 200) solo.receive(fakes.slice(i, i + 200));
    expect(
      solo.core
        .members()
        .map((member) => member.id)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'self']);
    expect(solo.core.stats().drops['candidates-max']).toBe(6000 - 4096);
    // The window works through 4,096 candidates in about 2.6 s (32 per 20 ms); each then has its 3 s.
    solo.advanceTo(6000);
    const probed = solo.host
      .messagesOfType('ping')
      .filter((ping) => !ping.targetId.startsWith('fake'))
      .map((ping) => ping.targetId);
    expect([...new Set(probed)].sort()).toEqual(['a', 'b', 'c']);
    expect(solo.core.stats().drops.unverified).toBe(4096);
  });

  it('pings at most 32 candidates at once; an answer lets the next one in, the clock the others', () => {
    expect(VERIFY_WINDOW).toBe(32);
    expect(VERIFY_PACE_MS).toBe(20);
    const solo = node();
    const ids = Array.from({ length: 100 }, (_, i) => `new${String(i).padStart(3, '0')}`);
    for (const id of ids) solo.silent.add(id);
    solo.receive(ids.map((id) => alive(id)));
    const firstPinged = () => ids.filter((id) => verificationPings(solo, id).length > 0);
    expect(firstPinged()).toEqual(ids.slice(0, 32));
    const [answered] = verificationPings(solo, 'new000');
    solo.receive([{ type: 'ack', seq: answered?.seq ?? -1, viewId: 0 }], addressFor('new000'));
    expect(solo.core.member('new000')?.state).toBe('alive');
    expect(firstPinged()).toEqual(ids.slice(0, 33));
    solo.advanceTo(19);
    expect(firstPinged().length).toBe(33);
    // Every 20 ms the next 32 go out, however many are still unanswered.
    solo.advanceTo(20);
    expect(firstPinged()).toEqual(ids.slice(0, 65));
    solo.advanceTo(39);
    expect(firstPinged()).toEqual(ids.slice(0, 65));
    solo.advanceTo(40);
    expect(firstPinged()).toEqual(ids.slice(0, 97));
    solo.advanceTo(60);
    expect(firstPinged()).toEqual(ids);
    // Each was pinged once for its first attempt.
    expect(ids.map((id) => verificationPings(solo, id).length)).toEqual(ids.map(() => 1));
  });

  it('tells the candidate who we are while our own news spreads, and only then', () => {
    const solo = node();
    const verificationPacket = (id: string) =>
      solo.host.sent.find((sent) =>
        sent.messages.some((message) => message.type === 'ping' && message.targetId === id),
      );
    solo.silent.add('quiet');
    solo.receive([alive('quiet')]);
    // Nothing of ours is spreading: a bare ping, so a forged alive draws no more at its address.
    expect(verificationPacket('quiet')?.messages.map((message) => message.type)).toEqual(['ping']);
    solo.core.setMetadata({ zone: 'b' }, solo.host.nowMs);
    solo.silent.add('new');
    solo.receive([alive('new')]);
    expect(verificationPacket('new')?.messages).toEqual([
      expect.objectContaining({ type: 'ping', targetId: 'new', fromId: 'self' }),
      {
        type: 'alive',
        id: 'self',
        address: '10.0.0.1:7946',
        incarnation: 1,
        threads: 1,
        metadata: { zone: 'b' },
        viewDelayMs: 0,
      },
    ]);
  });

  /** A node of four whose member `a` has been declared dead. */
  function withDeadA(): SoloCore {
    const solo = node(['a', 'b', 'c']);
    solo.silent.add('a');
    expect(solo.advanceUntil(() => solo.core.member('a')?.state === 'dead', 120_000)).toBe(true);
    solo.silent.delete('a');
    solo.host.clear();
    return solo;
  }

  it('a failed member back at its old address, or a suspect refuting, needs no verification', () => {
    const solo = withDeadA();
    solo.receive([{ type: 'suspect', id: 'c', incarnation: 0, fromId: 'b' }]);
    solo.receive([alive('a', { incarnation: 1 }), alive('c', { incarnation: 1 })]);
    expect(solo.core.member('a')).toMatchObject({ state: 'alive', incarnation: 1 });
    expect(solo.core.member('c')?.state).toBe('alive');
    expect([...verificationPings(solo, 'a'), ...verificationPings(solo, 'c')]).toEqual([]);
  });

  it('a failed member back at a new address is verified there first', () => {
    const solo = withDeadA();
    const moved = '10.77.0.1:7946';
    solo.receive([alive('a', { incarnation: 1, address: moved })]);
    expect(solo.core.member('a')?.state).toBe('dead');
    const [ping] = verificationPings(solo, 'a');
    expect(ping?.to).toBe(moved);
    solo.receive([{ type: 'ack', seq: ping?.seq ?? -1, viewId: 0 }], moved);
    expect(solo.core.member('a')).toMatchObject({ state: 'alive', incarnation: 1, address: moved });
  });

  it('the answer to our join request is taken as the seed gives it: its members enter without a ping', () => {
    const solo = joiningThrough([addressFor('seed')]);
    solo.core.handleSyncReply(stateAnswer('seed', ['seed', 'x', 'y']), addressFor('seed'), 1);
    expect(['seed', 'x', 'y'].map((id) => solo.core.member(id)?.state)).toEqual(['alive', 'alive', 'alive']);
    expect([...verificationPings(solo, 'x'), ...verificationPings(solo, 'y')]).toEqual([]);
    // Only that one answer: a later exchange with the same seed is checked row by row.
    solo.core.handleSyncReply(stateAnswer('seed', ['seed', 'later']), addressFor('seed'), 2);
    expect(solo.core.member('later')).toBeUndefined();
    expect(verificationPings(solo, 'later')).toHaveLength(1);
  });

  it('a seed we did not ask to join through vouches for nothing but itself', () => {
    const solo = joiningThrough([addressFor('seed')]);
    solo.core.handleSyncReply(stateAnswer('other-seed', ['other-seed', 'x']), addressFor('other-seed'), 1);
    expect(solo.core.member('other-seed')?.state).toBe('alive');
    expect(solo.core.member('x')).toBeUndefined();
    expect(verificationPings(solo, 'x')).toHaveLength(1);
  });

  it('a member of a cluster that joins a peer (one a discovery found) pings the members that peer names', () => {
    const solo = node(['a', 'b']);
    // Whoever answers a multicast query can be that peer: its rows are news like any other.
    solo.core.join([addressFor('found')], 1);
    solo.core.handleSyncReply(stateAnswer('found', ['found', 'p0', 'p1']), addressFor('found'), 2);
    expect(solo.core.member('found')?.state).toBe('alive');
    expect(solo.core.member('p0')).toBeUndefined();
    expect(solo.core.member('p1')).toBeUndefined();
    expect(verificationPings(solo, 'p0')).toHaveLength(1);
    expect(verificationPings(solo, 'p1')).toHaveLength(1);
  });

  it('a member that answered our sync is admitted at once; the members it names are pinged first', () => {
    const solo = node(['a', 'b']);
    solo.core.handleSyncReply(stateAnswer('c', ['c', 'other']), addressFor('c'), 1);
    expect(solo.core.member('c')?.state).toBe('alive');
    expect(solo.core.member('other')).toBeUndefined();
    expect(verificationPings(solo, 'other')).toHaveLength(1);
  });

  it('a state pushed at us names no one who enters unverified, joiner or not', () => {
    const solo = node(['a', 'b']);
    const pushed = { ...stateAnswer('pusher', ['pusher', 'named']), join: true };
    solo.core.answerState(pushed, '10.9.9.9:50000', 1);
    expect(solo.core.member('pusher')).toBeUndefined();
    expect(solo.core.member('named')).toBeUndefined();
    expect(verificationPings(solo, 'pusher')).toHaveLength(1);
    expect(verificationPings(solo, 'named')).toHaveLength(1);
  });

  it('a reaped member that reaches us itself is admitted once it answers, at the incarnation that ended', () => {
    const config = testConfig({ verifyMembers: true, tombstoneRetentionMs: 4000, gossipToTheDeadMs: 1000 });
    const solo = new SoloCore({ initialMembers: members('a', 'b'), config }).start(0);
    solo.autoAck = true;
    solo.declareDead('b', { fromId: 'a' });
    solo.advanceTo(20_000);
    expect(solo.core.member('b')).toBeUndefined();
    solo.autoAck = false;
    solo.host.clear();
    // b's own entry in the state it opens an exchange with: first-hand, though of the life we saw end.
    const { type: _type, ...fields } = alive('b');
    const own: MemberSnapshot = { ...fields, state: 'alive', viewDelayMs: 0 };
    solo.core.answerState(
      { type: 'state', join: false, fromId: 'b', members: [own] },
      '10.9.9.9:50000',
      20_000,
    );
    const [ping] = verificationPings(solo, 'b');
    solo.receive([{ type: 'ack', seq: ping?.seq ?? -1, viewId: 0 }], addressFor('b'));
    expect(solo.core.member('b')).toMatchObject({ state: 'alive', incarnation: 0 });
  });
});
