import { describe, expect, it } from 'vitest';
import { RECONNECT_CANDIDATES_MAX, ReconnectCandidates } from '../../src/core/reconnect.js';

describe('reconnect candidates', () => {
  it('keeps failed members in failure order and forgets one that came back', () => {
    const candidates = new ReconnectCandidates();
    candidates.noteFailed('a', '10.0.0.1:7946', 0, 100);
    candidates.noteFailed('b', '10.0.0.2:7946', 0, 200);
    candidates.noteFailed('c', '10.0.0.3:7946', 0, 300);
    candidates.forget('b');
    expect(candidates.failedCount).toBe(2);
    expect(candidates.failedAt(0)).toEqual({ id: 'a', address: '10.0.0.1:7946' });
    expect(candidates.failedAt(1)).toEqual({ id: 'c', address: '10.0.0.3:7946' });
    expect(candidates.failedAt(2)).toBeUndefined();
  });

  it('a member that fails again moves to the young end with its new address', () => {
    const candidates = new ReconnectCandidates();
    candidates.noteFailed('a', '10.0.0.1:7946', 0, 100);
    candidates.noteFailed('b', '10.0.0.2:7946', 0, 200);
    candidates.noteFailed('a', '10.0.0.9:7946', 0, 300);
    expect(candidates.failedAt(0)?.id).toBe('b');
    expect(candidates.failedAt(1)).toEqual({ id: 'a', address: '10.0.0.9:7946' });
  });

  it('expires members that failed reconnectTimeoutMs ago or longer, and no others', () => {
    const candidates = new ReconnectCandidates();
    candidates.noteFailed('a', '10.0.0.1:7946', 0, 0);
    candidates.noteFailed('b', '10.0.0.2:7946', 0, 500);
    candidates.expire(1000, 1000);
    expect(candidates.failedCount).toBe(1);
    expect(candidates.failedAt(0)?.id).toBe('b');
    candidates.expire(1499, 1000);
    expect(candidates.failedCount).toBe(1);
    candidates.expire(1500, 1000);
    expect(candidates.failedCount).toBe(0);
  });

  it('holds at most 1,024 failed members, dropping the one that failed longest ago', () => {
    expect(RECONNECT_CANDIDATES_MAX).toBe(1024);
    const candidates = new ReconnectCandidates();
    for (let i = 0; i < 1030; i++) candidates.noteFailed(`m${i}`, `10.0.${i >> 8}.${i & 255}:7946`, 0, i);
    expect(candidates.failedCount).toBe(1024);
    expect(candidates.failedAt(0)?.id).toBe('m6');
    expect(candidates.failedAt(1023)?.id).toBe('m1029');
  });

  it('counts every vouched failure, also past the 1,024 it holds, until a settle or their expiry', () => {
    const candidates = new ReconnectCandidates();
    const total = RECONNECT_CANDIDATES_MAX + 100;
    for (let i = 0; i < total; i++) {
      candidates.noteFailed(`m${i}`, `10.0.${i >> 8}.${i & 255}:7946`, 0, i, i % 10 !== 0);
    }
    const vouched = total - Math.ceil(total / 10);
    // A cut-off side larger than the memory must not count itself a majority.
    expect(candidates.vouchedFailedCount).toBe(vouched);
    // One held failure comes back, another one fails again (counted once), another leaves.
    candidates.forget(`m${total - 1}`);
    candidates.noteFailed(`m${total - 2}`, '10.9.0.1:7946', 1, total, true);
    candidates.noteLeft(`m${total - 3}`, '10.9.0.2:7946', 1, total);
    expect(candidates.vouchedFailedCount).toBe(vouched - 2);
    // The 100 dropped by the bound (90 of them vouched) expire with the failures of their time,
    // and so does m100, the oldest held (not vouched).
    candidates.expire(100 + 1000, 1000);
    expect(candidates.vouchedFailedCount).toBe(vouched - 2 - 90);
    expect(candidates.failedCount).toBe(RECONNECT_CANDIDATES_MAX - 3);
    candidates.stopCounting();
    expect(candidates.vouchedFailedCount).toBe(0);
    expect(candidates.failedCount).toBeGreaterThan(0);
    expect(candidates.wasVouched(`m${total - 5}`)).toBe(false);
  });

  it('a counted failure dropped by the bound stops counting when its member comes back', () => {
    const candidates = new ReconnectCandidates();
    const total = 3 * RECONNECT_CANDIDATES_MAX;
    for (let i = 0; i < total; i++)
      candidates.noteFailed(`m${i}`, `10.1.${i >> 8}.${i & 255}:7946`, 0, i, true);
    expect(candidates.vouchedFailedCount).toBe(total);
    // A dropped one is still vouched for: back, it counts for the node again.
    expect(candidates.wasVouched('m0')).toBe(true);
    for (let i = 0; i < total; i += 2) candidates.forget(`m${i}`);
    expect(candidates.vouchedFailedCount).toBe(total / 2);
    // Failing again moves it from the dropped ones to those held, counted once.
    candidates.noteFailed('m1', '10.1.0.1:7946', 1, total, true);
    expect(candidates.vouchedFailedCount).toBe(total / 2);
    for (let i = 1; i < total; i += 2) candidates.forget(`m${i}`);
    expect(candidates.vouchedFailedCount).toBe(0);
    expect(candidates.failedCount).toBe(0);
  });

  it('remembers the seeds it was given; an empty list keeps the earlier ones', () => {
    const candidates = new ReconnectCandidates();
    candidates.rememberSeeds(['10.0.0.1:7946', '10.0.0.2:7946'], 50);
    candidates.rememberSeeds([], 60);
    expect(candidates.seedCount).toBe(2);
    expect(candidates.seedAt(1)).toBe('10.0.0.2:7946');
    expect(candidates.seedsGivenAtMs).toBe(50);
  });
});
