/**
 * A compact summary of a member table, so that a periodic push-pull between
 * two nodes that already agree costs a few hundred bytes instead of every
 * row both ways. Members fall into a power-of-two number of buckets by a
 * hash of their id; each bucket's summary is the sum (mod 2^32) of its rows'
 * hashes, so it needs no sorting and two tables agree on a bucket exactly
 * when they hold the same rows there (up to a 2^-32 chance per bucket). A
 * second hash over all rows with another seed (`check`) makes a false
 * agreement of the whole table a 2^-64 chance.
 *
 * A row's hash covers what the merge rules look at: id, incarnation, state,
 * address and thread count. Metadata is left out: it only ever changes
 * together with the incarnation, and hashing every map on every sync would
 * cost more than the rest of the row.
 */
import { mix32Bits } from './mix32.js';
import type { MemberState } from './types.js';
import { fnv1aBits } from './utf8.js';

/** The most buckets a digest may have: 64 summaries of 5 bytes keep a digest near 350 bytes. */
export const DIGEST_BUCKETS_MAX = 64;
/** Rows per bucket a digest aims at: a difference then moves about this many rows each way. */
const ROWS_PER_BUCKET = 16;

const BUCKET_SEED = 0x9e3779b9;
const ROW_SEED = 0x27d4eb2f;
const CHECK_SEED = 0x165667b1;
const TWO_TO_32 = 2 ** 32;

/** The fields of a row the digest covers. */
export interface DigestRow {
  readonly id: string;
  readonly address: string;
  readonly incarnation: number;
  readonly state: MemberState;
  readonly threads: number;
}

export interface TableDigest {
  /** One summary per bucket; the length is a power of two up to DIGEST_BUCKETS_MAX. */
  readonly buckets: readonly number[];
  /** A hash of every row under another seed. */
  readonly check: number;
}

/** Buckets for a table of `memberCount` rows: about ROWS_PER_BUCKET rows each, 1 to DIGEST_BUCKETS_MAX. */
export function digestBucketsFor(memberCount: number): number {
  let buckets = 1;
  while (buckets < DIGEST_BUCKETS_MAX && buckets * ROWS_PER_BUCKET < memberCount) buckets *= 2;
  return buckets;
}

export function isDigestBucketCount(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= DIGEST_BUCKETS_MAX && (count & (count - 1)) === 0;
}

const STATE_CODES: Readonly<Record<MemberState, number>> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/** The bucket `id` falls into among `bucketCount` (a power of two). */
export function bucketOf(id: string, bucketCount: number): number {
  return mix32Bits(fnv1aBits(id) ^ BUCKET_SEED) & (bucketCount - 1);
}

/**
 * One lane of a row's hash, as signed 32-bit bits (see mix32.ts); the
 * strings are hashed once per row and shared by both lanes.
 */
function rowHash(seed: number, idHash: number, addressHash: number, row: DigestRow): number {
  let h = mix32Bits(seed ^ idHash);
  h = mix32Bits(h ^ addressHash);
  h = mix32Bits(h ^ (row.incarnation % TWO_TO_32));
  h = mix32Bits(h ^ Math.floor(row.incarnation / TWO_TO_32));
  return mix32Bits(h ^ (STATE_CODES[row.state] | (row.threads << 2)));
}

/**
 * A digest being summed. Rows go in one at a time, hashed here, or as the
 * lanes a store worked out for them beforehand (DigestLanes): the sums are
 * the same either way, and they do not depend on the order rows come in.
 */
export class DigestSum {
  /** Sums mod 2^32: a typed array wraps every store. */
  private readonly buckets: Uint32Array;
  /** Summed as signed 32-bit bits, unsigned only in digest(). */
  private check = 0;
  private readonly bucketMask: number;

  /** `bucketCount`: a power of two. */
  constructor(readonly bucketCount: number) {
    this.buckets = new Uint32Array(bucketCount);
    this.bucketMask = bucketCount - 1;
  }

  /** Adds one row, hashing its strings. */
  addRow(row: DigestRow): void {
    const idHash = fnv1aBits(row.id);
    const addressHash = fnv1aBits(row.address);
    this.addHashes(
      mix32Bits(idHash ^ BUCKET_SEED),
      rowHash(ROW_SEED, idHash, addressHash, row),
      rowHash(CHECK_SEED, idHash, addressHash, row),
    );
  }

  /** Adds a row by its lanes: a bucket key (the bucket before masking) and one hash per lane. */
  addHashes(bucketKey: number, rowLane: number, checkLane: number): void {
    const bucket = bucketKey & this.bucketMask;
    this.buckets[bucket] = (this.buckets[bucket] as number) + rowLane;
    this.check = (this.check + checkLane) | 0;
  }

  /** Takes out a row added before by its lanes. */
  subtractHashes(bucketKey: number, rowLane: number, checkLane: number): void {
    const bucket = bucketKey & this.bucketMask;
    this.buckets[bucket] = (this.buckets[bucket] as number) - rowLane;
    this.check = (this.check - checkLane) | 0;
  }

  /** Adds whole bucket sums (of the same bucket count) and their check. */
  addSums(buckets: Uint32Array, check: number): void {
    for (let i = 0; i < this.buckets.length; i++)
      this.buckets[i] = (this.buckets[i] as number) + (buckets[i] as number);
    this.check = (this.check + check) | 0;
  }

  digest(): TableDigest {
    return { buckets: Array.from(this.buckets), check: this.check >>> 0 };
  }
}

/**
 * The lanes of a fixed list of rows, worked out once: a store that shares
 * rows between many tables keeps them by position, so that a digest of a
 * table made mostly of those rows starts from their sums and hashes only
 * the rows that differ.
 */
export class DigestLanes {
  /** Signed bits, as the hashes come (see mix32.ts). */
  private readonly bucketKeys: Int32Array;
  private readonly rowLanes: Int32Array;
  private readonly checkLanes: Int32Array;
  /** Sums of every row by bucket count, made when first asked for. */
  private readonly sums = new Map<number, { readonly buckets: Uint32Array; readonly check: number }>();

  constructor(rows: readonly DigestRow[]) {
    this.bucketKeys = new Int32Array(rows.length);
    this.rowLanes = new Int32Array(rows.length);
    this.checkLanes = new Int32Array(rows.length);
    rows.forEach((row, position) => {
      const idHash = fnv1aBits(row.id);
      const addressHash = fnv1aBits(row.address);
      this.bucketKeys[position] = mix32Bits(idHash ^ BUCKET_SEED);
      this.rowLanes[position] = rowHash(ROW_SEED, idHash, addressHash, row);
      this.checkLanes[position] = rowHash(CHECK_SEED, idHash, addressHash, row);
    });
  }

  /** Adds every row to `sum`. */
  addAll(sum: DigestSum): void {
    let all = this.sums.get(sum.bucketCount);
    if (all === undefined) {
      const whole = new DigestSum(sum.bucketCount);
      for (let position = 0; position < this.bucketKeys.length; position++) this.add(whole, position);
      const { buckets, check } = whole.digest();
      all = { buckets: Uint32Array.from(buckets), check };
      this.sums.set(sum.bucketCount, all);
    }
    sum.addSums(all.buckets, all.check);
  }

  /** Adds the row at `position` to `sum`. */
  add(sum: DigestSum, position: number): void {
    sum.addHashes(
      this.bucketKeys[position] as number,
      this.rowLanes[position] as number,
      this.checkLanes[position] as number,
    );
  }

  /** Takes the row at `position` out of `sum`. */
  subtract(sum: DigestSum, position: number): void {
    sum.subtractHashes(
      this.bucketKeys[position] as number,
      this.rowLanes[position] as number,
      this.checkLanes[position] as number,
    );
  }
}

/** Summarises rows into `bucketCount` buckets (a power of two); `forEach` hands over every row once. */
export function digestOf(
  bucketCount: number,
  forEach: (take: (row: DigestRow) => void) => void,
): TableDigest {
  const sum = new DigestSum(bucketCount);
  forEach((row) => sum.addRow(row));
  return sum.digest();
}

/**
 * The buckets whose rows differ between two digests of the same bucket
 * count, in ascending order; every bucket when only the check tells them apart.
 */
export function differingBuckets(ours: TableDigest, theirs: TableDigest): number[] {
  const differing: number[] = [];
  for (let i = 0; i < ours.buckets.length; i++) {
    if (ours.buckets[i] !== theirs.buckets[i]) differing.push(i);
  }
  if (differing.length === 0 && ours.check !== theirs.check) {
    for (let i = 0; i < ours.buckets.length; i++) differing.push(i);
  }
  return differing;
}
