import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mix32Bits } from '../../src/core/mix32.js';
import { fnv1aBits } from '../../src/core/utf8.js';

/** murmur3's fmix32 in exact integer arithmetic, a reference independent of Math.imul and int32 tricks. */
function fmix32Reference(value: number): number {
  const M = 0xffff_ffffn;
  let h = BigInt(value >>> 0);
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M;
  h ^= h >> 16n;
  return Number(h);
}

/** FNV-1a over TextEncoder's bytes, in exact integer arithmetic. */
function fnv1aReference(text: string): number {
  let h = 0x811c9dc5n;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x01000193n) & 0xffff_ffffn;
  return Number(h);
}

const isInt32 = (value: number) => value === (value | 0);

describe('the hash bits the digests sum', () => {
  it('mix32Bits is murmur3 fmix32 as signed 32-bit bits, for any 32-bit input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (value) => {
        const bits = mix32Bits(value);
        expect(isInt32(bits)).toBe(true);
        expect(bits >>> 0).toBe(fmix32Reference(value));
      }),
      { seed: 31, numRuns: 2000 },
    );
    expect(mix32Bits(0)).toBe(0);
    // Inputs given as signed bits hash the same as their unsigned value.
    expect(mix32Bits(-1)).toBe(mix32Bits(0xffff_ffff));
  });

  it('fnv1aBits is FNV-1a over the UTF-8 bytes as signed 32-bit bits, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
        const bits = fnv1aBits(text);
        expect(isInt32(bits)).toBe(true);
        expect(bits >>> 0).toBe(fnv1aReference(text));
      }),
      { seed: 32, numRuns: 500 },
    );
    // The offset basis alone is above 2^31: the empty string must come back signed too.
    expect(fnv1aBits('')).toBe(0x811c9dc5 | 0);
  });
});
