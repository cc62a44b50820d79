/**
 * One timer queue per node: a binary min-heap of (due time, token) drained by
 * a single Node timer armed for the earliest entry. A cancelled token stays
 * in the heap, marked, until it reaches the top, where it is dropped without
 * firing: a probe answered in time (most of them) costs no wakeup for its
 * timeout. clear() drops everything and disarms the Node timer: nothing
 * stays alive.
 *
 * Every re-arm costs a Node Timeout object that lives until it fires or is
 * replaced, long enough to reach V8's old generation: between hold() and
 * release() (one synchronous step of the node, such as one tick or one
 * datagram) schedules and cancels only mark the Node timer stale, and the
 * release arms it once. Nothing can fire inside a synchronous step, so
 * arming at its end fires every entry exactly when arming at once would.
 */
import { MinHeap } from '../core/min-heap.js';

export type Clock = () => number;

export class TimerQueue {
  /** Tokens by due time; equal due times fire first in, first out. */
  private readonly heap = new MinHeap<number>();
  private readonly clock: Clock;
  private readonly fire: (token: number, nowMs: number) => void;
  private handle: NodeJS.Timeout | undefined;
  /** Tokens in the heap that must not fire (at most as many as the heap holds). */
  private readonly cancelled = new Set<number>();
  private armedForMs = Number.POSITIVE_INFINITY;
  private closed = false;
  /** Made once: every node arms its timer a few times a second, for years. */
  private readonly onTimeoutBound = () => this.onTimeout();
  /** The batch being fired, reused for the same reason. */
  private readonly due: number[] = [];
  /** Open hold() calls; while > 0 the Node timer is not re-armed. */
  private holds = 0;
  /** The heap's head changed during a hold: release() must arm. */
  private stale = false;

  /** `fire` is called once per due token, in due order, with the current time. */
  constructor(clock: Clock, fire: (token: number, nowMs: number) => void) {
    this.clock = clock;
    this.fire = fire;
  }

  get size(): number {
    return this.heap.size;
  }

  /** True while a Node timer is armed (for tests: false after clear()). */
  get armed(): boolean {
    return this.handle !== undefined;
  }

  /** `nowMs`, when the caller already read the clock, saves reading it again. */
  schedule(delayMs: number, token: number, nowMs?: number): void {
    if (this.closed) return;
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const now = nowMs ?? this.clock();
    this.heap.push(now + delay, token);
    if (this.holds > 0) this.stale = true;
    else this.arm(now);
  }

  /** `token` (pending) will not fire; when it is the next due, the Node timer moves on at once. */
  cancel(token: number): void {
    if (this.closed) return;
    this.cancelled.add(token);
    if (this.heap.peek() !== token) return;
    if (this.holds > 0) this.stale = true;
    else this.arm();
  }

  /** Defers arming the Node timer until the matching release(); holds nest. */
  hold(): void {
    this.holds++;
  }

  /** Ends a hold(); the outermost one arms the Node timer if anything changed. */
  release(): void {
    if (this.holds === 0) return;
    this.holds--;
    if (this.holds > 0 || !this.stale) return;
    this.stale = false;
    if (!this.closed) this.arm();
  }

  /** Drops every pending entry and disarms; later schedule() calls are ignored. */
  clear(): void {
    this.closed = true;
    this.heap.clear();
    this.cancelled.clear();
    this.disarm();
  }

  private dropCancelledHead(): void {
    while (this.heap.size > 0 && this.cancelled.delete(this.heap.peek() as number)) this.heap.pop();
  }

  private arm(nowMs?: number): void {
    this.dropCancelledHead();
    if (this.heap.size === 0) {
      this.disarm();
      return;
    }
    const dueMs = this.heap.peekTimeMs();
    // Armed for an entry that is gone (cancelled and dropped), the Node timer
    // would wake the process for nothing: a probe answered in time would
    // cost a wakeup for its timeout. Keep it only when it is for the head.
    if (this.handle !== undefined && this.armedForMs === dueMs) return;
    this.disarm();
    const wait = Math.max(0, Math.ceil(dueMs - (nowMs ?? this.clock())));
    this.armedForMs = dueMs;
    this.handle = setTimeout(this.onTimeoutBound, wait);
  }

  private disarm(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedForMs = Number.POSITIVE_INFINITY;
  }

  private onTimeout(): void {
    this.handle = undefined;
    this.armedForMs = Number.POSITIVE_INFINITY;
    // Drain what is due now; entries scheduled while firing wait for the next turn.
    // One clock read serves the whole batch: every entry in it is due by then.
    const now = this.clock();
    const due = this.due;
    due.length = 0;
    while (this.heap.size > 0 && this.heap.peekTimeMs() <= now) due.push(this.heap.pop() as number);
    // The whole batch is one step: what it schedules arms one Node timer, below.
    this.holds++;
    try {
      for (const token of due) {
        if (this.closed) return;
        // Cancelled in the heap, or by a timer of this same batch.
        if (this.cancelled.delete(token)) continue;
        this.fire(token, now);
      }
    } finally {
      this.holds--;
      this.stale = false;
      if (!this.closed) this.arm();
    }
  }
}
