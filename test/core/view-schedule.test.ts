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

describe('deadlines of changes that were replaced or cancelled', () => {
  it('a change redirected many times is taken once, as it stands last', () => {
    const schedule = new ViewSchedule();
    for (let i = 1; i <= 1000; i++) schedule.want('a', i, 0, 1000 + i);
    expect(schedule.nextDueMs()).toBe(2000);
    expect(schedule.takeDue(1999)).toEqual([]);
    expect(schedule.takeDue(5000)).toEqual([['a', { threads: 1000, atMs: 2000 }]]);
    expect(schedule.nextDueMs()).toBeUndefined();
  });

  it('a cancelled change is never due and does not hold up the next deadline', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 1, 0, 1000);
    schedule.want('b', 1, 0, 3000);
    schedule.want('a', 0, 0, 1000); // the view holds a at 0 already: cancelled
    expect(schedule.nextDueMs()).toBe(3000);
    expect(schedule.takeDue(2000)).toEqual([]);
    expect(schedule.takeDue(3000)).toEqual([['b', { threads: 1, atMs: 3000 }]]);
  });

  it('a change moved to an earlier deadline is due then, and not again at the later one', () => {
    const schedule = new ViewSchedule();
    schedule.want('a', 2, 0, 3000);
    schedule.want('a', 2, 0, 1000);
    expect(schedule.takeDue(1000)).toEqual([['a', { threads: 2, atMs: 1000 }]]);
    schedule.want('a', 0, 2, 4000);
    expect(schedule.takeDue(3500)).toEqual([]);
    expect(schedule.get('a')).toEqual({ threads: 0, atMs: 4000 });
  });

  it('holds every one of many pending changes through churn of the others', () => {
    const schedule = new ViewSchedule();
    for (let i = 0; i < 500; i++) schedule.want(`m${i}`, 1, 0, 10_000 + i);
    // Each of the first 400 is cancelled and wanted again, later, many times.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 400; i++) {
        schedule.want(`m${i}`, 1, 1, 0);
        schedule.want(`m${i}`, 1, 0, 20_000 + round * 1000 + i);
      }
    }
    expect(schedule.size).toBe(500);
    const early = schedule.takeDue(19_999).map(([id]) => id);
    expect(early).toEqual(Array.from({ length: 100 }, (_, i) => `m${400 + i}`));
    const late = schedule.takeDue(30_000);
    expect(late).toHaveLength(400);
    expect(late.every(([, change]) => change.atMs >= 24_000)).toBe(true);
    expect(schedule.size).toBe(0);
  });
});
