import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3, Rendezvous, rendezvousOwner, rendezvousOwners } from '../../src/hashing/rendezvous.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);
const keys = (n: number) => Array.from({ length: n }, (_, i) => `key:${i}`);

describe('murmur3', () => {
  it('matches the reference vectors of MurmurHash3_x86_32', () => {
    expect(murmur3(utf8(''), 0)).toBe(0);
    expect(murmur3(utf8(''), 1)).toBe(0x514e28b7);
    expect(murmur3(utf8(''), 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(utf8('Hello, world!'), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3(utf8('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
  });
});

describe('rendezvous hashing', () => {
  it('has no owner without members', () => {
    expect(rendezvousOwner('k', [])).toBeUndefined();
    expect(rendezvousOwners('k', [], 3)).toEqual([]);
  });

  it('does not depend on the order of the member list', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 20 }),
        fc.string(),
        (members, key) => {
          const reversed = [...members].reverse();
          expect(rendezvousOwner(key, members)).toBe(rendezvousOwner(key, reversed));
          expect(rendezvousOwners(key, members, 3)).toEqual(rendezvousOwners(key, reversed, 3));
        },
      ),
    );
  });

  it('ranks owners consistently: owners(k, n)[0] is owner(k) and prefixes agree', () => {
    const ring = new Rendezvous(ids(10));
    for (const key of keys(200)) {
      const all = ring.owners(key, 10);
      expect(new Set(all).size).toBe(10);
      expect(all[0]).toBe(ring.owner(key));
      expect(ring.owners(key, 3)).toEqual(all.slice(0, 3));
    }
    expect(ring.owners('k', 50)).toHaveLength(10);
    expect(ring.owners('k', 0)).toEqual([]);
    expect(() => ring.owners('k', -1)).toThrow(RangeError);
  });

  it('moves only the keys of a member that leaves', () => {
    const members = ids(12);
    const before = new Rendezvous(members);
    const gone = 'node-5';
    const after = new Rendezvous(members.filter((id) => id !== gone));
    let moved = 0;
    for (const key of keys(5000)) {
      const was = before.owner(key);
      const now = after.owner(key);
      if (was === gone) {
        moved++;
        expect(now).not.toBe(gone);
      } else {
        expect(now).toBe(was);
      }
    }
    // The leaver owned about 1/12 of the keys.
    expect(moved).toBeGreaterThan(5000 / 12 / 2);
    expect(moved).toBeLessThan((5000 / 12) * 2);
  });

  it('moves only keys to a member that joins', () => {
    const members = ids(8);
    const before = new Rendezvous(members);
    const after = new Rendezvous([...members, 'newcomer']);
    for (const key of keys(3000)) {
      const now = after.owner(key);
      if (now !== 'newcomer') expect(now).toBe(before.owner(key));
    }
  });

  it('keeps replica sets stable when a member leaves: survivors stay, in order', () => {
    const members = ids(10);
    const before = new Rendezvous(members);
    const after = new Rendezvous(members.filter((id) => id !== 'node-3'));
    for (const key of keys(1000)) {
      const was = before.owners(key, 3).filter((id) => id !== 'node-3');
      expect(after.owners(key, 3).slice(0, was.length)).toEqual(was);
    }
  });

  it('spreads keys evenly', () => {
    const ring = new Rendezvous(ids(10));
    const counts = new Map<string, number>();
    for (const key of keys(20000)) {
      const owner = ring.owner(key) as string;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(1600);
      expect(count).toBeLessThan(2400);
    }
  });

  it('hashes byte keys like their UTF-8 string', () => {
    const members = ids(5);
    for (const key of keys(50))
      expect(rendezvousOwner(utf8(key), members)).toBe(rendezvousOwner(key, members));
  });
});
