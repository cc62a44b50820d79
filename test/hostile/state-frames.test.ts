/**
 * Hostile full-state frames against a real agent: frames declaring more
 * than stateBytesMax, small frames whose headers claim billions of rows,
 * 21 MB frames of more rows than membersMax, and frames that are one giant
 * row. Before: a 21 MB frame was decoded whole; 40 of them stalled the
 * event loop for seconds, got the node declared dead and took RSS from 61
 * to 564 MB.
 * Must hold: no real member is declared failed, the victim's peak RSS
 * stays bounded, every frame is counted as a drop by reason, and a real
 * sync with the victim still works afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameKind } from './attacker.js';
import { drops, eventually, figure, HostileBed, peakRssMb } from './bed.js';

let bed: HostileBed;
beforeEach(async () => {
  bed = await new HostileBed().open();
});
afterEach(async () => {
  await bed.close();
});

/** A state of one member whose metadata holds `bytes` of text: a single oversized row. */
function giantRow(bed: HostileBed, bytes: number): Buffer {
  const member = bed.attacker.fakeMember(1, { metadata: { note: 'x'.repeat(bytes) } });
  return bed.attacker.stateFrame(bed.attacker.state([member]));
}

/** About 21 MB: 30,000 well-formed rows, more than membersMax (20,000) allows. */
function tooManyRows(bed: HostileBed): Buffer {
  const metadata = { note: 'x'.repeat(600) };
  const members = Array.from({ length: 30_000 }, (_, i) => bed.attacker.fakeMember(i, { metadata }));
  return bed.attacker.stateFrame(bed.attacker.state(members));
}

describe('hostile state frames', { timeout: 60_000 }, () => {
  it('oversize, lying and giant frames are refused from their first bytes; nobody is failed', async () => {
    const [victim, ...others] = await bed.cluster(3);
    if (victim === undefined) throw new Error('no victim');
    const attacker = bed.attacker;
    const rssBeforeMb = peakRssMb(victim);

    // 40 headers declaring 64 MB (over stateBytesMax): refused from the 5-byte header.
    for (let i = 0; i < 40; i++)
      await attacker.tcp(victim.address, attacker.declaredFrame(FrameKind.state, 64 << 20));
    // 40 small frames whose row header claims 2^32 - 1 rows: refused before msgpackr sees them.
    const lying = attacker.envelope(
      Uint8Array.of(0x94, 0x08, 0xc2, 0xa1, 0x61, 0xdd, 0xff, 0xff, 0xff, 0xff),
    );
    for (let i = 0; i < 40; i++) await attacker.tcp(victim.address, attacker.frame(FrameKind.state, lying));
    // 40 frames of 21 MB holding 30,000 rows (membersMax is 20,000), from four sources.
    const attackStart = Date.now();
    const crowd = tooManyRows(bed);
    const sources = [1, 2, 3, 4].map((i) => bed.attackerFrom(`127.66.1.${i}`));
    const sending = sources.flatMap((source) =>
      Array.from({ length: 10 }, () => source.tcp(victim.address, crowd)),
    );
    // 10 frames of 2 MB that are one row: more than one row can be, refused from the head.
    const giant = giantRow(bed, 2_000_000);
    sending.push(...Array.from({ length: 10 }, () => attacker.tcp(victim.address, giant)));
    await Promise.all(sending);
    // Every connection is refused or closed by the victim, each counted under a reason.
    const attackers = [attacker, ...sources];
    await eventually(
      () => attackers.every((a) => a.openConnections === 0),
      'every attack connection closed by the victim',
    );
    const attackMs = Date.now() - attackStart;

    const counted = await drops(victim);
    const peakMb = peakRssMb(victim);
    // Two more probe rounds after the attack, so a stall during it would have shown as a failure.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answer = await attacker.sync(victim.address, attacker.state([]));
    figure('state-frames', {
      rssBeforeMb: Math.round(rssBeforeMb),
      peakRssMb: Math.round(peakMb),
      attackMs,
      drops: counted,
      wronglyFailed: bed.wronglyFailed().length,
      suspicions: others.flatMap((a) => a.process.events.filter((e) => e.event === 'suspect')).length,
    });
    expect(bed.wronglyFailed()).toEqual([]);
    // The 21 MB frames come from four sources, ten each, under the per-source cap: each one is
    // refused at its row count (80 with the lying frames, unless those met the per-source cap).
    expect(counted['too-many-messages'] ?? 0).toBeGreaterThanOrEqual(40);
    const accounted = ['frame-too-large', 'too-many-messages', 'malformed', 'source-limit', 'sync-timeout'];
    expect(accounted.reduce((sum, reason) => sum + (counted[reason] ?? 0), 0)).toBe(40 + 40 + 40 + 10);
    // 860 MB were offered; each frame refused from its first bytes, almost none of it was held.
    expect(peakMb - rssBeforeMb).toBeLessThan(100);
    expect(answer.members.map((m) => m.id).sort()).toEqual(['real-0', 'real-1', 'real-2']);
  });
});
