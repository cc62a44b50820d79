/**
 * Hostile deflated state frames and digests against a real agent: deflate
 * bombs (64 KB that inflate to 64 MB, over stateBytesMax), frames that
 * inflate to just under it, streams that are no deflate at all, and
 * digests that break their schema.
 * Must hold: no real member is declared failed, the victim's peak RSS stays
 * bounded (an inflate stops at 64 times the frame's size), every frame is counted as a
 * drop by reason, and a real digest sync with the victim still works.
 */
import { deflateRawSync } from 'node:zlib';
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

/** The label's envelope with the deflated flag, before `payload`. */
function deflatedEnvelope(bed: HostileBed, payload: Uint8Array): Uint8Array {
  const bytes = bed.attacker.envelope(payload);
  bytes[3] = 0x02;
  return bytes;
}

describe('hostile deflated frames and digests', { timeout: 60_000 }, () => {
  it('bombs, garbage and lying digests are counted drops; nobody is failed', async () => {
    const [victim, ...others] = await bed.cluster(3);
    if (victim === undefined) throw new Error('no victim');
    const attacker = bed.attacker;
    const rssBeforeMb = peakRssMb(victim);
    const attackStart = Date.now();
    const send = (payload: Uint8Array) =>
      attacker.tcp(victim.address, attacker.frame(FrameKind.state, payload));

    // 20 bombs: 64 MB of zeros deflate to about 64 KB; the inflate stops at 64 times that.
    const bomb = deflatedEnvelope(bed, deflateRawSync(Buffer.alloc(64 << 20)));
    // 20 frames inflating to 20 MB of zeros, under stateBytesMax, but 1,000 times their size.
    const filler = deflatedEnvelope(bed, deflateRawSync(Buffer.alloc(20 << 20)));
    // 20 frames flagged deflated whose payload is no deflate stream.
    const garbage = deflatedEnvelope(
      bed,
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff),
    );
    // 20 digests with three buckets (not a power of two) and 20 with 128 (over 64).
    const digest = (buckets: number) =>
      attacker.envelope(
        Uint8Array.of(
          0x95,
          0x0a,
          0xa1,
          0x61,
          0x00,
          0x00,
          0xdc,
          buckets >> 8,
          buckets & 0xff,
          ...new Array(buckets).fill(0),
        ),
      );
    const frames = [bomb, filler, garbage, digest(3), digest(128)];
    for (const payload of frames) {
      for (let i = 0; i < 20; i++) await send(payload);
    }
    await eventually(() => attacker.openConnections === 0, 'every attack connection closed by the victim');
    const attackMs = Date.now() - attackStart;

    const counted = await drops(victim);
    const peakMb = peakRssMb(victim);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // A real periodic sync: a digest that disagrees (the attacker knows nobody) earns the victim's rows.
    const answer = await attacker.sync(victim.address, {
      type: 'digest',
      join: false,
      fromId: 'attacker',
      buckets: [0],
      check: 0,
      eventLtime: 0,
    });
    figure('deflated-frames', {
      rssBeforeMb: Math.round(rssBeforeMb),
      peakRssMb: Math.round(peakMb),
      attackMs,
      drops: counted,
      wronglyFailed: bed.wronglyFailed().length,
      suspicions: others.flatMap((a) => a.process.events.filter((e) => e.event === 'suspect')).length,
    });
    expect(bed.wronglyFailed()).toEqual([]);
    expect(counted['too-large'] ?? 0).toBeGreaterThanOrEqual(40);
    const accounted = ['too-large', 'malformed', 'invalid-field', 'source-limit', 'sync-timeout'];
    expect(accounted.reduce((sum, reason) => sum + (counted[reason] ?? 0), 0)).toBe(5 * 20);
    expect(counted['invalid-field'] ?? 0).toBeGreaterThanOrEqual(40);
    // 1.7 GB would have been inflated; each inflate stopped at a few MB and was let go.
    expect(peakMb - rssBeforeMb).toBeLessThan(100);
    expect(answer.scope).toEqual({ bucketCount: 1, buckets: [0] });
    expect(answer.members.map((m) => m.id).sort()).toEqual(['real-0', 'real-1', 'real-2']);
  });
});
