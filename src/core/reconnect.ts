/**
 * Reconnect memory, apart from tombstones (Serf's reconnect): members this
 * node holds failed, and the seeds it joined through, stay candidates for a
 * full-state sync long after their tombstones are reaped. Without it, the two
 * sides of a partition that outlived tombstoneRetentionMs would forget each
 * other and stay two clusters forever.
 */

/** Most candidates kept; past it the one that failed longest ago is dropped. */
export const RECONNECT_CANDIDATES_MAX = 1024;

interface Candidate {
  readonly address: string;
  /** When it failed (or the seed was given); candidates expire reconnectTimeoutMs after. */
  readonly sinceMs: number;
}

export class ReconnectCandidates {
  /** Failed members by id, oldest first (a Map keeps insertion order). */
  private readonly failed = new Map<string, Candidate>();
  private seeds: readonly string[] = [];
  private seedsSinceMs = 0;

  get failedCount(): number {
    return this.failed.size;
  }

  get seedCount(): number {
    return this.seeds.length;
  }

  /** A member failed (not a graceful leave: a member that left will not come back by itself). */
  noteFailed(id: string, address: string, nowMs: number): void {
    this.failed.delete(id);
    if (this.failed.size >= RECONNECT_CANDIDATES_MAX) {
      const oldest = this.failed.keys().next();
      if (oldest.done !== true) this.failed.delete(oldest.value);
    }
    this.failed.set(id, { address, sinceMs: nowMs });
  }

  /** The member is alive again, or left for good. */
  forget(id: string): void {
    this.failed.delete(id);
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
      this.failed.delete(id);
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

  seedAt(index: number): string | undefined {
    return this.seeds[index];
  }

  get seedsGivenAtMs(): number {
    return this.seedsSinceMs;
  }
}
