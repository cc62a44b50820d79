/**
 * Seeded pseudo-random numbers (sfc32) and the few draws the protocol needs.
 * The core never calls Math.random: the host hands it a RandomSource.
 */
import type { RandomSource } from './types.js';

/** Small, fast, well-mixed generator with 128 bits of state. */
export class SeededRandom implements RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    // Discard the first outputs: they still echo the seed.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}

/** Uniform integer in [0, bound). Bound must be in 1..2^32. */
export function randomInt(random: RandomSource, bound: number): number {
  return Math.floor((random.nextUint32() / 0x1_0000_0000) * bound);
}

/** Fisher-Yates shuffle in place. */
export function shuffle<T>(random: RandomSource, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const held = items[i] as T;
    items[i] = items[j] as T;
    items[j] = held;
  }
  return items;
}

/**
 * Up to `count` distinct items drawn from `pool` that pass `accept`, with at
 * most `attemptsMax` draws so the cost stays bounded for large pools.
 */
export function sampleDistinct<T>(
  random: RandomSource,
  pool: readonly T[],
  count: number,
  accept: (item: T) => boolean,
  attemptsMax = count * 4 + 8,
): T[] {
  const picked: T[] = [];
  if (pool.length === 0 || count <= 0) return picked;
  if (pool.length <= count * 2) {
    for (const index of shuffle(random, [...pool.keys()])) {
      const item = pool[index] as T;
      if (accept(item)) picked.push(item);
      if (picked.length === count) break;
    }
    return picked;
  }
  const seen = new Set<number>();
  for (let attempt = 0; attempt < attemptsMax && picked.length < count; attempt++) {
    const index = randomInt(random, pool.length);
    if (seen.has(index)) continue;
    seen.add(index);
    const item = pool[index] as T;
    if (accept(item)) picked.push(item);
  }
  return picked;
}
