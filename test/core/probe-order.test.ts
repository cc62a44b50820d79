import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProbeOrder } from '../../src/core/probe-order.js';
import { SeededRandom } from '../../src/core/random.js';

const everyone = (id: string) => id.length > 0;

function round(order: ProbeOrder, members: string[], probeable = everyone): string[] {
  const taken: string[] = [];
  for (let i = 0; i < members.length; i++) {
    const id = order.take(probeable, () => [...members]);
    if (id !== undefined) taken.push(id);
  }
  return taken;
}

describe('ProbeOrder', () => {
  it('probes every member exactly once per round', () => {
    const members = ['a', 'b', 'c', 'd', 'e', 'f'];
    const order = new ProbeOrder(new SeededRandom(3));
    for (let r = 0; r < 5; r++) {
      expect(round(order, members).sort()).toEqual(members);
    }
  });

  it('reshuffles each round', () => {
    const members = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const order = new ProbeOrder(new SeededRandom(5));
    const rounds = new Set<string>();
    for (let r = 0; r < 6; r++) rounds.add(round(order, members).join(','));
    expect(rounds.size).toBeGreaterThan(1);
  });

  it('bounds the gap between two probes of one member by 2N - 1 periods', () => {
    const members = Array.from({ length: 7 }, (_, i) => `m${i}`);
    const order = new ProbeOrder(new SeededRandom(9));
    const sequence: string[] = [];
    for (let r = 0; r < 20; r++) sequence.push(...round(order, members));
    for (const id of members) {
      let last = -1;
      sequence.forEach((taken, at) => {
        if (taken !== id) return;
        if (last >= 0) expect(at - last).toBeLessThanOrEqual(2 * members.length - 1);
        last = at;
      });
    }
  });

  it('skips members that are no longer probeable', () => {
    const members = ['a', 'b', 'c', 'd'];
    const order = new ProbeOrder(new SeededRandom(1));
    const taken = round(order, members, (id) => id !== 'c');
    expect(taken).not.toContain('c');
    expect(taken.length).toBeGreaterThan(0);
  });

  it('returns undefined when nobody qualifies', () => {
    const order = new ProbeOrder(new SeededRandom(1));
    expect(order.take(everyone, () => [])).toBeUndefined();
    expect(
      order.take(
        () => false,
        () => ['a', 'b'],
      ),
    ).toBeUndefined();
  });

  it('probes a newcomer inserted mid-round within the same round', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (seed) => {
        const members = ['a', 'b', 'c', 'd', 'e'];
        const order = new ProbeOrder(new SeededRandom(seed));
        const first = order.take(everyone, () => [...members]);
        order.insert('new');
        const rest: string[] = [];
        for (let i = 0; i < members.length; i++) {
          const id = order.take(everyone, () => ['x']);
          if (id !== undefined) rest.push(id);
        }
        // The rest of the round: the four not yet probed plus the newcomer, before any new round.
        expect([first, ...rest].sort()).toEqual([...members, 'new'].sort());
      }),
      { seed: 1, numRuns: 100 },
    );
  });

  it('places newcomers at varied positions', () => {
    const positions = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const order = new ProbeOrder(new SeededRandom(seed));
      order.take(everyone, () => ['a', 'b', 'c', 'd', 'e', 'f']);
      order.insert('new');
      for (let i = 0; i < 6; i++) {
        if (order.take(everyone, () => []) === 'new') positions.add(i);
      }
    }
    expect(positions.size).toBeGreaterThan(3);
  });
});
