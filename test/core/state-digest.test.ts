import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  DIGEST_BUCKETS_MAX,
  type DigestRow,
  differingBuckets,
  digestBucketsFor,
  digestOf,
  isDigestBucketCount,
} from '../../src/core/state-digest.js';
import type { MemberState } from '../../src/core/types.js';

const rowArb: fc.Arbitrary<DigestRow> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 12 }),
  address: fc.constantFrom('10.0.0.1:7946', '10.0.0.2:7946', '[::1]:7000'),
  incarnation: fc.oneof(
    fc.integer({ min: 0, max: 10 }),
    fc.constant(1_764_000_000_123),
    fc.constant(2 ** 53 - 1),
  ),
  state: fc.constantFrom<MemberState>('alive', 'suspect', 'dead', 'left'),
  threads: fc.integer({ min: 1, max: 65_535 }),
});
const tableArb = fc.uniqueArray(rowArb, { selector: (row) => row.id, maxLength: 60 });

const digest = (count: number, rows: readonly DigestRow[]) =>
  digestOf(count, (take) => {
    for (const row of rows) take(row);
  });

describe('table digests', () => {
  it('bucket counts: a power of two, about 16 rows a bucket, at most 64', () => {
    expect(digestBucketsFor(0)).toBe(1);
    expect(digestBucketsFor(16)).toBe(1);
    expect(digestBucketsFor(17)).toBe(2);
    expect(digestBucketsFor(100)).toBe(8);
    expect(digestBucketsFor(1000)).toBe(64);
    expect(digestBucketsFor(1_000_000)).toBe(DIGEST_BUCKETS_MAX);
    for (const n of [0, 1, 50, 200, 1000, 20_000])
      expect(isDigestBucketCount(digestBucketsFor(n))).toBe(true);
    for (const bad of [0, 3, 6, 128, 1.5, -2]) expect(isDigestBucketCount(bad)).toBe(false);
  });

  it('do not depend on the order rows are visited in', () => {
    fc.assert(
      fc.property(tableArb, fc.constantFrom(1, 4, 64), (rows, count) => {
        expect(digest(count, [...rows].reverse())).toEqual(digest(count, rows));
        expect(differingBuckets(digest(count, rows), digest(count, [...rows].reverse()))).toEqual([]);
      }),
    );
  });

  it('a change to one row shows in its bucket alone', () => {
    fc.assert(
      fc.property(
        tableArb.filter((rows) => rows.length > 0),
        fc.nat(),
        fc.constantFrom('incarnation', 'state', 'address', 'threads', 'gone'),
        fc.constantFrom(1, 8, 64),
        (rows, pick, field, count) => {
          const at = pick % rows.length;
          const row = rows[at] as DigestRow;
          const changed: DigestRow | undefined =
            field === 'incarnation'
              ? { ...row, incarnation: row.incarnation === 0 ? 1 : row.incarnation - 1 }
              : field === 'state'
                ? { ...row, state: row.state === 'alive' ? 'suspect' : 'alive' }
                : field === 'address'
                  ? { ...row, address: `${row.address}1` }
                  : field === 'threads'
                    ? { ...row, threads: row.threads === 1 ? 2 : 1 }
                    : undefined;
          const other = rows.flatMap((r, i) => (i !== at ? [r] : changed === undefined ? [] : [changed]));
          expect(differingBuckets(digest(count, rows), digest(count, other))).toEqual([
            bucketOf(row.id, count),
          ]);
        },
      ),
    );
  });

  it('a difference only the check sees makes every bucket differ', () => {
    const ours = { buckets: [5, 6, 7, 8], check: 1 };
    expect(differingBuckets(ours, { buckets: [5, 6, 7, 8], check: 2 })).toEqual([0, 1, 2, 3]);
    expect(differingBuckets(ours, { buckets: [5, 0, 7, 0], check: 1 })).toEqual([1, 3]);
    expect(differingBuckets(ours, ours)).toEqual([]);
  });
});
