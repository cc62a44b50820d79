import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomInt, SeededRandom, sampleDistinct, shuffle } from '../../src/core/random.js';

function draws(seed: number, count: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => random.nextUint32());
}

describe('SeededRandom', () => {
  it('replays the same sequence from the same seed', () => {
    expect(draws(1234, 50)).toEqual(draws(1234, 50));
  });

  it('gives different sequences for different seeds', () => {
    expect(draws(1, 10)).not.toEqual(draws(2, 10));
    expect(draws(0, 10)).not.toEqual(draws(0x1_0000_0000 - 1, 10));
  });

  it('is sfc32 seeded as (golden ratio, pi, e, seed) with 15 outputs discarded', () => {
    // The reference works in exact integers mod 2^32 (BigInt), independently of the generator.
    const mask = (1n << 32n) - 1n;
    const reference = (seed: number, count: number): number[] => {
      let [a, b, c, d] = [0x9e3779b9n, 0x243f6a88n, 0xb7e15162n, BigInt(seed >>> 0)];
      const next = (): number => {
        const t = (a + b + d) & mask;
        d = (d + 1n) & mask;
        a = b ^ (b >> 9n);
        b = (c + (c << 3n)) & mask;
        c = ((c << 21n) | (c >> 11n)) & mask;
        c = (c + t) & mask;
        return Number(t);
      };
      for (let i = 0; i < 15; i++) next();
      return Array.from({ length: count }, next);
    };
    for (const seed of [0, 1, 1234, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]) {
      expect(draws(seed, 2000)).toEqual(reference(seed, 2000));
    }
  });

  it('yields unsigned 32-bit integers', () => {
    for (const value of draws(99, 1000)) {
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(0x1_0000_0000);
    }
  });

  it('does not echo the seed in its first output: neighbouring seeds differ in many bits', () => {
    const bits = (value: number) => value.toString(2).replaceAll('0', '').length;
    for (let seed = 0; seed < 50; seed++) {
      const [a] = draws(seed, 1);
      const [b] = draws(seed + 1, 1);
      expect(bits(((a as number) ^ (b as number)) >>> 0)).toBeGreaterThan(4);
    }
  });

  it('spreads roughly uniformly (every 1/8 of the range is hit about equally)', () => {
    const buckets = new Array<number>(8).fill(0);
    for (const value of draws(2024, 8000)) buckets[Math.floor(value / 0x2000_0000)]! += 1;
    for (const count of buckets) {
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1150);
    }
  });
});

describe('randomInt', () => {
  it('stays in [0, bound)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 1, max: 1000 }),
        (seed, bound) => {
          const random = new SeededRandom(seed);
          for (let i = 0; i < 20; i++) {
            const value = randomInt(random, bound);
            expect(Number.isInteger(value)).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(bound);
          }
        },
      ),
      { seed: 3 },
    );
  });

  it('maps the extremes of the source to the ends of the range', () => {
    expect(randomInt({ nextUint32: () => 0 }, 10)).toBe(0);
    expect(randomInt({ nextUint32: () => 0xffff_ffff }, 10)).toBe(9);
  });
});

describe('shuffle', () => {
  it('returns a permutation of its input, in place', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.array(fc.integer(), { maxLength: 40 }),
        (seed, items) => {
          const copy = [...items];
          const result = shuffle(new SeededRandom(seed), copy);
          expect(result).toBe(copy);
          expect([...result].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
        },
      ),
      { seed: 4 },
    );
  });

  it('produces every order of three items', () => {
    const orders = new Set<string>();
    const random = new SeededRandom(11);
    for (let i = 0; i < 200; i++) orders.add(shuffle(random, ['a', 'b', 'c']).join(''));
    expect(orders.size).toBe(6);
  });
});

describe('sampleDistinct', () => {
  const pool = Array.from({ length: 100 }, (_, i) => i);

  it('returns distinct accepted items, no more than asked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 0, max: 20 }),
        (seed, size, count) => {
          const items = pool.slice(0, size % 100);
          const picked = sampleDistinct(new SeededRandom(seed), items, count, (item) => item % 3 !== 0);
          expect(new Set(picked).size).toBe(picked.length);
          expect(picked.length).toBeLessThanOrEqual(count);
          for (const item of picked) {
            expect(items).toContain(item);
            expect(item % 3).not.toBe(0);
          }
        },
      ),
      { seed: 5 },
    );
  });

  it('finds every acceptable item of a small pool', () => {
    const picked = sampleDistinct(new SeededRandom(1), [1, 2, 3, 4, 5, 6], 3, (item) => item % 2 === 0);
    expect(picked.sort()).toEqual([2, 4, 6]);
  });

  it('bounds its draws on a large pool', () => {
    let calls = 0;
    const counting = { nextUint32: () => (calls++ * 2654435761) >>> 0 };
    sampleDistinct(counting, pool, 3, () => false);
    expect(calls).toBeLessThanOrEqual(3 * 4 + 8);
  });

  it('returns nothing for an empty pool or a zero count', () => {
    expect(sampleDistinct(new SeededRandom(1), [], 3, () => true)).toEqual([]);
    expect(sampleDistinct(new SeededRandom(1), [1, 2], 0, () => true)).toEqual([]);
  });
});
