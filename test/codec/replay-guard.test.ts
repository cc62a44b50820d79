/** The replay guard alone: the window, nonce memory, and its bounds. */
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_MS_DEFAULT, ReplayGuard } from '../../src/codec/replay-guard.js';

const nonce = (n: number) => Uint8Array.from([n >> 8, n & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const T = 1_000_000;

describe('ReplayGuard', () => {
  it('defaults to a 30 s window', () => {
    expect(REPLAY_WINDOW_MS_DEFAULT).toBe(30_000);
    expect(new ReplayGuard().windowMs).toBe(30_000);
  });

  it('accepts a nonce once inside the window, then calls it replayed', () => {
    const guard = new ReplayGuard({ windowMs: 1000 });
    expect(guard.check(T, nonce(1), T + 10)).toBeUndefined();
    expect(guard.check(T, nonce(1), T + 500)).toBe('replayed');
    expect(guard.check(T, nonce(2), T + 500)).toBeUndefined();
  });

  it('stale outside the window either way; a stale input is not remembered', () => {
    const guard = new ReplayGuard({ windowMs: 1000 });
    expect(guard.check(T, nonce(1), T + 1001)).toBe('stale');
    expect(guard.check(T + 1001, nonce(1), T)).toBe('stale');
    expect(guard.size).toBe(0);
  });

  it('forgets nonces once their messages can only be stale, so memory follows the traffic', () => {
    const guard = new ReplayGuard({ windowMs: 1000 });
    for (let i = 0; i < 100; i++) guard.check(T, nonce(i), T);
    expect(guard.size).toBe(100);
    guard.check(T + 2001, nonce(500), T + 2001);
    expect(guard.size).toBe(1);
  });

  it('holds at most noncesMax, forgetting the oldest first', () => {
    const guard = new ReplayGuard({ windowMs: 1000, noncesMax: 3 });
    for (let i = 0; i < 5; i++) expect(guard.check(T, nonce(i), T)).toBeUndefined();
    expect(guard.size).toBe(3);
    expect(guard.check(T, nonce(4), T)).toBe('replayed');
    expect(guard.check(T, nonce(0), T)).toBeUndefined();
  });

  it('refuses nonsense bounds', () => {
    expect(() => new ReplayGuard({ windowMs: 0 })).toThrow(RangeError);
    expect(() => new ReplayGuard({ noncesMax: 1.5 })).toThrow(RangeError);
  });
});
