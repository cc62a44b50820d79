import { describe, expect, it } from 'vitest';
import {
  addRttSamples,
  barSegments,
  describeEvent,
  formatMetadata,
  formatRtt,
  formatUptime,
  indexRange,
  type PageMember,
  prependBounded,
  sortMembers,
} from '../../src/status/ui/format.js';

const member = (id: string, index: number, threads: number, extra: Partial<PageMember> = {}): PageMember => ({
  id,
  address: `127.0.0.1:${7000 + index}`,
  threads,
  index,
  state: 'alive',
  incarnation: 0,
  metadata: {},
  rttMs: 1,
  self: false,
  ...extra,
});

describe('status page helpers', () => {
  it('writes index ranges as first-last, and "-" outside the view', () => {
    expect(indexRange({ index: 0, threads: 1 })).toBe('0-0');
    expect(indexRange({ index: 3, threads: 4 })).toBe('3-6');
    expect(indexRange({ index: -1, threads: 2 })).toBe('-');
  });

  it('formats RTT, uptime and metadata for people', () => {
    expect(formatRtt(0.4321)).toBe('0.43 ms');
    expect(formatRtt(123.6)).toBe('124 ms');
    expect(formatRtt(null)).toBe('-');
    expect(formatUptime(45_900)).toBe('45 s');
    expect(formatUptime(725_000)).toBe('12 min 5 s');
    expect(formatUptime(3 * 3_600_000 + 4 * 60_000)).toBe('3 h 4 min');
    expect(formatMetadata({ zone: 'b', role: 'web' })).toBe('role=web, zone=b');
  });

  it('sorts by a column both ways and keeps view order on ties', () => {
    const list = [
      member('c', 0, 2, { state: 'alive', rttMs: 3 }),
      member('a', 2, 1, { state: 'suspect', rttMs: null }),
      member('b', 3, 1, { state: 'alive', rttMs: 1 }),
    ];
    expect(sortMembers(list, 'id', false).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(sortMembers(list, 'id', true).map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(sortMembers(list, 'state', false).map((m) => m.id)).toEqual(['c', 'b', 'a']);
    // A member without an RTT sorts last when ascending.
    expect(sortMembers(list, 'rtt', false).map((m) => m.id)).toEqual(['b', 'c', 'a']);
    expect(sortMembers(list, 'no-such-column', false).map((m) => m.id)).toEqual(['c', 'a', 'b']);
  });

  it('cuts the bar in index order and leaves out members without indices', () => {
    const segments = barSegments([
      member('b', 2, 3, { state: 'suspect' }),
      member('a', 0, 2, { self: true }),
      member('gone', -1, 1),
    ]);
    expect(segments).toEqual([
      { id: 'a', threads: 2, range: '0-1', state: 'alive', self: true },
      { id: 'b', threads: 3, range: '2-4', state: 'suspect', self: false },
    ]);
  });

  it('keeps the newest events first and at most the bound', () => {
    let log: number[] = [];
    for (let i = 1; i <= 5; i++) log = prependBounded(log, i, 3);
    expect(log).toEqual([5, 4, 3]);
  });

  it('keeps RTT samples inside the window, skips this agent and forgets departed members', () => {
    const a = member('a', 0, 1, { rttMs: 1 });
    const self = member('me', 1, 1, { self: true });
    let series = addRttSamples({}, [a, self], 1000, 5000);
    series = addRttSamples(series, [{ ...a, rttMs: 2 }], 4000, 5000);
    series = addRttSamples(series, [{ ...a, rttMs: null }], 7000, 5000);
    expect(Object.keys(series)).toEqual(['a']);
    expect(series.a).toEqual({ ts: [4000, 7000], ms: [2, null] });
    expect(addRttSamples(series, [], 8000, 5000)).toEqual({});
  });

  it('describes stream events in one line, using the event names of the --json lines', () => {
    expect(describeEvent({ type: 'fail', id: 'b', address: '127.0.0.1:2' })).toBe(
      'b (127.0.0.1:2) failed (declared dead)',
    );
    expect(describeEvent({ type: 'rebalance', index: 0, threads: 1, total: 3, settled: false })).toBe(
      'rebalanced: index 0, 1 thread(s) of 3, not settled',
    );
    expect(describeEvent({ type: 'something-new' })).toBe('something-new');
    expect(describeEvent({ type: 'user', name: 'deploy', from: 'b', ltime: 3, payload: 'x' })).toBe(
      'user event deploy from b (ltime 3)',
    );
  });
});
