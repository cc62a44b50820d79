import { describe, expect, it } from 'vitest';
import { addressFor, members, SoloCore, testConfig } from './harness.js';

const LIAR = addressFor('a');

/** lan, without periodic push-pull, so that every sync is a repair. */
function settledCluster(): SoloCore {
  const config = testConfig({ pushPullIntervalMs: 0 });
  const solo = new SoloCore({ initialMembers: members('a', 'b', 'c'), config }).start(0);
  solo.autoAck = true;
  solo.advanceTo(4000);
  expect(solo.core.settled).toBe(true);
  return solo;
}

/** `a` claims a viewId one above ours, on its pings and on its acks to our probes. */
function lie(solo: SoloCore): void {
  const viewId = (solo.core.viewId + 1) >>> 0;
  solo.ackViewIds.set('a', viewId);
  solo.receive([{ type: 'ping', seq: 1, targetId: 'self', fromId: 'a', viewId }], LIAR);
}

/** Answers every sync this node opened since `done` (with its own state back), or fails them. */
function finishSyncs(solo: SoloCore, done: number, outcome: 'reply' | 'fail'): number {
  const { syncs, syncRequests } = solo.host;
  for (let i = done; i < syncs.length; i++) {
    const sync = syncs[i] as { to: string; join: boolean };
    if (outcome === 'reply') solo.core.handleSyncReply(syncRequests[i] as never, sync.to, solo.host.nowMs);
    else solo.core.handleSyncFailed(sync.to, sync.join, solo.host.nowMs);
  }
  return syncs.length;
}

/** `a` lies every 500 ms for `durationMs`; returns the repair syncs to it and the share of 100 ms samples settled. */
function underAttack(solo: SoloCore, durationMs: number, outcome: 'reply' | 'fail') {
  const startMs = solo.host.nowMs;
  let done = solo.host.syncs.length;
  const before = done;
  let settledSamples = 0;
  let samples = 0;
  for (let atMs = startMs; atMs < startMs + durationMs; atMs += 100) {
    solo.advanceTo(atMs);
    if ((atMs - startMs) % 500 === 0) lie(solo);
    done = finishSyncs(solo, done, outcome);
    samples++;
    if (solo.core.settled) settledSamples++;
  }
  const repairs = solo.host.syncs.slice(before).filter((sync) => sync.to === LIAR).length;
  return { repairs, settledShare: settledSamples / samples };
}

describe('a peer that keeps claiming another viewId', () => {
  it('costs a handful of repair syncs over two minutes, and leaves the node settled most of the time', () => {
    const solo = settledCluster();
    const { repairs, settledShare } = underAttack(solo, 120_000, 'reply');
    // Without muting: one repair per settleQuietMs (2 s), about 60, and never settled. With it, the
    // claims are muted for 3.5 s (viewDelayMs 1.5 s + settleQuietMs 2 s), then 7, 14, 28, 56 s, ...:
    // repairs at about 0, 3.5, 10.5, 24.5, 52.5 and 108.5 s.
    expect(repairs).toBe(6);
    expect(settledShare).toBeGreaterThan(0.8);
  });

  it('counts again once the peer has echoed our viewId on an ack to our probe, not on a ping', () => {
    const solo = settledCluster();
    underAttack(solo, 10_000, 'reply');
    solo.ackViewIds.delete('a');
    // A ping with our viewId settles nothing (it may be old or forged): the claims stay muted.
    solo.receive([{ type: 'ping', seq: 2, targetId: 'self', fromId: 'a', viewId: solo.core.viewId }], LIAR);
    lie(solo);
    expect(solo.core.settled).toBe(true);
    solo.ackViewIds.delete('a');
    const mark = solo.host.sent.length;
    const echoed = solo.advanceUntil(
      () =>
        solo.host.sent.slice(mark).some((p) => p.to === LIAR && p.messages.some((m) => m.type === 'ping')),
      solo.host.nowMs + 20_000,
    );
    expect(echoed).toBe(true);
    lie(solo);
    expect(solo.core.settled).toBe(false);
  });

  it("ignores a view claim on a ping from any address but the member's own", () => {
    const solo = settledCluster();
    const viewId = (solo.core.viewId + 1) >>> 0;
    solo.receive([{ type: 'ping', seq: 1, targetId: 'self', fromId: 'a', viewId }], '10.66.66.66:7946');
    expect(solo.core.settled).toBe(true);
    expect(solo.host.syncs).toEqual([]);
  });

  it('is not muted by a repair that failed: its claims keep counting', () => {
    const solo = settledCluster();
    const { repairs, settledShare } = underAttack(solo, 20_000, 'fail');
    expect(repairs).toBeGreaterThanOrEqual(8);
    expect(settledShare).toBeLessThan(0.2);
  });
});
