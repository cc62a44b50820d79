/**
 * Reconnect memory, apart from tombstones (Serf's reconnect): members this
 * node holds failed, and the seeds it joined through, stay candidates for a
 * full-state sync long after their tombstones are reaped. Without it, the two
 * sides of a partition that outlived tombstoneRetentionMs would forget each
 * other and stay two clusters forever. It also remembers the incarnation each
 * departed member (failed or left) ended at, so that a stale alive of that
 * life, gossiped by a node that was frozen longer than the retention, cannot
 * bring a reaped member back.
 */
import { setNewest } from './bounded.js';

/** Most candidates kept; past it the one that failed longest ago is dropped. */
export const RECONNECT_CANDIDATES_MAX = 1024;

/**
 * Most counted failures remembered past RECONNECT_CANDIDATES_MAX, as id and
 * failure time alone: the default membersMax.
 */
export const COUNTED_BEYOND_CANDIDATES_MAX = 20_000;

interface Candidate {
  readonly address: string;
  /** The incarnation it departed at: an alive at or below it is of the departed life. */
  readonly incarnation: number;
  /** When it failed (or the seed was given); candidates expire reconnectTimeoutMs after. */
  readonly sinceMs: number;
  /** Failed members only: whether this node vouched for it when it failed (member-table.ts). */
  readonly vouched: boolean;
}

export class ReconnectCandidates {
  /** Failed members by id, oldest first (a Map keeps insertion order). */
  private readonly failed = new Map<string, Candidate>();
  /** Members that left gracefully: never tried, only their last incarnation is kept. */
  private readonly left = new Map<string, Candidate>();
  private seeds: readonly string[] = [];
  private seedsSinceMs = 0;
  /** Candidates in `failed` that count (vouched), kept as they change: asked on every input. */
  private countedHeld = 0;
  /**
   * Counted failures the candidate bound dropped, by id, with when they
   * failed, oldest first: each still counts (a cut-off side larger than the
   * bound must not count itself a majority) until it comes back, expires or
   * the node settles.
   */
  private readonly countedDropped = new Map<string, number>();

  get failedCount(): number {
    return this.failed.size;
  }

  get seedCount(): number {
    return this.seeds.length;
  }

  /** A member failed (not a graceful leave: a member that left will not come back by itself). */
  noteFailed(id: string, address: string, incarnation: number, nowMs: number, vouched = false): void {
    this.left.delete(id);
    this.deleteFailed(id);
    if (this.failed.size >= RECONNECT_CANDIDATES_MAX) {
      const [oldestId, oldest] = this.failed.entries().next().value as [string, Candidate];
      this.deleteFailed(oldestId);
      if (oldest.vouched)
        setNewest(this.countedDropped, oldestId, oldest.sinceMs, COUNTED_BEYOND_CANDIDATES_MAX);
    }
    this.failed.set(id, { address, incarnation, sinceMs: nowMs, vouched });
    if (vouched) this.countedHeld++;
  }

  /**
   * Failed members this node vouched for when they failed, with no settled
   * view since (lostMostMembers), including those the candidate bound dropped.
   */
  get vouchedFailedCount(): number {
    return this.countedHeld + this.countedDropped.size;
  }

  /**
   * A settled view is the configuration later failures count against: the
   * failures before it no longer count (they stay reconnect candidates).
   * Without this, crashes one at a time, each followed by a settled view
   * without the member, would add up over reconnectTimeoutMs until a healthy
   * cluster counted more failed members than live ones.
   */
  stopCounting(): void {
    if (this.vouchedFailedCount === 0) return;
    for (const [id, candidate] of this.failed) {
      if (candidate.vouched) this.failed.set(id, { ...candidate, vouched: false });
    }
    this.countedHeld = 0;
    this.countedDropped.clear();
  }

  /**
   * Whether `id` is remembered failed and still counts: vouched for when it
   * failed, with no settled view since. Back, it is vouched for again.
   */
  wasVouched(id: string): boolean {
    return this.failed.get(id)?.vouched === true || this.countedDropped.has(id);
  }

  /** A member left gracefully: not a candidate, but its life is over. */
  noteLeft(id: string, address: string, incarnation: number, nowMs: number): void {
    this.deleteFailed(id);
    remember(this.left, id, { address, incarnation, sinceMs: nowMs, vouched: false });
  }

  /** The member is alive again. */
  forget(id: string): void {
    this.deleteFailed(id);
    this.left.delete(id);
  }

  private deleteFailed(id: string): void {
    this.countedDropped.delete(id);
    const candidate = this.failed.get(id);
    if (candidate === undefined) return;
    if (candidate.vouched) this.countedHeld--;
    this.failed.delete(id);
  }

  /** How `id` departed (failed or left) and at which incarnation, while it is remembered. */
  departure(id: string): { readonly state: 'dead' | 'left'; readonly incarnation: number } | undefined {
    const failed = this.failed.get(id);
    if (failed !== undefined) return { state: 'dead', incarnation: failed.incarnation };
    const left = this.left.get(id);
    return left === undefined ? undefined : { state: 'left', incarnation: left.incarnation };
  }

  /** The addresses this node joined through, tried again while it is alone or has lost most members. */
  rememberSeeds(addresses: readonly string[], nowMs: number): void {
    if (addresses.length === 0) return;
    this.seeds = addresses.slice(0, RECONNECT_CANDIDATES_MAX);
    this.seedsSinceMs = nowMs;
  }

  /** Drops failed members older than `timeoutMs`; seeds are kept for as long as the node runs. */
  expire(nowMs: number, timeoutMs: number): void {
    for (const [id, candidate] of this.failed) {
      // Oldest first: stop at the first one still inside the window.
      if (nowMs - candidate.sinceMs < timeoutMs) break;
      this.deleteFailed(id);
    }
    expireOld(this.left, nowMs, timeoutMs);
    for (const [id, sinceMs] of this.countedDropped) {
      if (nowMs - sinceMs < timeoutMs) break;
      this.countedDropped.delete(id);
    }
  }

  /** The address of the failed member at position `index` (0 = failed longest ago). */
  failedAt(index: number): { id: string; address: string } | undefined {
    let position = 0;
    for (const [id, candidate] of this.failed) {
      if (position++ === index) return { id, address: candidate.address };
    }
    return undefined;
  }

  /** Every remembered failure that still counts (vouchedFailedCount), oldest first. */
  forEachCountedFailure(visit: (id: string, address: string, incarnation: number) => void): void {
    for (const [id, candidate] of this.failed) {
      if (candidate.vouched) visit(id, candidate.address, candidate.incarnation);
    }
  }

  seedAt(index: number): string | undefined {
    return this.seeds[index];
  }

  get seedsGivenAtMs(): number {
    return this.seedsSinceMs;
  }
}

/** Adds at the young end, dropping the oldest entry when full. */
function remember(map: Map<string, Candidate>, id: string, candidate: Candidate): void {
  setNewest(map, id, candidate, RECONNECT_CANDIDATES_MAX);
}

function expireOld(map: Map<string, Candidate>, nowMs: number, timeoutMs: number): void {
  for (const [id, candidate] of map) {
    // Oldest first: stop at the first one still inside the window.
    if (nowMs - candidate.sinceMs < timeoutMs) break;
    map.delete(id);
  }
}
