import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, fnv1a } from '../../src/core/utf8.js';
import { sortView, viewShare } from '../../src/core/view.js';

const utf8 = new TextEncoder();

function compareBytes(a: string, b: string): number {
  return Math.sign(Buffer.compare(utf8.encode(a), utf8.encode(b)));
}

function fnvBytes(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

function viewOf(entries: Array<[string, number]>) {
  const digest = entries.reduce((sum, [id, threads]) => (sum + viewShare(id, threads)) >>> 0, 0);
  return sortView(entries, digest);
}

describe('compareUtf8: UTF-8 byte order', () => {
  it.each([
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'a', 0],
    ['a', 'ab', -1],
    ['B', 'a', -1],
    ['10.0.0.10', '10.0.0.9', -1],
    ['node10', 'node9', -1],
    ['z', 'é', -1],
    ['\uFFFD', '\u{1F600}', -1],
    ['\uE000', '\u{10000}', -1],
    ['\u{10FFFF}', '\uFFFF', 1],
  ])('%j vs %j -> %i', (a, b, sign) => {
    expect(Math.sign(compareUtf8(a, b))).toBe(sign);
    expect(compareBytes(a, b)).toBe(sign);
  });

  it('differs from JavaScript UTF-16 order for U+FFFD against an astral character', () => {
    expect('\uFFFD' < '\u{1F600}').toBe(false);
    expect(compareUtf8('\uFFFD', '\u{1F600}')).toBeLessThan(0);
  });

  it('agrees with a byte comparison of the UTF-8 encodings for any well-formed strings', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 8 }),
        fc.string({ unit: 'binary', maxLength: 8 }),
        (a, b) => {
          expect(Math.sign(compareUtf8(a, b))).toBe(compareBytes(a, b));
        },
      ),
      { seed: 21, numRuns: 2000 },
    );
  });

  it('agrees on strings that share a long prefix', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 6 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
        (prefix, a, b) => {
          expect(Math.sign(compareUtf8(prefix + a, prefix + b))).toBe(compareBytes(prefix + a, prefix + b));
        },
      ),
      { seed: 22, numRuns: 1000 },
    );
  });
});

describe('sortView: the deterministic view and libcluster indices', () => {
  it('gives node1, node2, node3 with 2, 1, 4 threads the indices 0, 2, 3 and total 7', () => {
    const view = viewOf([
      ['node3', 4],
      ['node1', 2],
      ['node2', 1],
    ]);
    expect(view.members).toEqual([
      { id: 'node1', threads: 2, index: 0 },
      { id: 'node2', threads: 1, index: 2 },
      { id: 'node3', threads: 4, index: 3 },
    ]);
    expect(view.total).toBe(7);
  });

  it('sorts address-like ids as strings by bytes, not numerically', () => {
    const view = viewOf([
      ['10.0.0.9', 1],
      ['10.0.0.10', 1],
      ['10.0.0.1', 1],
    ]);
    expect(view.members.map((m) => m.id)).toEqual(['10.0.0.1', '10.0.0.10', '10.0.0.9']);
  });

  it('sorts astral ids after U+FFFD', () => {
    const view = viewOf([
      ['\u{1F600}', 1],
      ['\uFFFD', 1],
      ['a', 1],
    ]);
    expect(view.members.map((m) => m.id)).toEqual(['a', '\uFFFD', '\u{1F600}']);
  });

  it('carries the digest it was given', () => {
    expect(sortView([['a', 1]], 1234).viewId).toBe(1234);
  });

  it('is an empty view with total 0 for no members', () => {
    expect(sortView([], 0)).toEqual({ members: [], total: 0, viewId: 0 });
  });

  it('gives the same view whatever the input order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
            fc.integer({ min: 1, max: 64 }),
          ),
          {
            selector: ([id]) => id,
            maxLength: 20,
          },
        ),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        (entries, seed) => {
          const reversed = [...entries].reverse();
          const rotated = entries.map((_, i) => entries[(i + seed) % entries.length] as [string, number]);
          expect(viewOf(reversed)).toEqual(viewOf(entries));
          expect(viewOf(rotated)).toEqual(viewOf(entries));
          const view = viewOf(entries);
          let index = 0;
          for (const member of view.members) {
            expect(member.index).toBe(index);
            index += member.threads;
          }
          expect(view.total).toBe(index);
        },
      ),
      { seed: 23 },
    );
  });
});

describe('viewShare and fnv1a', () => {
  it('matches FNV-1a test vectors', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
        expect(fnv1a(text)).toBe(fnvBytes(text));
      }),
      { seed: 24, numRuns: 500 },
    );
  });

  it('depends on the thread count as well as the id', () => {
    expect(viewShare('node1', 1)).not.toBe(viewShare('node1', 2));
    expect(viewShare('node1', 1)).not.toBe(viewShare('node2', 1));
  });

  it('is an unsigned 32-bit value', () => {
    for (const id of ['a', 'node1', '\u{1F600}']) {
      const share = viewShare(id, 3);
      expect(share).toBe(share >>> 0);
    }
  });

  it('gives different views different digests (no collisions in a sample)', () => {
    const digests = new Set<number>();
    for (let n = 1; n <= 200; n++) {
      const entries: Array<[string, number]> = Array.from({ length: n % 7 }, (_, i) => [
        `n${i}`,
        1 + (n % 3),
      ]);
      entries.push([`extra${n}`, 1]);
      digests.add(viewOf(entries).viewId);
    }
    expect(digests.size).toBe(200);
  });
});
