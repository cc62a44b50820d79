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

  get failedCount(): number {
    return this.failed.size;
  }

  get seedCount(): number {
    return this.seeds.length;
  }

  /** A member failed (not a graceful leave: a member that left will not come back by itself). */
  noteFailed(id: string, address: string, incarnation: number, nowMs: number, vouched = false): void {
    this.left.delete(id);
    remember(this.failed, id, { address, incarnation, sinceMs: nowMs, vouched });
  }

  /**
   * Failed members this node vouched for when they failed. Counted on each
   * call, over at most RECONNECT_CANDIDATES_MAX entries, and only asked for
   * while some member is remembered failed.
   */
  get vouchedFailedCount(): number {
    let count = 0;
    for (const candidate of this.failed.values()) if (candidate.vouched) count++;
    return count;
  }

  /** Whether `id` is remembered failed, and was vouched for when it failed: back, it is vouched for again. */
  wasVouched(id: string): boolean {
    return this.failed.get(id)?.vouched === true;
  }

  /** A member left gracefully: not a candidate, but its life is over. */
  noteLeft(id: string, address: string, incarnation: number, nowMs: number): void {
    this.failed.delete(id);
    remember(this.left, id, { address, incarnation, sinceMs: nowMs, vouched: false });
  }

  /** The member is alive again. */
  forget(id: string): void {
    this.failed.delete(id);
    this.left.delete(id);
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
    expireOld(this.failed, nowMs, timeoutMs);
    expireOld(this.left, nowMs, timeoutMs);
  }

  /** The address of the failed member at position `index` (0 = failed longest ago). */
  failedAt(index: number): { id: string; address: string } | undefined {
    let position = 0;
    for (const [id, candidate] of this.failed) {
      if (position++ === index) return { id, address: candidate.address };
    }
    return undefined;
  }

  /** Visits the members remembered failed, failed longest ago first. */
  forEachFailed(visit: (id: string, address: string, incarnation: number) => void): void {
    for (const [id, candidate] of this.failed) visit(id, candidate.address, candidate.incarnation);
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
