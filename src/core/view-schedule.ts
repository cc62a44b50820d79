/**
 * Coordinated view changes. A membership change enters the sorted view only
 * at a deadline that travels with the update as a remaining delay, so every
 * node applies it within a network latency of the others, instead of each
 * applying it whenever the gossip happens to arrive. While a change waits,
 * all views still agree; the nodes that know of it report "not settled".
 */

export interface PendingChange {
  /** Threads the member will have in the view; 0 removes it. */
  readonly threads: number;
  readonly atMs: number;
}

export class ViewSchedule {
  private readonly pending = new Map<string, PendingChange>();

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
      if (atMs < existing.atMs) this.pending.set(id, { threads, atMs });
      return false;
    }
    this.pending.set(id, { threads, atMs });
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
    for (const entry of this.pending) {
      if (entry[1].atMs <= nowMs) due.push(entry);
    }
    for (const [id] of due) this.pending.delete(id);
    return due;
  }

  /** The earliest deadline, or undefined when nothing waits. */
  nextDueMs(): number | undefined {
    let earliest: number | undefined;
    for (const change of this.pending.values()) {
      if (earliest === undefined || change.atMs < earliest) earliest = change.atMs;
    }
    return earliest;
  }
}
