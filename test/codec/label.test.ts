import { describe, expect, it } from 'vitest';
import { clusterLabel } from '../../src/codec/index.js';
import { fnv1a32 } from '../../src/codec/label.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('clusterLabel', () => {
  it('fnv1a32 matches the published FNV-1a test vectors', () => {
    expect(fnv1a32(utf8(''))).toBe(0x811c9dc5);
    expect(fnv1a32(utf8('a'))).toBe(0xe40c292c);
    expect(fnv1a32(utf8('foobar'))).toBe(0xbf9cf968);
  });

  it('hashes key, NUL, env as UTF-8', () => {
    expect(clusterLabel('shop', 'prod')).toBe(fnv1a32(utf8('shop\0prod')));
    expect(clusterLabel('clé', 'прод')).toBe(fnv1a32(utf8('clé\0прод')));
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
