import { describe, expect, it } from 'vitest';
import { clusterLabel } from '../../src/codec/index.js';

/** A reference FNV-1a over TextEncoder's bytes, independent of the code under test. */
function fnvReference(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

describe('clusterLabel', () => {
  it('the reference matches the published FNV-1a test vectors', () => {
    expect(fnvReference('')).toBe(0x811c9dc5);
    expect(fnvReference('a')).toBe(0xe40c292c);
    expect(fnvReference('foobar')).toBe(0xbf9cf968);
  });

  it('hashes key, NUL, env as UTF-8', () => {
    expect(clusterLabel('shop', 'prod')).toBe(fnvReference('shop\0prod'));
    expect(clusterLabel('clé', 'прод')).toBe(fnvReference('clé\0прод'));
  });

  it('keeps the key/env split apart and yields an unsigned 32-bit value', () => {
    expect(clusterLabel('ab', 'c')).not.toBe(clusterLabel('a', 'bc'));
    expect(clusterLabel('shop', 'prod')).not.toBe(clusterLabel('shop', 'staging'));
    for (const [key, env] of [
      ['', ''],
      ['x', 'y'],
      ['long'.repeat(50), 'env'],
    ] as const) {
      const label = clusterLabel(key, env);
      expect(Number.isInteger(label) && label >= 0 && label <= 0xffff_ffff).toBe(true);
    }
  });
});
