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

  it('remembers the seeds it was given; an empty list keeps the earlier ones', () => {
    const candidates = new ReconnectCandidates();
    candidates.rememberSeeds(['10.0.0.1:7946', '10.0.0.2:7946'], 50);
    candidates.rememberSeeds([], 60);
    expect(candidates.seedCount).toBe(2);
    expect(candidates.seedAt(1)).toBe('10.0.0.2:7946');
    expect(candidates.seedsGivenAtMs).toBe(50);
  });
});
