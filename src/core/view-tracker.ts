/**
 * The applied sorted view of one node: which members are in it with how
 * many threads, its digest (the viewId) and total, kept in O(1) per change,
 * and the schedule of changes waiting for their coordinated deadline.
 */
import type { CoreContext } from './context.js';
import type { InitialShare } from './member-store.js';
import type { MemberEntry, MemberRecord, MemberTable } from './member-table.js';
import type { View, ViewMember } from './types.js';
import { compareUtf8 } from './utf8.js';
import { sortView, viewShare } from './view.js';
import { ViewSchedule } from './view-schedule.js';

/** The index of a member outside the applied view. */
export const NOT_IN_VIEW = -1;

export class ViewTracker {
  private readonly schedule = new ViewSchedule();
  private digest = 0;
  private totalThreads = 0;
  private cache: View | undefined;
  /**
   * The threads of the members sorted before this node: its index whenever
   * it is in the view. Kept in step with each change (one comparison), so
   * index and total are O(1) where a rebuilt view costs a sort; counted from
   * the table when first asked for.
   */
  private threadsBeforeSelf: number | undefined;
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
    this.forgetBuilt();
  }

  /**
   * Places initial members a store took in at once in the initial view:
   * their entries already hold their threads, the share adds their digest
   * and total.
   */
  placeInitialShare(share: InitialShare): void {
    this.digest = (this.digest + share.digest) >>> 0;
    this.totalThreads += share.total;
    this.forgetBuilt();
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

  /** This node's index in the applied view, or -1 while it is not in it. */
  ownIndex(): number {
    if (this.table.self.viewThreads <= 0) return NOT_IN_VIEW;
    this.threadsBeforeSelf ??= this.countThreadsBeforeSelf();
    return this.threadsBeforeSelf;
  }

  /** A member's index in the applied view, or -1 while it is not in it. */
  indexOf(id: string): number {
    if (id === this.context.id) return this.ownIndex();
    const entry = this.table.get(id);
    // A member waiting for its coordinated deadline is not in the view yet: no view to build.
    if (entry === undefined || entry.viewThreads <= 0) return NOT_IN_VIEW;
    // A binary search of the sorted view: a map from id to index beside it
    // cost every node a table entry per member (a twentieth of the live heap
    // of 200 nodes in one process) to save a dozen string comparisons.
    const members = this.view().members;
    let low = 0;
    let high = members.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const member = members[middle] as ViewMember;
      const order = compareUtf8(member.id, id);
      if (order === 0) return member.index;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return NOT_IN_VIEW;
  }

  /** The sorted view, built on demand and cached until the next change. */
  view(): View {
    if (this.cache === undefined) {
      // A store may visit in id order: while the members come in order, they
      // go straight into the view; from the first one out of order, the rest
      // is sorted.
      const members: ViewMember[] = [];
      let index = 0;
      let previous: string | undefined;
      let unsorted: Array<[string, number]> | undefined;
      this.table.forEach((entry) => {
        const threads = entry.viewThreads;
        if (threads <= 0) return;
        if (unsorted === undefined && (previous === undefined || compareUtf8(previous, entry.id) < 0)) {
          members.push({ id: entry.id, threads, index });
          index += threads;
          previous = entry.id;
          return;
        }
        unsorted ??= members.map((member): [string, number] => [member.id, member.threads]);
        unsorted.push([entry.id, threads]);
      }, true);
      this.cache =
        unsorted === undefined
          ? { members, total: index, viewId: this.digest }
          : sortView(unsorted, this.digest);
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
    if (this.threadsBeforeSelf !== undefined && this.sortsBeforeSelf(record.id)) {
      this.threadsBeforeSelf += Math.max(0, threads) - Math.max(0, record.viewThreads);
    }
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

  private sortsBeforeSelf(id: string): boolean {
    return id !== this.context.id && compareUtf8(id, this.context.id) < 0;
  }

  private countThreadsBeforeSelf(): number {
    let threads = 0;
    this.table.forEach((entry) => {
      if (entry.viewThreads > 0 && this.sortsBeforeSelf(entry.id)) threads += entry.viewThreads;
    });
    return threads;
  }

  /** Drops what was built from the view, for a change made without the running counts. */
  private forgetBuilt(): void {
    this.cache = undefined;
    this.threadsBeforeSelf = undefined;
  }

  private markChanged(): void {
    this.cache = undefined;
    this.lastChangeAtMs = this.context.nowMs;
    this.changedInInput = true;
  }
}
