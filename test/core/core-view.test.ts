import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProtocolConfig } from '../../src/core/config.js';
import type { CoreEvent } from '../../src/core/host.js';
import { alive, member, members, SoloCore, testConfig } from './harness.js';
import { MiniNet } from './mini-net.js';

function cluster(ids: string[], config: Partial<ProtocolConfig> = {}): SoloCore {
  const solo = new SoloCore({ initialMembers: members(...ids), config: testConfig(config) }).start(0);
  solo.autoAck = true;
  return solo;
}

const viewIds = (solo: SoloCore) => solo.core.view().members.map((m) => m.id);
const viewEvents = (events: readonly CoreEvent[]) => events.filter((event) => event.type === 'view');

describe('the sorted view of a core', () => {
  it('gives node1, node2, node3 with 2, 1, 4 threads the indices 0, 2, 3 and total 7', () => {
    const solo = new SoloCore({
      id: 'node2',
      threads: 1,
      initialMembers: [member('node3', { threads: 4 }), member('node1', { threads: 2 })],
    }).start(0);
    expect(solo.core.view().members).toEqual([
      { id: 'node1', threads: 2, index: 0 },
      { id: 'node2', threads: 1, index: 2 },
      { id: 'node3', threads: 4, index: 3 },
    ]);
    expect(solo.core.view().total).toBe(7);
  });

  it('orders ids by UTF-8 bytes, never numerically or by address', () => {
    const solo = new SoloCore({
      id: '10.0.0.9',
      initialMembers: [member('10.0.0.10'), member('\u{1F600}'), member('\uFFFD'), member('B'), member('a')],
    }).start(0);
    expect(viewIds(solo)).toEqual(['10.0.0.10', '10.0.0.9', 'B', 'a', '\uFFFD', '\u{1F600}']);
  });

  it('has the same viewId on two nodes that know the same members, whatever the order they learnt them in', () => {
    const one = new SoloCore({ id: 'a', initialMembers: [member('b'), member('c', { threads: 2 })] }).start(
      0,
    );
    const two = new SoloCore({ id: 'c', threads: 2, initialMembers: [member('b'), member('a')] }).start(0);
    expect(one.core.viewId).toBe(two.core.viewId);
    expect(one.core.view()).toEqual(two.core.view());
  });

  it('keeps suspects in the view and drops dead members', () => {
    const solo = cluster(['a', 'b', 'c']);
    solo.receive([{ type: 'suspect', id: 'a', incarnation: 0, fromId: 'b' }]);
    solo.declareDead('b', { fromId: 'c' });
    expect(viewIds(solo)).toEqual(['a', 'c', 'self']);
  });
});

describe('indices without building the view', () => {
  it('follows this node through arrivals, thread changes and departures before and after it', () => {
    const solo = new SoloCore({
      id: 'm',
      threads: 2,
      initialMembers: [member('d', { threads: 3 }), member('x', { threads: 4 })],
    }).start(0);
    solo.autoAck = true;
    // d(3) sorts before m: m starts at 3.
    expect(solo.core.ownIndex()).toBe(3);
    expect(solo.core.viewTotal).toBe(9);
    solo.receive([alive('a', { threads: 5 })]);
    expect(solo.core.ownIndex()).toBe(8);
    solo.receive([alive('z', { threads: 7 })]);
    expect(solo.core.ownIndex()).toBe(8);
    expect(solo.core.viewTotal).toBe(21);
    solo.receive([alive('d', { threads: 1, incarnation: 1 })]);
    expect(solo.core.ownIndex()).toBe(6);
    solo.declareDead('a', { fromId: 'x' });
    expect(solo.core.ownIndex()).toBe(1);
    expect(solo.core.viewTotal).toBe(14);
  });

  it('gives -1 for this node out of the view and for members not in it yet', () => {
    const solo = new SoloCore({ id: 'm', initialMembers: [member('a'), member('b', { threads: 2 })] }).start(
      0,
    );
    solo.autoAck = true;
    solo.host.nowMs = 100;
    solo.receive([alive('c', { viewDelayMs: 500 })]);
    expect(solo.core.indexOf('c')).toBe(-1);
    expect(solo.core.indexOf('b')).toBe(1);
    expect(solo.core.indexOf('nobody')).toBe(-1);
    solo.advanceTo(600);
    expect(solo.core.indexOf('c')).toBe(3);
    expect(solo.core.indexOf('m')).toBe(4);
    solo.core.leave(600);
    solo.advanceTo(20_000);
    expect(solo.core.ownIndex()).toBe(-1);
  });

  it('gives every member the threads of the ids before it in UTF-8 byte order as its index, for any ids', () => {
    // Ids mix ASCII, BMP characters above the surrogates and astral ones: UTF-16 order differs from UTF-8 order there.
    const idChar = fc.constantFrom(
      'a',
      'B',
      '0',
      '.',
      '\uFFFD',
      '\uE000',
      '\u00E9',
      '\u{1F600}',
      '\u{10000}',
    );
    const idArb = fc.array(idChar, { minLength: 1, maxLength: 4 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: idArb, threads: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 1,
          maxLength: 40,
          selector: (entry) => entry.id,
        }),
        (entries) => {
          const [self, ...others] = entries as [
            { id: string; threads: number },
            ...{ id: string; threads: number }[],
          ];
          const solo = new SoloCore({
            id: self.id,
            threads: self.threads,
            initialMembers: others.map((entry) => member(entry.id, { threads: entry.threads })),
          }).start(0);
          // Expected indices from the UTF-8 bytes themselves, not from the core's comparison.
          const bytesOf = (id: string) => Buffer.from(id, 'utf8');
          const sorted = [...entries].sort((x, y) => Buffer.compare(bytesOf(x.id), bytesOf(y.id)));
          let before = 0;
          for (const entry of sorted) {
            expect(solo.core.indexOf(entry.id)).toBe(before);
            before += entry.threads;
          }
          expect(solo.core.indexOf('not-a-member')).toBe(-1);
        },
      ),
      { numRuns: 200, seed: 20261202 },
    );
  });
});

describe('coordinated view changes', () => {
  it('a newcomer enters the view at the deadline its update carries, not when heard', () => {
    const solo = cluster(['a']);
    solo.host.nowMs = 100;
    solo.receive([alive('x', { viewDelayMs: 800 })]);
    expect(solo.core.member('x')?.state).toBe('alive');
    expect(viewIds(solo)).toEqual(['a', 'self']);
    expect(solo.core.pendingViewChanges).toBe(1);
    solo.advanceTo(899);
    expect(viewIds(solo)).toEqual(['a', 'self']);
    const before = viewEvents(solo.host.events).length;
    solo.advanceTo(900);
    expect(viewIds(solo)).toEqual(['a', 'self', 'x']);
    expect(solo.core.pendingViewChanges).toBe(0);
    expect(viewEvents(solo.host.events).slice(before)).toEqual([
      { type: 'view', viewId: solo.core.viewId, total: 3 },
    ]);
  });

  it('a departure leaves the view at its deadline, the member stays until then', () => {
    const solo = cluster(['a', 'b']);
    solo.receive([{ type: 'left', id: 'a', incarnation: 0, viewDelayMs: 500 }]);
    expect(solo.core.member('a')?.state).toBe('left');
    solo.advanceTo(499);
    expect(viewIds(solo)).toContain('a');
    solo.advanceTo(500);
    expect(viewIds(solo)).not.toContain('a');
  });

  it('a change with no delay applies at once', () => {
    const solo = cluster(['a']);
    solo.receive([alive('x', { viewDelayMs: 0 })]);
    expect(viewIds(solo)).toContain('x');
  });

  it('the same change heard twice keeps the earlier deadline', () => {
    const solo = cluster(['a']);
    solo.receive([alive('x', { viewDelayMs: 1000 })]);
    solo.host.nowMs = 100;
    solo.receive([{ type: 'suspect', id: 'x', incarnation: 0, fromId: 'a' }]);
    solo.receive([alive('x', { incarnation: 1, viewDelayMs: 1500 })]);
    solo.advanceTo(1000);
    expect(viewIds(solo)).toContain('x');
  });

  it('forwards an update with the time still left before its deadline', () => {
    const solo = cluster(['a']);
    solo.receive([alive('x', { viewDelayMs: 1000 })]);
    solo.host.nowMs = 300;
    const forwarded = solo.pingSelf()?.messages.find((m) => m.type === 'alive' && m.id === 'x');
    expect(forwarded).toMatchObject({ viewDelayMs: 700 });
    solo.host.nowMs = 1200;
    const late = solo.pingSelf(2)?.messages.find((m) => m.type === 'alive' && m.id === 'x');
    expect(late).toMatchObject({ viewDelayMs: 0 });
  });

  it('a failure detected here is removed from the view after a fresh viewDelayMs', () => {
    const solo = cluster(['a', 'b', 'c']);
    solo.receive([{ type: 'suspect', id: 'a', incarnation: 0, fromId: 'b' }]);
    solo.advanceUntil(() => solo.core.member('a')?.state === 'dead', 60_000);
    const diedAt = solo.host.nowMs;
    expect(viewIds(solo)).toContain('a');
    const dead = solo.pingSelf()?.messages.find((m) => m.type === 'dead');
    expect(dead).toMatchObject({ id: 'a', viewDelayMs: 1500 });
    solo.advanceTo(diedAt + 1499);
    expect(viewIds(solo)).toContain('a');
    solo.advanceTo(diedAt + 1500);
    expect(viewIds(solo)).not.toContain('a');
  });

  it('a metadata-only update changes no view', () => {
    const solo = cluster(['a']);
    const before = viewEvents(solo.host.events).length;
    solo.receive([alive('a', { incarnation: 1, metadata: { k: 'v' }, viewDelayMs: 700 })]);
    expect(solo.core.pendingViewChanges).toBe(0);
    solo.advanceTo(2000);
    expect(viewEvents(solo.host.events)).toHaveLength(before);
  });

  it('a thread-count change is a view change at the deadline', () => {
    const solo = cluster(['a']);
    solo.receive([alive('a', { incarnation: 1, threads: 5, viewDelayMs: 400 })]);
    expect(solo.core.view().total).toBe(2);
    solo.advanceTo(400);
    expect(solo.core.view().total).toBe(6);
  });
});

describe('coordinated view changes across a small network', () => {
  function formed(latencyMs: number): MiniNet {
    const net = new MiniNet(testConfig(), latencyMs);
    net.add('a');
    for (const id of ['b', 'c', 'd']) net.join(id, 'a');
    net.runUntil(10_000);
    for (const core of net.cores.values()) expect(core.view().total).toBe(4);
    return net;
  }

  /** When each node last changed its view after `sinceMs`, for nodes whose view now has `total` threads. */
  function applyTimes(net: MiniNet, sinceMs: number, total: number): Map<string, number> {
    const times = new Map<string, number>();
    for (const entry of net.timeline) {
      if (entry.atMs < sinceMs || entry.event.type !== 'view') continue;
      if (entry.event.total === total) times.set(entry.id, entry.atMs);
      else times.delete(entry.id);
    }
    return times;
  }

  it('a join is applied by every node within a hop latency or two of the others, at the deadline', () => {
    const latency = 5;
    const net = formed(latency);
    const joinedAt = net.nowMs;
    net.join('e', 'c');
    net.runUntil(joinedAt + 5000);
    const times = applyTimes(net, joinedAt, 5);
    expect([...times.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const values = [...times.values()];
    // Each gossip hop adds one latency to the carried deadline; in five nodes the news takes at most two hops.
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(2 * latency);
    // Applied at the deadline (about viewDelayMs after the seed heard of it), not on hearing.
    expect(Math.min(...values) - joinedAt).toBeGreaterThanOrEqual(1500);
    expect(Math.max(...values) - joinedAt).toBeLessThanOrEqual(1500 + 4 * latency);
  });

  it('a graceful leave is applied by every remaining node within a network latency of the others', () => {
    const latency = 5;
    const net = formed(latency);
    const leftAt = net.nowMs;
    net.core('b').leave(leftAt);
    net.runUntil(leftAt + 5000);
    const times = applyTimes(net, leftAt, 3);
    // The leaver drops itself from its own view at once (index -1 after leaving); the others wait.
    expect(times.get('b')).toBe(leftAt);
    times.delete('b');
    expect([...times.keys()].sort()).toEqual(['a', 'c', 'd']);
    const values = [...times.values()];
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(latency);
    expect(Math.min(...values) - leftAt).toBeGreaterThanOrEqual(1500);
  });

  it('a crash is applied by every survivor within a few latencies of the others', () => {
    const latency = 5;
    const net = formed(latency);
    const crashedAt = net.nowMs;
    net.crash('d');
    net.runUntil(crashedAt + 60_000);
    const times = applyTimes(net, crashedAt, 3);
    expect([...times.keys()].sort()).toEqual(['a', 'b', 'c']);
    const values = [...times.values()];
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(2 * latency);
    for (const id of ['a', 'b', 'c']) expect(net.core(id).member('d')?.state).toBe('dead');
  });
});
