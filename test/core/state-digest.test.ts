import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  DIGEST_BUCKETS_MAX,
  DigestLanes,
  type DigestRow,
  DigestSum,
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

/** Printed by the row-by-row digest as it stood before the precomputed lanes: the wire bytes must not move. */
const KNOWN_DIGEST = { buckets: [0, 2_777_519_973, 0, 3_157_281_034], check: 2_803_808_716 };

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

describe('precomputed digest lanes', () => {
  it('sum to the digest of the same rows hashed one by one, with any of them taken out or replaced', () => {
    fc.assert(
      fc.property(
        tableArb,
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.constantFrom(1, 2, 16, 64),
        (rows, replace, count) => {
          const lanes = new DigestLanes(rows);
          // Rows flagged true are taken out of the shared sums and go in hashed, changed.
          const changed = rows.map((row, at) =>
            replace[at] === true ? { ...row, state: 'dead' as const } : row,
          );
          const sum = new DigestSum(count);
          lanes.addAll(sum);
          rows.forEach((_, at) => {
            if (replace[at] === true) lanes.subtract(sum, at);
          });
          changed.forEach((row, at) => {
            if (replace[at] === true) sum.addRow(row);
          });
          expect(sum.digest()).toEqual(digest(count, changed));
          const oneByOne = new DigestSum(count);
          for (let at = 0; at < rows.length; at++) lanes.add(oneByOne, at);
          expect(oneByOne.digest()).toEqual(digest(count, rows));
        },
      ),
    );
  });

  it('keep the digest of a known table', () => {
    const rows: DigestRow[] = [
      { id: 'a', address: '10.0.0.1:7946', incarnation: 1, state: 'alive', threads: 1 },
      { id: 'b', address: '10.0.0.2:7946', incarnation: 2 ** 40 + 3, state: 'suspect', threads: 4 },
      { id: 'é', address: '[::1]:7000', incarnation: 0, state: 'left', threads: 65_535 },
    ];
    expect(digest(4, rows)).toEqual(KNOWN_DIGEST);
    const sum = new DigestSum(4);
    new DigestLanes(rows).addAll(sum);
    expect(sum.digest()).toEqual(KNOWN_DIGEST);
  });
});
