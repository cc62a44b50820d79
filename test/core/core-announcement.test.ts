import { describe, expect, it } from 'vitest';
import { VERIFY_PACE_MS, VERIFY_WINDOW } from '../../src/core/admission.js';
import { ANNOUNCEMENTS_MAX } from '../../src/core/announcement.js';
import { addressFor, joiningThrough, type SoloCore, stateAnswer } from './harness.js';

const SEED = addressFor('seed');

/**
 * A joiner whose seed answered with itself and `count` members m0, m1, ...
 * No gossip rounds: a round's packet can hold our alive alone too, and only
 * announcements are counted here.
 */
function joinedThrough(count: number): { solo: SoloCore; ids: string[] } {
  const solo = joiningThrough([SEED], undefined, { gossipNodes: 0 });
  const ids = ['seed', ...Array.from({ length: count }, (_, i) => `m${i}`)];
  const answer = stateAnswer('seed', ids);
  solo.host.nowMs = 1;
  solo.core.handleSyncReply(answer, SEED, 1);
  return { solo, ids };
}

/** Datagrams holding our alive alone: the announcement (gossip carries more). */
function announcements(solo: SoloCore) {
  return solo.host.sent.filter(
    (packet) =>
      packet.channel === 'datagram' &&
      packet.messages.length === 1 &&
      packet.messages[0]?.type === 'alive' &&
      packet.messages[0].id === 'self',
  );
}

/** Each of `ids` pings us from its address, as a member verifying our announcement does. */
function pingedBy(solo: SoloCore, ids: readonly string[]): void {
  for (const [i, id] of ids.entries())
    solo.receive([{ type: 'ping', seq: 7000 + i, targetId: 'self', fromId: id, viewId: 0 }], addressFor(id));
}

const announcedTo = (solo: SoloCore): string[] => announcements(solo).map((packet) => packet.to);
const viewDelays = (solo: SoloCore): number[] =>
  announcements(solo).map((packet) => (packet.messages[0] as { viewDelayMs: number }).viewDelayMs);

describe("a joiner's announcement to the members its seed vouched for", () => {
  it(`tells each of them once, ${VERIFY_WINDOW} at a time and ${VERIFY_WINDOW} more every ${VERIFY_PACE_MS} ms`, () => {
    const { solo, ids } = joinedThrough(70);
    expect(announcedTo(solo)).toHaveLength(32);
    solo.advanceTo(1 + VERIFY_PACE_MS - 1);
    expect(announcedTo(solo)).toHaveLength(32);
    solo.advanceTo(1 + VERIFY_PACE_MS);
    expect(announcedTo(solo)).toHaveLength(64);
    solo.advanceTo(1 + 3 * VERIFY_PACE_MS);
    const told = announcedTo(solo);
    expect(told).toHaveLength(ids.length);
    expect(new Set(told)).toEqual(new Set(ids.map(addressFor)));
    pingedBy(solo, ids);
    solo.advanceTo(5000);
    expect(announcedTo(solo)).toHaveLength(ids.length);
  });

  it('says who we are and how long until we enter the views, as it stands at each send', () => {
    const { solo } = joinedThrough(40);
    expect(announcements(solo)[0]?.messages[0]).toMatchObject({
      type: 'alive',
      id: 'self',
      address: '10.0.0.1:7946',
      incarnation: solo.core.member('self')?.incarnation,
    });
    const [firstDelay] = viewDelays(solo);
    expect(firstDelay).toBeGreaterThan(VERIFY_PACE_MS);
    solo.advanceTo(1 + VERIFY_PACE_MS);
    // The second batch carries a deadline 20 ms nearer: one cluster-wide moment for all.
    expect(viewDelays(solo).at(-1)).toBe((firstDelay ?? 0) - VERIFY_PACE_MS);
  });

  it('tells each member once when several seeds answer, naming mostly the same members', () => {
    const seeds = ['seed-a', 'seed-b'];
    const solo = joiningThrough(seeds.map(addressFor));
    const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const seed of seeds) {
      const answer = stateAnswer(seed, [seed, ...members]);
      solo.core.handleSyncReply(answer, addressFor(seed), 1);
    }
    solo.advanceTo(100);
    pingedBy(solo, [...seeds, ...members]);
    solo.advanceTo(5000);
    const told = announcedTo(solo);
    expect([...told].sort()).toEqual([...seeds, ...members].map(addressFor).sort());
  });

  it('stops when we leave: what it would say is no longer true', () => {
    const { solo, ids } = joinedThrough(100);
    expect(announcedTo(solo)).toHaveLength(32);
    solo.core.leave(2);
    solo.advanceTo(1000);
    expect(announcedTo(solo)).toHaveLength(32);
    expect(ids.length).toBeGreaterThan(32);
  });
});

describe('members that already hold our row are not told again', () => {
  it('tells each member once when a second seed answers after the first announcement has ended', () => {
    const solo = joiningThrough([addressFor('seed-a'), addressFor('seed-b')]);
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    solo.host.nowMs = 1;
    solo.core.handleSyncReply(stateAnswer('seed-a', ['seed-a', ...members]), addressFor('seed-a'), 1);
    // Fewer than one window: all of them were told at once, and the announcement is over.
    expect(announcedTo(solo)).toHaveLength(members.length + 1);
    pingedBy(solo, ['seed-a', ...members]);
    solo.advanceTo(500);
    solo.core.handleSyncReply(stateAnswer('seed-b', ['seed-b', ...members]), addressFor('seed-b'), 500);
    pingedBy(solo, ['seed-b']);
    solo.advanceTo(5000);
    const told = announcedTo(solo);
    expect([...told].sort()).toEqual(['seed-a', 'seed-b', ...members].map(addressFor).sort());
  });

  it('a member that joins again through a peer tells none of the members it already holds', () => {
    const { solo, ids } = joinedThrough(50);
    solo.advanceTo(100);
    pingedBy(solo, ids);
    solo.advanceTo(5000);
    const before = announcements(solo).length;
    expect(before).toBe(ids.length);
    // Found again (a discovery or a view file names the peer): the same table comes back.
    solo.core.join([addressFor('m7')], 5000);
    solo.core.handleSyncReply(stateAnswer('m7', ids), addressFor('m7'), 5001);
    solo.advanceTo(10_000);
    expect(announcements(solo).length).toBe(before);
  });
});

describe('a member that stays silent is told again', () => {
  const PERIOD_MS = 1000;

  it(`a probe period after the last went out, up to ${ANNOUNCEMENTS_MAX} times in all; one that pinged us is not`, () => {
    const { solo, ids } = joinedThrough(10);
    // They answer our probes (they are alive), but none pings us.
    solo.autoAck = true;
    const silent = ids.filter((id) => id !== 'm3');
    solo.advanceTo(50);
    pingedBy(solo, ['m3']);
    const timesTold = (id: string) => announcedTo(solo).filter((to) => to === addressFor(id)).length;
    solo.advanceTo(1 + PERIOD_MS - 1);
    expect(silent.map(timesTold)).toEqual(silent.map(() => 1));
    solo.advanceTo(1 + PERIOD_MS);
    expect(silent.map(timesTold)).toEqual(silent.map(() => 2));
    solo.advanceTo(1 + 2 * PERIOD_MS);
    expect(silent.map(timesTold)).toEqual(silent.map(() => ANNOUNCEMENTS_MAX));
    solo.advanceTo(60_000);
    expect(silent.map(timesTold)).toEqual(silent.map(() => ANNOUNCEMENTS_MAX));
    expect(timesTold('m3')).toBe(1);
  });

  it('not once it pings us between two announcements', () => {
    const { solo } = joinedThrough(10);
    solo.autoAck = true;
    solo.advanceTo(1 + PERIOD_MS);
    const told = () => announcedTo(solo).filter((to) => to === addressFor('m5')).length;
    expect(told()).toBe(2);
    pingedBy(solo, ['m5']);
    solo.advanceTo(60_000);
    expect(told()).toBe(2);
  });

  it('a member a later seed brought in waits a probe period of its own before it is told again', () => {
    const solo = joiningThrough([addressFor('seed-a'), addressFor('seed-b')]);
    solo.autoAck = true;
    solo.host.nowMs = 1;
    solo.core.handleSyncReply(stateAnswer('seed-a', ['seed-a', 'm0']), addressFor('seed-a'), 1);
    // The slower seed answers just before the first repeat is due, naming a member new to us.
    solo.advanceTo(PERIOD_MS - 10);
    solo.core.handleSyncReply(
      stateAnswer('seed-b', ['seed-b', 'late']),
      addressFor('seed-b'),
      PERIOD_MS - 10,
    );
    const told = () => announcedTo(solo).filter((to) => to === addressFor('late')).length;
    expect(told()).toBe(1);
    solo.advanceTo(2 * PERIOD_MS - 11);
    expect(told()).toBe(1);
    solo.advanceTo(2 * PERIOD_MS - 10);
    expect(told()).toBe(2);
  });

  it('a member that pinged us before its turn came is not told at all', () => {
    const { solo, ids } = joinedThrough(70);
    // The first window went out; m60 is still waiting for its turn and pings us first.
    expect(announcedTo(solo)).not.toContain(addressFor('m60'));
    pingedBy(solo, ['m60']);
    pingedBy(
      solo,
      ids.filter((id) => id !== 'm60'),
    );
    solo.advanceTo(60_000);
    expect(announcedTo(solo)).not.toContain(addressFor('m60'));
  });
});
