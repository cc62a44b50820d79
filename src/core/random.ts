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
    // The state is kept as signed 32-bit integers: the same bits as unsigned,
    // and the arithmetic below is mod 2^32 either way, but V8 then holds the
    // fields as small integers instead of boxed doubles (draws ran twice as slow).
    this.a = 0x9e3779b9 | 0;
    this.b = 0x243f6a88 | 0;
    this.c = 0xb7e15162 | 0;
    this.d = seed | 0;
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
/**
 * A random 32-bit number (a sequence number an ack must echo, so it cannot
 * be guessed by counting) for which `taken` is false. From a random start
 * it walks up past taken ones, so a caller holding at most K numbers at
 * once bounds the walk to K steps.
 */
export function freshUint32(random: RandomSource, taken: (value: number) => boolean): number {
  let value = random.nextUint32();
  while (taken(value)) value = (value + 1) >>> 0;
  return value;
}

export function randomInt(random: RandomSource, bound: number): number {
  return Math.floor((random.nextUint32() / 0x1_0000_0000) * bound);
}

/** What shuffle accepts: an array, or a typed array (a subarray shuffles part of one). */
export interface MutableList<T> {
  readonly length: number;
  [index: number]: T;
}

/** Fisher-Yates shuffle in place. */
export function shuffle<L extends MutableList<unknown>>(random: RandomSource, items: L): L {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const held = items[i];
    items[i] = items[j];
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
  return sampleFrom(random, pool.length, (index) => pool[index] as T, count, accept, attemptsMax);
}

/**
 * sampleDistinct over a pool that is not an array: `size` items, the one at
 * an index given by `itemAt`. The draws are the same as for an array.
 */
export function sampleFrom<T>(
  random: RandomSource,
  size: number,
  itemAt: (index: number) => T,
  count: number,
  accept: (item: T) => boolean,
  attemptsMax = count * 4 + 8,
): T[] {
  const picked: T[] = [];
  if (size === 0 || count <= 0) return picked;
  if (size <= count * 2) {
    const indexes: number[] = [];
    for (let index = 0; index < size; index++) indexes.push(index);
    for (const index of shuffle(random, indexes)) {
      const item = itemAt(index);
      if (accept(item)) picked.push(item);
      if (picked.length === count) break;
    }
    return picked;
  }
  const seen = new Set<number>();
  for (let attempt = 0; attempt < attemptsMax && picked.length < count; attempt++) {
    const index = randomInt(random, size);
    if (seen.has(index)) continue;
    seen.add(index);
    const item = itemAt(index);
    if (accept(item)) picked.push(item);
  }
  return picked;
}
