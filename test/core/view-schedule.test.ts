import { describe, expect, it } from 'vitest';
import { ViewSchedule } from '../../src/core/view-schedule.js';

describe('ViewSchedule', () => {
  it('holds a change until its deadline', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 2, 0, 1500);
    expect(schedule.size).toBe(1);
    expect(schedule.takeDue(1499)).toEqual([]);
    expect(schedule.takeDue(1500)).toEqual([['a', { threads: 2, atMs: 1500 }]]);
    expect(schedule.size).toBe(0);
  });

  it('reports the time left and 0 when nothing waits', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 1, 0, 1500);
    expect(schedule.remainingMs('a', 1000)).toBe(500);
    expect(schedule.remainingMs('a', 2000)).toBe(0);
    expect(schedule.remainingMs('b', 1000)).toBe(0);
  });

  it('keeps the earlier deadline when the same change is heard twice', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 1, 0, 1500);
    schedule.want('a', 1, 0, 1700);
    expect(schedule.get('a')?.atMs).toBe(1500);
    schedule.want('a', 1, 0, 1400);
    expect(schedule.get('a')?.atMs).toBe(1400);
  });

  it('replaces a pending change by a different one, with its own deadline', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 1, 0, 1500);
    schedule.want('a', 0, 0, 1700);
    // Wanting what the view already holds cancels the pending change.
    expect(schedule.get('a')).toBeUndefined();
    schedule.want('a', 1, 0, 1500);
    schedule.want('a', 3, 0, 1800);
    expect(schedule.get('a')).toEqual({ threads: 3, atMs: 1800 });
  });

  it('has nothing pending when the wanted threads are already applied', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 2, 2, 1500);
    expect(schedule.size).toBe(0);
  });

  it('forgets a change', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 1, 0, 1500);
    schedule.forget('a');
    expect(schedule.size).toBe(0);
    expect(schedule.nextDueMs()).toBeUndefined();
  });

  it('names the earliest deadline and takes only due changes', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 1, 0, 3000);
    schedule.want('b', 1, 0, 1000);
    schedule.want('c', 0, 1, 2000);
    expect(schedule.nextDueMs()).toBe(1000);
    expect(
      schedule
        .takeDue(2000)
        .map(([id]) => id)
        .sort(),
    ).toEqual(['b', 'c']);
    expect(schedule.nextDueMs()).toBe(3000);
    expect(schedule.size).toBe(1);
  });
});

describe('a cancelled change', () => {
  it('reports when a waiting change is cancelled or redirected, and only then', () => {
    const schedule = new ViewSchedule();
    expect(schedule.want('a', 0, 1, 500)).toBe(false); // a removal starts waiting
    expect(schedule.want('a', 0, 1, 400)).toBe(false); // the same removal, an earlier deadline
    expect(schedule.want('a', 1, 1, 600)).toBe(true); // a refutation cancels it
    expect(schedule.size).toBe(0);
    expect(schedule.want('a', 1, 1, 700)).toBe(false); // nothing was waiting
    expect(schedule.want('b', 2, 0, 500)).toBe(false);
    expect(schedule.want('b', 4, 0, 500)).toBe(true); // redirected: another thread count
  });
});
