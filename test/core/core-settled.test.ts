import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../../src/core/config.js';
import type { CoreEvent } from '../../src/core/host.js';
import { addressFor, alive, members, SoloCore, testConfig } from './harness.js';
import { MiniNet } from './mini-net.js';

function cluster(ids: string[], config: Partial<ProtocolConfig> = {}): SoloCore {
  const solo = new SoloCore({ initialMembers: members(...ids), config: testConfig(config) }).start(0);
  solo.autoAck = true;
  return solo;
}

/** A cluster that has been quiet long enough to be settled. */
function settledCluster(ids: string[]): SoloCore {
  const solo = cluster(ids);
  solo.advanceTo(2000);
  expect(solo.core.settled).toBe(true);
  return solo;
}

/** Runs to this node's next probe and acks it with our own viewId: a peer that agrees with us, now. */
function echo(solo: SoloCore): void {
  const probe = solo.nextProbe();
  solo.receive([{ type: 'ack', seq: probe.ping.seq, viewId: solo.core.viewId }], probe.to);
}

/** Each of `ids` pings us from its own address with our current viewId: it holds our view. */
function witnesses(solo: SoloCore, ids: readonly string[]): void {
  for (const [seq, id] of ids.entries()) {
    solo.receive(
      [{ type: 'ping', seq, targetId: 'self', fromId: id, viewId: solo.core.viewId }],
      addressFor(id),
    );
  }
}

const settledEvents = (events: readonly CoreEvent[]) =>
  events.filter((event): event is Extract<CoreEvent, { type: 'settled' }> => event.type === 'settled');

describe('settled', () => {
  it('is false at start and turns true after settleQuietMs, with an event', () => {
    const solo = cluster(['a', 'b']);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(1999);
    expect(solo.core.settled).toBe(false);
    expect(settledEvents(solo.host.events)).toEqual([]);
    solo.advanceTo(2000);
    expect(solo.core.settled).toBe(true);
    expect(settledEvents(solo.host.events)).toEqual([
      { type: 'settled', settled: true, viewId: solo.core.viewId },
    ]);
  });

  it('follows settleQuietMs', () => {
    // Probes (each acked with our viewId) start within the first 1000 ms period.
    const solo = cluster(['a'], { settleQuietMs: 3000 });
    solo.advanceTo(2999);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(3000);
    expect(solo.core.settled).toBe(true);
  });

  it('is false while a suspect exists, and true again once the suspicion is refuted', () => {
    const solo = settledCluster(['a', 'b']);
    solo.receive([{ type: 'suspect', id: 'a', incarnation: 0, fromId: 'b' }]);
    expect(solo.core.settled).toBe(false);
    expect(settledEvents(solo.host.events).at(-1)).toMatchObject({ settled: false });
    solo.advanceTo(3000);
    expect(solo.core.settled).toBe(false);
    solo.receive([alive('a', { incarnation: 1 })]);
    // Nothing changed in the view, which has long been quiet.
    expect(solo.core.settled).toBe(true);
  });

  it('is false while its own health score is above zero, however quiet the view', () => {
    const solo = cluster(['a', 'b', 'c']);
    expect(solo.advanceUntil(() => solo.core.settled, 10_000)).toBe(true);
    // One probe goes unanswered, and so do the relays asked: the health score rises.
    const { ping } = solo.nextProbe();
    solo.silent.add(ping.targetId);
    solo.advanceUntil(() => solo.core.stats().suspicions > 0, solo.host.nowMs + 10_000);
    solo.silent.clear();
    solo.receive([alive(ping.targetId, { incarnation: 1 })]);
    expect(solo.core.stats().awareness).toBeGreaterThan(0);
    const refutedAtMs = solo.host.nowMs;
    let unhealthyAfterQuiet = false;
    for (let atMs = refutedAtMs; atMs < refutedAtMs + 30_000 && !solo.core.settled; atMs += 100) {
      solo.advanceTo(atMs);
      const unhealthy = solo.core.stats().awareness > 0;
      if (unhealthy) expect(solo.core.settled).toBe(false);
      if (unhealthy && atMs >= refutedAtMs + 2000) unhealthyAfterQuiet = true;
    }
    // The quiet period alone would have settled it; the score held it back until acks brought it to 0.
    expect(unhealthyAfterQuiet).toBe(true);
    expect(solo.core.settled).toBe(true);
    expect(solo.core.stats().awareness).toBe(0);
  });

  it('is false while a view change is pending and for settleQuietMs after it applies', () => {
    const solo = settledCluster(['a']);
    solo.host.nowMs = 3000;
    solo.receive([alive('x', { viewDelayMs: 800 })]);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(3800);
    expect(solo.core.view().total).toBe(3);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(5799);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(5800);
    expect(solo.core.settled).toBe(true);
    expect(settledEvents(solo.host.events).at(-1)).toEqual({
      type: 'settled',
      settled: true,
      viewId: solo.core.viewId,
    });
  });

  it('restarts the quiet period on every new view change', () => {
    const solo = settledCluster(['a']);
    solo.host.nowMs = 3000;
    solo.receive([alive('x')]);
    solo.advanceTo(4000);
    solo.receive([alive('y')]);
    solo.advanceTo(4500);
    witnesses(solo, ['a', 'x', 'y']);
    solo.advanceTo(5999);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(6000);
    expect(solo.core.settled).toBe(true);
  });

  it('is false for settleQuietMs after a live peer reports another viewId', () => {
    const solo = settledCluster(['a']);
    solo.host.nowMs = 3000;
    solo.receive(
      [{ type: 'ping', seq: 1, targetId: 'self', fromId: 'a', viewId: (solo.core.viewId + 1) >>> 0 }],
      addressFor('a'),
    );
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(4999);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(5000);
    expect(solo.core.settled).toBe(true);
  });

  it('notices another viewId in an ack too', () => {
    const solo = settledCluster(['a']);
    solo.autoAck = false;
    const { ping } = solo.nextProbe();
    solo.receive([{ type: 'ack', seq: ping.seq, viewId: (solo.core.viewId + 7) >>> 0 }], addressFor('a'));
    expect(solo.core.settled).toBe(false);
  });

  it('ignores the viewId of a sender outside its view', () => {
    const solo = settledCluster(['a']);
    solo.receive([{ type: 'ping', seq: 1, targetId: 'self', fromId: 'stranger', viewId: 12345 }]);
    expect(solo.core.settled).toBe(true);
  });

  it('stays true when a peer reports the same viewId', () => {
    const solo = settledCluster(['a']);
    solo.receive([{ type: 'ping', seq: 1, targetId: 'self', fromId: 'a', viewId: solo.core.viewId }]);
    expect(solo.core.settled).toBe(true);
    expect(settledEvents(solo.host.events)).toHaveLength(1);
  });

  it('is false while waiting to be admitted by a seed', () => {
    const solo = cluster([]);
    solo.core.join(['10.0.0.7:7946'], 0);
    solo.advanceTo(10_000);
    expect(solo.core.settled).toBe(false);
  });

  it('is false after leaving', () => {
    const solo = settledCluster(['a']);
    solo.core.leave(2000);
    expect(solo.core.settled).toBe(false);
    expect(settledEvents(solo.host.events).at(-1)).toMatchObject({ settled: false });
  });
});

describe('settled across a small network', () => {
  it('every node settles on the same viewId after a join, then unsettles and resettles around a crash', () => {
    const net = new MiniNet(testConfig(), 2);
    net.add('a');
    for (const id of ['b', 'c', 'd']) net.join(id, 'a');
    net.runUntil(10_000);
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) expect(net.core(id).settled).toBe(true);
    expect(new Set(ids.map((id) => net.core(id).viewId)).size).toBe(1);

    net.crash('d');
    const survivors = ['a', 'b', 'c'];
    const crashedAt = net.nowMs;
    let sawUnsettled = false;
    for (let t = crashedAt; t < crashedAt + 60_000; t += 250) {
      net.runUntil(t);
      if (survivors.some((id) => !net.core(id).settled)) sawUnsettled = true;
    }
    expect(sawUnsettled).toBe(true);
    for (const id of survivors) {
      expect(net.core(id).settled).toBe(true);
      expect(net.core(id).view().total).toBe(3);
    }
    expect(new Set(survivors.map((id) => net.core(id).viewId)).size).toBe(1);
  });
});

describe('settled is a lease', () => {
  it('a node that hears no echo of its view settles only once one arrives, and pings do not count', () => {
    const solo = cluster(['a'], { settleQuietMs: 500 });
    solo.autoAck = false;
    solo.receive(
      [{ type: 'ping', seq: 77, targetId: solo.core.id, fromId: 'a', viewId: solo.core.viewId }],
      addressFor('a'),
    );
    expect(solo.core.settled).toBe(false);
    echo(solo);
    expect(solo.core.settled).toBe(true);
  });

  it('a node frozen longer than the lease resumes unsettled before it handles any input', () => {
    const solo = cluster(['a'], { settleQuietMs: 500 });
    solo.advanceTo(3000);
    expect(solo.core.settled).toBe(true);
    // Frozen for 40 s: the first thing that runs on resume is a timer.
    solo.autoAck = false;
    solo.silent.add('a');
    const frozenUntil = 43_000;
    solo.host.timers.sort((x, y) => x.atMs - y.atMs);
    const first = solo.host.timers.shift();
    if (first === undefined) throw new Error('no timer pending');
    solo.host.nowMs = frozenUntil;
    solo.core.handleTimer(first.token, frozenUntil);
    expect(solo.core.settled).toBe(false);
  });

  it('a node alone in its view on purpose needs no echo', () => {
    const solo = new SoloCore({ config: testConfig({ settleQuietMs: 500 }) }).start(0);
    solo.advanceTo(500);
    expect(solo.core.settled).toBe(true);
  });
});

describe('a cancelled view change', () => {
  it('restarts the quiet period: peers whose deadline came first hold another view for a moment', () => {
    const solo = cluster(['a', 'b'], { viewDelayMs: 1000 });
    solo.advanceTo(3000);
    expect(solo.core.settled).toBe(true);
    const deadAtMs = solo.declareDead('a', { fromId: 'b', viewDelayMs: 1000 });
    expect(solo.core.pendingViewChanges).toBe(1);
    solo.host.nowMs = deadAtMs + 500;
    solo.receive([alive('a', { incarnation: 1 })]);
    expect(solo.core.pendingViewChanges).toBe(0);
    // lan settleQuietMs 2000 from the cancel.
    solo.advanceTo(deadAtMs + 500 + 1999);
    expect(solo.core.settled).toBe(false);
    solo.advanceTo(deadAtMs + 500 + 2000 + 1000);
    expect(solo.core.settled).toBe(true);
  });
});
