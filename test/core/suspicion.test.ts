import { describe, expect, it } from 'vitest';
import { suspicionTimeoutMs } from '../../src/core/formulas.js';
import { Suspicion } from '../../src/core/suspicion.js';

const MIN = 4000;
const MAX = 24000;

function suspicion(expected = 2, startedAtMs = 1000): Suspicion {
  return new Suspicion(3, 'origin', startedAtMs, expected, MIN, MAX);
}

describe('Suspicion', () => {
  it('starts with its deadline at start + max', () => {
    const s = suspicion();
    expect(s.confirmations).toBe(0);
    expect(s.deadlineMs()).toBe(1000 + MAX);
  });

  it('counts an independent confirmation and moves the deadline closer', () => {
    const s = suspicion();
    expect(s.confirm('b')).toBe(true);
    expect(s.confirmations).toBe(1);
    expect(s.deadlineMs()).toBe(1000 + suspicionTimeoutMs(1, 2, MIN, MAX));
    expect(s.deadlineMs()).toBeLessThan(1000 + MAX);
  });

  it('reaches start + min after k confirmations', () => {
    const s = suspicion();
    s.confirm('b');
    s.confirm('c');
    expect(s.deadlineMs()).toBe(1000 + MIN);
  });

  it('does not count the originator', () => {
    const s = suspicion();
    expect(s.confirm('origin')).toBe(false);
    expect(s.confirmations).toBe(0);
    expect(s.deadlineMs()).toBe(1000 + MAX);
  });

  it('does not count the same confirmer twice', () => {
    const s = suspicion();
    expect(s.confirm('b')).toBe(true);
    expect(s.confirm('b')).toBe(false);
    expect(s.confirmations).toBe(1);
  });

  it('stops counting once k confirmations are in', () => {
    const s = suspicion();
    s.confirm('b');
    s.confirm('c');
    expect(s.confirm('d')).toBe(false);
    expect(s.confirmations).toBe(2);
  });

  it('uses the minimum from the start when no confirmation is expected', () => {
    const s = suspicion(0);
    expect(s.deadlineMs()).toBe(1000 + MIN);
    expect(s.confirm('b')).toBe(false);
  });

  it('keeps the incarnation and the originator it was raised with', () => {
    const s = suspicion();
    expect(s.incarnation).toBe(3);
    expect(s.originId).toBe('origin');
    expect(s.startedAtMs).toBe(1000);
  });

  it('past k, counts up to its most and goes below the minimum, not below the floor', () => {
    const s = new Suspicion(3, 'origin', 1000, 2, MIN, MAX, 8, 2000);
    for (const id of ['b', 'c']) s.confirm(id);
    expect(s.deadlineMs()).toBe(1000 + MIN);
    s.confirm('d');
    expect(s.deadlineMs()).toBe(1000 + 3000); // 4000 * 3 / 4
    for (const id of ['e', 'f', 'g', 'h', 'i']) s.confirm(id);
    expect(s.confirmations).toBe(8);
    expect(s.deadlineMs()).toBe(1000 + 2000); // 4000 * 3 / 9 = 1333, held at the floor
    expect(s.confirm('j')).toBe(false);
    expect(s.confirmations).toBe(8);
  });

  it('a death declared elsewhere does not lengthen a deadline that many confirmations shortened', () => {
    const s = new Suspicion(3, 'origin', 1000, 2, MIN, MAX, 8, 2000);
    for (const id of ['b', 'c', 'd', 'e', 'f']) s.confirm(id);
    s.jumpToMinimum();
    expect(s.deadlineMs()).toBe(1000 + 2000); // 4000 * 3 / 6
  });

  it('counts no more than k when the most is 0 (the extension off)', () => {
    const s = new Suspicion(3, 'origin', 1000, 2, MIN, MAX, 0, 2000);
    for (const id of ['b', 'c', 'd', 'e']) s.confirm(id);
    expect(s.confirmations).toBe(2);
    expect(s.deadlineMs()).toBe(1000 + MIN);
  });

  it('past k, counts no confirmation that does not come from a member', () => {
    const s = new Suspicion(3, 'origin', 1000, 2, MIN, MAX, 8, 2000);
    expect(s.confirm('b', false)).toBe(true);
    expect(s.confirm('c', false)).toBe(true);
    expect(s.confirm('d', false)).toBe(false);
    expect(s.deadlineMs()).toBe(1000 + MIN);
    expect(s.confirm('d', true)).toBe(true);
    expect(s.deadlineMs()).toBe(1000 + 3000);
  });
});
