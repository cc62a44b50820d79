/**
 * Silent TCP connections against a real agent: 160 that never send a byte,
 * from one source and then from ten, while 20 peers (each its own loopback
 * address) run real push-pull syncs with it. Before: 160 silent sockets
 * made 16 of 20 syncs fail. Must hold: every sync succeeds, the silent
 * sockets are closed after firstByteTimeoutMs and counted, and no real
 * member is declared failed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attacker } from './attacker.js';
import { drops, eventually, figure, HostileBed } from './bed.js';

let bed: HostileBed;
beforeEach(async () => {
  bed = await new HostileBed().open();
});
afterEach(async () => {
  await bed.close();
});

/** 20 syncs at once, each from its own peer address; how many answered and the slowest in ms. */
async function realSyncs(bed: HostileBed, to: string, round: number) {
  const peers = Array.from({ length: 20 }, (_, i) => bed.attackerFrom(`127.0.${10 + round}.${i + 1}`));
  const started = Date.now();
  const results = await Promise.allSettled(
    peers.map(async (peer) => {
      const answer = await peer.sync(to, peer.state([]));
      return { members: answer.members.length, ms: Date.now() - started };
    }),
  );
  const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  return {
    ok: answered.length,
    slowestMs: Math.max(0, ...answered.map((a) => a.ms)),
    errors: results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])).slice(0, 3),
  };
}

async function silentFrom(attackers: Attacker[], to: string, each: number): Promise<number> {
  const opened = await Promise.allSettled(attackers.map((a) => a.silent(to, each)));
  return opened.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value.length : 0), 0);
}

describe('silent TCP connections', { timeout: 60_000 }, () => {
  it('160 silent sockets, from one source or ten, do not make real syncs fail', async () => {
    const [victim] = await bed.cluster(3);
    if (victim === undefined) throw new Error('no victim');

    // One source: 16 are held (its cap), the rest refused at once.
    await silentFrom([bed.attacker], victim.address, 160).catch(() => 0);
    const oneSource = await realSyncs(bed, victim.address, 0);
    const afterOne = await drops(victim);

    // Ten sources, 16 each: the whole connection budget (160) is silent; the oldest silent ones make room.
    const ten = Array.from({ length: 10 }, (_, i) => bed.attackerFrom(`127.66.2.${i + 1}`));
    const opened = await silentFrom(ten, victim.address, 16);
    const tenSources = await realSyncs(bed, victim.address, 1);
    await eventually(
      () => [bed.attacker, ...ten].every((a) => a.openConnections === 0),
      'every silent socket closed by the victim',
    );
    const counted = await drops(victim);
    figure('silent-tcp', { oneSource, tenSources, openedFromTen: opened, drops: counted });

    expect(oneSource).toMatchObject({ ok: 20 });
    expect(tenSources).toMatchObject({ ok: 20 });
    expect(afterOne['source-limit'] ?? 0).toBeGreaterThanOrEqual(160 - 16);
    // Every silent socket is accounted for: refused at its source's cap, closed to make room, or timed out.
    const silentDrops = ['source-limit', 'connection-limit', 'first-byte-timeout'];
    expect(silentDrops.reduce((sum, reason) => sum + (counted[reason] ?? 0), 0)).toBe(160 + 160);
    expect(bed.wronglyFailed()).toEqual([]);
  });
});
