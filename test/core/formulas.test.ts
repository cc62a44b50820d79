import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backupRetransmitLimit,
  expectedConfirmations,
  manyObserversTimeoutMs,
  pushPullIntervalMs,
  retransmitLimit,
  suspicionTimeoutMinMs,
  suspicionTimeoutMs,
  viewDelayMs,
} from '../../src/core/formulas.js';

// Expected values are worked by hand from the published formulas (memberlist's
// retransmitLimit and suspicionTimeout, Lifeguard's dynamic suspicion), never
// by calling the code under test. The maximum suspicion timeout (6 x min in the
// lan preset) is applied by the core and checked in core-suspicion.test.ts.

describe('retransmitLimit = mult * ceil(log10(N + 1))', () => {
  it.each([
    [1, 4],
    [2, 4],
    [9, 4],
    [10, 8],
    [99, 8],
    [100, 12],
    [999, 12],
    [1000, 16],
  ])('N = %i with mult 4 gives %i', (members, limit) => {
    expect(retransmitLimit(4, members)).toBe(limit);
  });

  it('scales linearly with the multiplier', () => {
    expect(retransmitLimit(1, 50)).toBe(2);
    expect(retransmitLimit(3, 50)).toBe(6);
  });

  it('treats a non-positive count as an empty cluster', () => {
    expect(retransmitLimit(4, 0)).toBe(0);
    expect(retransmitLimit(4, -5)).toBe(0);
  });
});

describe('backupRetransmitLimit = ceil(mult * ceil(log10(N + 1)) / 2)', () => {
  it.each([
    [4, 9, 2],
    [4, 10, 4],
    [4, 200, 6],
    [4, 1000, 8],
    [3, 50, 3],
    [1, 5, 1],
  ])('mult %i, N = %i: %i sends', (mult, members, limit) => {
    expect(backupRetransmitLimit(mult, members)).toBe(limit);
  });
});

describe('suspicionTimeoutMinMs = mult * max(1, log10 N) * probe interval', () => {
  it.each([
    [1, 4000],
    [3, 4000],
    [10, 4000],
    [100, 8000],
    [1000, 12000],
    // log10 50 = 1.69897; 4 * 1.69897 * 1000 = 6795.88, rounded to the millisecond.
    // (memberlist truncates the scale to 1/1000 first and would give 6792.)
    [50, 6796],
    // log10 2 = 0.30103 is below the floor of 1.
    [2, 4000],
  ])('N = %i, mult 4, 1 s interval gives %i ms', (members, ms) => {
    expect(suspicionTimeoutMinMs(4, members, 1000)).toBe(ms);
  });

  it('never goes below mult * interval, even for an empty table', () => {
    expect(suspicionTimeoutMinMs(3, 0, 200)).toBe(600);
  });
});

describe('suspicionTimeoutMs (Lifeguard: max falling to min with confirmations)', () => {
  const min = 4000;
  const max = 24000;

  it('starts at the maximum with no confirmation', () => {
    expect(suspicionTimeoutMs(0, 2, min, max)).toBe(max);
  });

  it('follows max - (max - min) * log(c + 1) / log(k + 1)', () => {
    // c = 1, k = 2: ln 2 / ln 3 = 0.630930; 24000 - 20000 * 0.630930 = 11381.4, floored.
    expect(suspicionTimeoutMs(1, 2, min, max)).toBe(11381);
    // c = 1, k = 4: ln 2 / ln 5 = 0.430677; 24000 - 20000 * 0.430677 = 15386.5, floored.
    expect(suspicionTimeoutMs(1, 4, min, max)).toBe(15386);
    // c = 3, k = 4: ln 4 / ln 5 = 0.861353; 24000 - 20000 * 0.861353 = 6772.9, floored.
    expect(suspicionTimeoutMs(3, 4, min, max)).toBe(6772);
  });

  it('reaches the minimum at k confirmations and never goes below it', () => {
    expect(suspicionTimeoutMs(2, 2, min, max)).toBe(min);
    expect(suspicionTimeoutMs(7, 2, min, max)).toBe(min);
  });

  it('is the minimum when no confirmation is expected', () => {
    expect(suspicionTimeoutMs(0, 0, min, max)).toBe(min);
  });

  it('shrinks monotonically as confirmations arrive and stays within [min, max]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 30 }),
        (minMs, maxMult, k, c) => {
          const maxMs = minMs * maxMult;
          const now = suspicionTimeoutMs(c, k, minMs, maxMs);
          const next = suspicionTimeoutMs(c + 1, k, minMs, maxMs);
          expect(next).toBeLessThanOrEqual(now);
          expect(now).toBeGreaterThanOrEqual(minMs);
          expect(now).toBeLessThanOrEqual(maxMs);
        },
      ),
      { seed: 11 },
    );
  });
});

describe("manyObserversTimeoutMs = min * (k' + 1) / (c + 1) past k' = max(2, k), never below the floor", () => {
  it("sets no bound up to k' confirmations", () => {
    expect(manyObserversTimeoutMs(0, 2, 6800, 2000)).toBe(Number.POSITIVE_INFINITY);
    expect(manyObserversTimeoutMs(2, 2, 6800, 2000)).toBe(Number.POSITIVE_INFINITY);
    // Small clusters (k = 0) and local (k = 1) still need three confirmations.
    expect(manyObserversTimeoutMs(2, 0, 6800, 2000)).toBe(Number.POSITIVE_INFINITY);
    expect(manyObserversTimeoutMs(4, 4, 9000, 2000)).toBe(Number.POSITIVE_INFINITY);
  });

  it('shortens with every confirmation beyond (lan, 50 members: min 6800 ms)', () => {
    expect(manyObserversTimeoutMs(3, 2, 6800, 2000)).toBe(5100); // 6800 * 3 / 4
    expect(manyObserversTimeoutMs(5, 2, 6800, 2000)).toBe(3400); // 6800 * 3 / 6
    expect(manyObserversTimeoutMs(8, 2, 6800, 2000)).toBe(2266); // 6800 * 3 / 9, floored
    expect(manyObserversTimeoutMs(5, 4, 9000, 2000)).toBe(7500); // wan-like k = 4: 9000 * 5 / 6
  });

  it('never goes below the floor', () => {
    expect(manyObserversTimeoutMs(11, 2, 6800, 2000)).toBe(2000); // 6800 * 3 / 12 = 1700
  });
});

describe('expectedConfirmations: k = mult - 2, or 0 when N - 2 < k', () => {
  it.each([
    [4, 1, 0],
    [4, 3, 0],
    [4, 4, 2],
    [4, 100, 2],
    [6, 5, 0],
    [6, 6, 4],
    [2, 10, 0],
    [1, 10, 0],
  ])('mult %i, N = %i gives %i', (mult, members, k) => {
    expect(expectedConfirmations(mult, members)).toBe(k);
  });
});

describe('pushPullIntervalMs (memberlist scaling above 32 members)', () => {
  it.each([
    [1, 30_000],
    [32, 30_000],
    [33, 60_000],
    [64, 60_000],
    [65, 90_000],
    [128, 90_000],
    [129, 120_000],
  ])('N = %i gives %i ms', (members, ms) => {
    expect(pushPullIntervalMs(30_000, members)).toBe(ms);
  });
});

describe('viewDelayMs = base * max(1, log10(N + 1) / 2)', () => {
  it.each([
    [1, 1500],
    [99, 1500],
    [999, 2250],
    [9999, 3000],
  ])('N = %i with base 1500 gives %i ms', (members, ms) => {
    expect(viewDelayMs(1500, members)).toBe(ms);
  });

  it('is 0 when the base is 0 (changes apply at once)', () => {
    expect(viewDelayMs(0, 10_000)).toBe(0);
  });
});
