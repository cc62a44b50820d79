import { describe, expect, it } from 'vitest';
import { addNewest, setNewest } from '../../src/core/bounded.js';
import { freshUint32, SeededRandom } from '../../src/core/random.js';

describe('bounded memories', () => {
  it('drop the oldest entry at the bound, and re-remembering makes an entry the newest', () => {
    const map = new Map<string, number>();
    for (const key of ['a', 'b', 'c']) setNewest(map, key, 1, 3);
    setNewest(map, 'a', 2, 3);
    setNewest(map, 'd', 3, 3);
    expect([...map]).toEqual([
      ['c', 1],
      ['a', 2],
      ['d', 3],
    ]);
    const set = new Set<number>();
    for (const value of [1, 2, 3, 1, 4]) addNewest(set, value, 3);
    expect([...set]).toEqual([3, 1, 4]);
  });
});

describe('freshUint32', () => {
  it('never returns a taken number, walking up (and around) from its random start', () => {
    const start = new SeededRandom(7).nextUint32();
    const taken = new Set([start, (start + 1) >>> 0, (start + 2) >>> 0]);
    expect(freshUint32(new SeededRandom(7), (value) => taken.has(value))).toBe((start + 3) >>> 0);
    const wrap = new Set([0xffff_ffff]);
    const random = { nextUint32: () => 0xffff_ffff };
    expect(freshUint32(random, (value) => wrap.has(value))).toBe(0);
  });
});
