import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProbeKeyCodec } from '../../src/core/member-store.js';
import type { MemberKey } from '../../src/core/member-table.js';
import { IdKeyCodec } from '../../src/core/plain-member-store.js';
import { ProbeOrder } from '../../src/core/probe-order.js';
import { randomInt, SeededRandom, shuffle } from '../../src/core/random.js';
import { RosterKeyCodec } from '../../src/sim/roster-member-store.js';

/** The core's codes (positions in a list of ids) and the simulator's (roster positions as themselves). */
const codecs: [string, () => ProbeKeyCodec][] = [
  ['id', () => new IdKeyCodec()],
  ['roster', () => new RosterKeyCodec()],
];

const everyone = (key: MemberKey) => key !== '';

function round(order: ProbeOrder, members: MemberKey[], probeable = everyone): MemberKey[] {
  const taken: MemberKey[] = [];
  for (let i = 0; i < members.length; i++) {
    const id = order.take(probeable, () => [...members]);
    if (id !== undefined) taken.push(id);
  }
  return taken;
}

describe.each(codecs)('ProbeOrder with %s codes', (_name, codec) => {
  it('probes every member exactly once per round', () => {
    const members = ['a', 'b', 'c', 'd', 'e', 'f'];
    const order = new ProbeOrder(new SeededRandom(3), codec());
    for (let r = 0; r < 5; r++) {
      expect(round(order, members).sort()).toEqual(members);
    }
  });

  it('reshuffles each round', () => {
    const members = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const order = new ProbeOrder(new SeededRandom(5), codec());
    const rounds = new Set<string>();
    for (let r = 0; r < 6; r++) rounds.add(round(order, members).join(','));
    expect(rounds.size).toBeGreaterThan(1);
  });

  it('bounds the gap between two probes of one member by 2N - 1 periods', () => {
    const members = Array.from({ length: 7 }, (_, i) => `m${i}`);
    const order = new ProbeOrder(new SeededRandom(9), codec());
    const sequence: MemberKey[] = [];
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
    const order = new ProbeOrder(new SeededRandom(1), codec());
    const taken = round(order, members, (key) => key !== 'c');
    expect(taken).not.toContain('c');
    expect(taken.length).toBeGreaterThan(0);
  });

  it('returns undefined when nobody qualifies', () => {
    const order = new ProbeOrder(new SeededRandom(1), codec());
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
        const order = new ProbeOrder(new SeededRandom(seed), codec());
        const first = order.take(everyone, () => [...members]);
        order.insert('new');
        const rest: MemberKey[] = [];
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
      const order = new ProbeOrder(new SeededRandom(seed), codec());
      order.take(everyone, () => ['a', 'b', 'c', 'd', 'e', 'f']);
      order.insert('new');
      for (let i = 0; i < 6; i++) {
        if (order.take(everyone, () => []) === 'new') positions.add(i);
      }
    }
    expect(positions.size).toBeGreaterThan(3);
  });

  it('holds integer keys and ids together, and gives back what went in', () => {
    const members: MemberKey[] = [0, 'x', 1, 2, 'y', 3];
    const order = new ProbeOrder(new SeededRandom(4), codec());
    for (let r = 0; r < 3; r++) {
      const taken = round(order, members);
      expect(taken.map(String).sort()).toEqual(members.map(String).sort());
      expect(taken.filter((key) => typeof key === 'number').sort()).toEqual([0, 1, 2, 3]);
    }
  });

  it('draws as an array of ids would: inserts swap into place, rounds are shuffled copies', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.array(fc.oneof(fc.nat({ max: 50 }), fc.constantFrom('p', 'q', 'r')), { maxLength: 30 }),
        fc.array(fc.oneof(fc.nat({ max: 50 }), fc.constantFrom('s', 't')), { maxLength: 30 }),
        (seed, inserted, members) => {
          // The reference: the probe order as a plain array, inserting and reshuffling the same way.
          const random = new SeededRandom(seed);
          let reference: MemberKey[] = [];
          let next = 0;
          const order = new ProbeOrder(new SeededRandom(seed), codec());
          order.reserve(5);
          for (const key of inserted) {
            order.insert(key);
            reference.push(key);
            const last = reference.length - 1;
            const position = next + randomInt(random, last - next + 1);
            reference[last] = reference[position] as MemberKey;
            reference[position] = key;
          }
          for (let i = 0; i < inserted.length + 2 * members.length + 2; i++) {
            let expected: MemberKey | undefined;
            for (let pass = 0; pass < 2 && expected === undefined; pass++) {
              if (next < reference.length) expected = reference[next++];
              else {
                reference = shuffle(random, [...members]);
                next = 0;
                if (next < reference.length) expected = reference[next++];
              }
            }
            expect(order.take(everyone, () => [...members])).toBe(expected);
          }
        },
      ),
      { seed: 2, numRuns: 200 },
    );
  });
});
