/**
 * The applied sorted view of one node: which members are in it with how
 * many threads, its digest (the viewId) and total, kept in O(1) per change,
 * and the schedule of changes waiting for their coordinated deadline.
 */
import type { CoreContext } from './context.js';
import type { InitialShare } from './member-store.js';
import type { MemberEntry, MemberRecord, MemberTable } from './member-table.js';
import type { View } from './types.js';
import { sortView, viewShare } from './view.js';
import { ViewSchedule } from './view-schedule.js';

export class ViewTracker {
  private readonly schedule = new ViewSchedule();
  private digest = 0;
  private totalThreads = 0;
  private cache: View | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private changedInInput = false;
  /** When the applied view last changed. */
  lastChangeAtMs = 0;

  constructor(
    private readonly context: CoreContext,
    private readonly table: MemberTable,
  ) {}

  get viewId(): number {
    return this.digest;
  }

  get total(): number {
    return this.totalThreads;
  }

  /** Members whose change still waits for its deadline. */
  get pendingCount(): number {
    return this.schedule.size;
  }

  /** The deadline of the change waiting for `id`, if any. */
  pendingAtMs(id: string): number | undefined {
    return this.schedule.get(id)?.atMs;
  }

  remainingMs(id: string): number {
    return this.schedule.remainingMs(id, this.context.nowMs);
  }

  /** Wants `entry` at `threads` (0: out) from `atMs`; applies at once when due. */
  want(entry: MemberEntry, threads: number, atMs: number): void {
    // A cancelled change is a view change for settling: whoever applied it holds another view.
    if (this.schedule.want(entry.id, threads, entry.viewThreads, atMs))
      this.lastChangeAtMs = this.context.nowMs;
    const change = this.schedule.get(entry.id);
    if (change === undefined) return;
    if (change.atMs <= this.context.nowMs) {
      this.applyDue();
    } else if (change.atMs < this.timerAtMs) {
      this.timerAtMs = change.atMs;
      this.context.schedule(change.atMs - this.context.nowMs, { kind: 'view' });
    }
  }

  onTimer(): void {
    this.timerAtMs = Number.POSITIVE_INFINITY;
    this.applyDue();
  }

  /**
   * Places a member in the view before the node starts (itself, or members
   * known from the beginning): part of the initial view, not a change.
   */
  placeInitially(record: MemberRecord, threads: number): void {
    this.setThreads(record, threads);
    this.cache = undefined;
  }

  /**
   * Places initial members a store took in at once in the initial view:
   * their entries already hold their threads, the share adds their digest
   * and total.
   */
  placeInitialShare(share: InitialShare): void {
    this.digest = (this.digest + share.digest) >>> 0;
    this.totalThreads += share.total;
    this.cache = undefined;
  }

  /** Puts a member in or out of the applied view at once (admission). */
  setNow(record: MemberRecord, threads: number): void {
    if (record.viewThreads === threads) return;
    this.setThreads(record, threads);
    this.markChanged();
  }

  /**
   * The view changes of this input, as one event's worth: a merged state can
   * apply many changes at once, and the application should rebalance once.
   */
  takeChange(): { viewId: number; total: number } | undefined {
    if (!this.changedInInput) return undefined;
    this.changedInInput = false;
    return { viewId: this.digest, total: this.totalThreads };
  }

  /** The sorted view, built on demand and cached until the next change. */
  view(): View {
    if (this.cache === undefined) {
      const entries: Array<[string, number]> = [];
      // A store may visit in id order, which leaves little for the sort to do.
      this.table.forEach((entry) => {
        if (entry.viewThreads > 0) entries.push([entry.id, entry.viewThreads]);
      }, true);
      this.cache = sortView(entries, this.digest);
    }
    return this.cache;
  }

  private applyDue(): void {
    let changed = false;
    for (const [id, change] of this.schedule.takeDue(this.context.nowMs)) {
      const entry = this.table.get(id);
      if (entry === undefined || entry.viewThreads === change.threads) continue;
      this.setThreads(this.table.own(entry), change.threads);
      changed = true;
    }
    const next = this.schedule.nextDueMs();
    if (next !== undefined && next < this.timerAtMs) {
      this.timerAtMs = next;
      this.context.schedule(Math.max(0, next - this.context.nowMs), { kind: 'view' });
    }
    if (changed) this.markChanged();
  }

  private setThreads(record: MemberRecord, threads: number): void {
    if (record.viewThreads > 0) {
      this.digest = (this.digest - viewShare(record.id, record.viewThreads)) >>> 0;
      this.totalThreads -= record.viewThreads;
    }
    if (threads > 0) {
      this.digest = (this.digest + viewShare(record.id, threads)) >>> 0;
      this.totalThreads += threads;
    }
    record.viewThreads = threads;
  }

  private markChanged(): void {
    this.cache = undefined;
    this.lastChangeAtMs = this.context.nowMs;
    this.changedInInput = true;
  }
}
