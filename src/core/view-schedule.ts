/**
 * Coordinated view changes. A membership change enters the sorted view only
 * at a deadline that travels with the update as a remaining delay, so every
 * node applies it within a network latency of the others, instead of each
 * applying it whenever the gossip happens to arrive. While a change waits,
 * all views still agree; the nodes that know of it report "not settled".
 */

import { MinHeap } from './min-heap.js';

export interface PendingChange {
  /** Threads the member will have in the view; 0 removes it. */
  readonly threads: number;
  readonly atMs: number;
}

/**
 * Deadlines kept in the heap beyond twice the pending changes (plus this)
 * make it rebuild from the pending changes: replaced and cancelled changes
 * leave their entries behind until their deadline passes.
 */
const STALE_DEADLINES_SLACK = 64;

export class ViewSchedule {
  private readonly pending = new Map<string, PendingChange>();
  /**
   * The ids by deadline, so a deadline costs the changes due then, not a walk
   * over every pending one: in a join storm each node holds a change per
   * joiner, and walking them all at each deadline made the storm cubic. An
   * entry whose change was replaced or dropped no longer matches it and is
   * skipped.
   */
  private readonly deadlines = new MinHeap<string>();

  get size(): number {
    return this.pending.size;
  }

  /**
   * Wants `id` at `threads` (0: out of the view) from `atMs` on. `appliedThreads`
   * is what the view holds now; when they agree, nothing is pending. The same
   * change heard twice keeps the earlier deadline: each hop over-estimates the
   * remaining time by its latency, so the smallest estimate is the best.
   * Returns true when this cancels or redirects a change that was waiting:
   * nodes that applied it already (a peer's deadline came first) now hold
   * another view than this one, so the caller treats it as a view change.
   */
  want(id: string, threads: number, appliedThreads: number, atMs: number): boolean {
    // Most news confirms what the view holds while nothing waits: no lookup by id then.
    if (threads === appliedThreads && this.pending.size === 0) return false;
    const existing = this.pending.get(id);
    if (threads === appliedThreads) {
      this.pending.delete(id);
      return existing !== undefined;
    }
    if (existing !== undefined && existing.threads === threads) {
      if (atMs < existing.atMs) this.set(id, { threads, atMs });
      return false;
    }
    this.set(id, { threads, atMs });
    return existing !== undefined;
  }

  forget(id: string): void {
    this.pending.delete(id);
  }

  get(id: string): PendingChange | undefined {
    return this.pending.size === 0 ? undefined : this.pending.get(id);
  }

  /** Whole milliseconds left before the change about `id` applies; 0 when none waits. */
  remainingMs(id: string, nowMs: number): number {
    const change = this.get(id);
    return change === undefined ? 0 : Math.max(0, Math.round(change.atMs - nowMs));
  }

  /** Removes and returns the changes due at `nowMs`. */
  takeDue(nowMs: number): Array<[string, PendingChange]> {
    const due: Array<[string, PendingChange]> = [];
    const { deadlines, pending } = this;
    while (deadlines.peekTimeMs() <= nowMs) {
      const timeMs = deadlines.peekTimeMs();
      const id = deadlines.pop() as string;
      const change = pending.get(id);
      if (change === undefined || change.atMs !== timeMs) continue;
      pending.delete(id);
      due.push([id, change]);
    }
    return due;
  }

  /** The earliest deadline, or undefined when nothing waits. */
  nextDueMs(): number | undefined {
    const { deadlines, pending } = this;
    while (deadlines.size > 0) {
      const change = pending.get(deadlines.peek() as string);
      if (change !== undefined && change.atMs === deadlines.peekTimeMs()) return change.atMs;
      deadlines.pop();
    }
    return undefined;
  }

  private set(id: string, change: PendingChange): void {
    this.pending.set(id, change);
    this.deadlines.push(change.atMs, id);
    if (this.deadlines.size > 2 * this.pending.size + STALE_DEADLINES_SLACK) this.rebuildDeadlines();
  }

  private rebuildDeadlines(): void {
    this.deadlines.clear();
    for (const [id, change] of this.pending) this.deadlines.push(change.atMs, id);
  }
}
