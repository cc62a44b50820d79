import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimerQueue } from '../../src/runtime/timers.js';

/** A queue on the (fake) wall clock that records the tokens it fires, then calls `onFire`. */
function recordingQueue(onFire: (queue: TimerQueue, token: number) => void): {
  queue: TimerQueue;
  fired: number[];
} {
  const fired: number[] = [];
  const queue: TimerQueue = new TimerQueue(
    () => Date.now(),
    (token) => {
      fired.push(token);
      onFire(queue, token);
    },
  );
  return { queue, fired };
}

describe('TimerQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires tokens in due order, equal due times first in first out, with one Node timer', () => {
    vi.useFakeTimers();
    const fired: [number, number][] = [];
    const queue = new TimerQueue(
      () => Date.now(),
      (token, now) => fired.push([token, now]),
    );
    const start = Date.now();
    queue.schedule(30, 3);
    queue.schedule(10, 1);
    queue.schedule(10, 2);
    queue.schedule(0, 0);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10);
    expect(fired.map(([t]) => t)).toEqual([0, 1, 2]);
    vi.advanceTimersByTime(25);
    expect(fired.map(([t]) => t)).toEqual([0, 1, 2, 3]);
    expect((fired[3] as [number, number])[1] - start).toBeGreaterThanOrEqual(30);
    expect(queue.size).toBe(0);
    expect(queue.armed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-arms for an earlier entry and accepts schedules made while firing', () => {
    vi.useFakeTimers();
    const { queue, fired } = recordingQueue((queue, token) => {
      if (token === 1) queue.schedule(5, 10);
    });
    queue.schedule(100, 2);
    queue.schedule(1, 1);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([1]);
    vi.advanceTimersByTime(5);
    expect(fired).toEqual([1, 10]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([1, 10, 2]);
  });

  it('a cancelled token never fires; at the top of the queue it moves the Node timer on at once', () => {
    vi.useFakeTimers();
    const fired: [number, number][] = [];
    const start = Date.now();
    const queue = new TimerQueue(
      () => Date.now(),
      (token, now) => fired.push([token, now - start]),
    );
    queue.schedule(500, 1);
    queue.schedule(1000, 2);
    queue.schedule(700, 3);
    queue.cancel(3);
    queue.cancel(1);
    // Token 1 was next: the Node timer now waits for token 2, the next one left,
    // so nothing wakes at 500 or 700 (a wakeup would re-arm through setTimeout).
    const rearmed = vi.spyOn(globalThis, 'setTimeout');
    vi.advanceTimersByTime(999);
    expect(rearmed).not.toHaveBeenCalled();
    rearmed.mockRestore();
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([[2, 1000]]);
    expect(queue.size).toBe(0);
    expect(queue.armed).toBe(false);
  });

  it('a token cancelled by a timer of the same batch does not fire', () => {
    vi.useFakeTimers();
    const { queue, fired } = recordingQueue((queue, token) => {
      if (token === 1) queue.cancel(2);
    });
    queue.schedule(10, 1);
    queue.schedule(10, 2);
    queue.schedule(10, 3);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([1, 3]);
    queue.schedule(5, 2);
    vi.advanceTimersByTime(5);
    // The same token scheduled again later fires: its cancellation was spent.
    expect(fired).toEqual([1, 3, 2]);
  });

  it('clear() leaves no timer alive and ignores later schedules', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const queue = new TimerQueue(
      () => Date.now(),
      (token) => fired.push(token),
    );
    queue.schedule(10, 1);
    queue.clear();
    queue.schedule(10, 2);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([]);
  });

  it('stops firing the rest of a due batch once cleared from a callback', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const queue = new TimerQueue(
      () => Date.now(),
      (token) => {
        fired.push(token);
        queue.clear();
      },
    );
    queue.schedule(5, 1);
    queue.schedule(5, 2);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms one Node timer for the schedules and cancels made between hold() and release()', () => {
    vi.useFakeTimers();
    const start = Date.now();
    const fired: [number, number][] = [];
    const queue = new TimerQueue(
      () => Date.now(),
      (token, now) => fired.push([token, now - start]),
    );
    queue.schedule(1000, 1);
    const armings = vi.spyOn(globalThis, 'setTimeout');
    queue.hold();
    queue.schedule(500, 2);
    queue.schedule(300, 3);
    queue.cancel(3);
    queue.hold();
    queue.schedule(700, 4);
    queue.release();
    expect(armings).not.toHaveBeenCalled();
    queue.release();
    expect(armings).toHaveBeenCalledTimes(1);
    expect(armings.mock.calls[0]?.[1]).toBe(500);
    armings.mockRestore();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([
      [2, 500],
      [4, 700],
      [1, 1000],
    ]);
  });

  it('a hold that changed nothing at the head leaves the Node timer alone', () => {
    vi.useFakeTimers();
    const { queue, fired } = recordingQueue(() => {});
    queue.schedule(100, 1);
    const armings = vi.spyOn(globalThis, 'setTimeout');
    queue.hold();
    queue.schedule(200, 2);
    queue.cancel(2);
    queue.release();
    // One extra release is harmless.
    queue.release();
    expect(armings).not.toHaveBeenCalled();
    armings.mockRestore();
    vi.advanceTimersByTime(300);
    expect(fired).toEqual([1]);
  });

  it('a due batch that schedules several entries arms one Node timer, for the earliest', () => {
    vi.useFakeTimers();
    const start = Date.now();
    let armings: { mock: { calls: unknown[][] }; mockRestore(): void } | undefined;
    const fired: [number, number][] = [];
    const queue: TimerQueue = new TimerQueue(
      () => Date.now(),
      (token, now) => {
        fired.push([token, now - start]);
        if (token !== 1) return;
        armings = vi.spyOn(globalThis, 'setTimeout');
        queue.schedule(1000, 10);
        queue.schedule(500, 11);
        queue.schedule(20, 12);
        queue.cancel(12);
      },
    );
    queue.schedule(10, 1);
    vi.advanceTimersByTime(10);
    expect(armings?.mock.calls.map((call) => call[1])).toEqual([500]);
    armings?.mockRestore();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([
      [1, 10],
      [11, 510],
      [10, 1010],
    ]);
  });

  it('keeps heap order under many random schedules', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const queue = new TimerQueue(
      () => Date.now(),
      (token) => fired.push(token),
    );
    const delays = Array.from({ length: 500 }, (_, i) => (i * 7919) % 613);
    delays.forEach((d, i) => {
      queue.schedule(d, i);
    });
    vi.advanceTimersByTime(1000);
    const expected = delays.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(fired).toEqual(expected.map(([, i]) => i));
  });
});
