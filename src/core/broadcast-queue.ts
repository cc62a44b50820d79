/**
 * Transmit-limited queue of membership updates to piggyback (SWIM's
 * infection-style dissemination). One entry per member: a newer update about
 * a member replaces the older one. Updates sent the fewest times go first;
 * an update is dropped once sent `limit` times.
 *
 * Entries live in buckets by transmit count, so picking the least-sent
 * updates costs no sorting however long the queue is.
 *
 * An update queued as a backup (see Spread) goes out up to `backupLimit`
 * times instead of `limit`.
 */
import type { UpdateMessage } from './messages.js';

/** A queued update and, for view changes, the absolute deadline it carries. */
export interface QueuedUpdate<M = UpdateMessage> {
  readonly message: M;
  /** When the change enters views; sent as a remaining delay. 0 for no view change. */
  readonly viewAtMs: number;
  /** Upper bound of the encoded size, checked against the packet budget. */
  readonly bytes: number;
}

interface Entry<M> extends QueuedUpdate<M> {
  readonly key: string;
  /** Moved earlier when the same news arrives with an earlier deadline (lowerViewAt). */
  viewAtMs: number;
  transmits: number;
  readonly spread: Spread;
}

/**
 * How far this node spreads an update: `full`, the epidemic's whole
 * budget; `backup`, a smaller one, for news the cluster has already or
 * whose subject tells every member itself (Disseminator.enqueue says when).
 */
export type Spread = 'full' | 'backup';

/** Stop scanning once less room than the smallest update is left. */
const SMALLEST_UPDATE_BYTES = 8;
/** Bound on entries looked at per packet, so a huge queue never costs a scan. */
const ENTRIES_EXAMINED_MAX = 512;

function limitOf(entry: Entry<unknown>, limit: number, backupLimit: number): number {
  return entry.spread === 'full' ? limit : backupLimit;
}

/** Queues membership updates by default; user events use a queue of their own (dissemination.ts). */
export class BroadcastQueue<M = UpdateMessage> {
  private readonly byKey = new Map<string, Entry<M>>();
  /** Queued updates that carry a view change (a deadline): news the views depend on. */
  private viewChanges = 0;
  private readonly buckets: Set<Entry<M>>[] = [];

  constructor(private readonly lengthMax: number) {}

  get length(): number {
    return this.byKey.size;
  }

  /** How many queued updates carry a view change (viewAtMs > 0). */
  get viewChangesQueued(): number {
    return this.viewChanges;
  }

  /** Queues `message` about `key`, replacing any older update about it. False when full. */
  enqueue(key: string, message: M, bytes: number, viewAtMs = 0, spread: Spread = 'full'): boolean {
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      this.bucket(existing.transmits).delete(existing);
      if (existing.viewAtMs > 0) this.viewChanges--;
    } else if (this.byKey.size >= this.lengthMax) {
      return false;
    }
    const entry: Entry<M> = { key, message, viewAtMs, bytes, transmits: 0, spread };
    this.byKey.set(key, entry);
    if (viewAtMs > 0) this.viewChanges++;
    this.bucket(0).add(entry);
    return true;
  }

  /** Forgets any queued update about `key`. */
  remove(key: string): void {
    const entry = this.byKey.get(key);
    if (entry === undefined) return;
    this.bucket(entry.transmits).delete(entry);
    this.byKey.delete(key);
    if (entry.viewAtMs > 0) this.viewChanges--;
  }

  /**
   * The update queued about `key` carries `viewAtMs` from now on when that is
   * earlier: this node took the earlier deadline of the same news, and its
   * copies must not tell others a later one than it keeps.
   */
  lowerViewAt(key: string, viewAtMs: number): void {
    const entry = this.byKey.get(key);
    if (entry === undefined || entry.viewAtMs === 0 || viewAtMs <= 0 || viewAtMs >= entry.viewAtMs) return;
    entry.viewAtMs = viewAtMs;
  }

  /** The view deadline of the update queued about `key`, if one is. */
  viewAtOf(key: string): number | undefined {
    return this.byKey.get(key)?.viewAtMs;
  }

  /** How many times the update about `key` went out, or undefined when none is queued. */
  transmitsOf(key: string): number | undefined {
    return this.byKey.get(key)?.transmits;
  }

  /**
   * Takes the least-sent updates that fit in `bytesAvailable` (at most
   * `countMax` of them) and counts a transmission for each. `limit` and
   * `backupLimit` are the current retransmit limits of full and backup spreads.
   */
  take(
    bytesAvailable: number,
    limit: number,
    countMax = Number.POSITIVE_INFINITY,
    backupLimit = limit,
  ): QueuedUpdate<M>[] {
    const taken: Entry<M>[] = [];
    // Most packets find nothing queued: no bucket to walk.
    if (this.byKey.size === 0) return taken;
    let remaining = bytesAvailable;
    let examined = 0;
    scan: for (let transmits = 0; transmits < this.buckets.length; transmits++) {
      const bucket = this.buckets[transmits] as Set<Entry<M>>;
      if (bucket.size === 0) continue;
      for (const entry of bucket) {
        if (transmits >= limitOf(entry, limit, backupLimit)) {
          // The cluster shrank and lowered the limit: this update is spent.
          bucket.delete(entry);
          this.byKey.delete(entry.key);
          if (entry.viewAtMs > 0) this.viewChanges--;
          continue;
        }
        if (remaining < SMALLEST_UPDATE_BYTES || examined >= ENTRIES_EXAMINED_MAX) break scan;
        if (taken.length >= countMax) break scan;
        examined++;
        if (entry.bytes > remaining) continue;
        remaining -= entry.bytes;
        taken.push(entry);
      }
    }
    for (const entry of taken) {
      this.bucket(entry.transmits).delete(entry);
      entry.transmits++;
      if (entry.transmits >= limitOf(entry, limit, backupLimit)) {
        this.byKey.delete(entry.key);
        if (entry.viewAtMs > 0) this.viewChanges--;
      } else {
        this.bucket(entry.transmits).add(entry);
      }
    }
    return taken;
  }

  private bucket(transmits: number): Set<Entry<M>> {
    while (this.buckets.length <= transmits) this.buckets.push(new Set());
    return this.buckets[transmits] as Set<Entry<M>>;
  }
}
