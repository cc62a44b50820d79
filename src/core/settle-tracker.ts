/**
 * The `settled` signal: this node believes every live node holds its view.
 * It holds once nothing is pending (no suspect, no change waiting for its
 * deadline, not joining or leaving) and, for `settleQuietMs`, neither our
 * view changed nor did a peer echo a different viewId on a ping or an ack.
 *
 * It is also a lease: with other members in the view, it lapses unless a
 * peer echoed our viewId in the ack to one of our probes within the last
 * `settleLeaseMs(config)` (an ack to a probe sent just now is fresh; a ping
 * may have waited in a socket buffer while we were frozen). A node
 * frozen by a pause longer than that (a GC stall, SIGSTOP, a VM migration)
 * resumes unsettled and settles again only once it has heard the cluster
 * agree, instead of vouching for an index someone else may own by now.
 */
import type { ProtocolConfig } from './config.js';
import type { CoreContext } from './context.js';

/**
 * Each probe period's ack echoes the target's viewId; four periods without
 * a matching one means we are cut off, were frozen, or disagree.
 */
export function settleLeaseMs(config: ProtocolConfig): number {
  return Math.max(config.settleQuietMs, 4 * config.probeIntervalMs);
}

export class SettleTracker {
  private lastMismatchAtMs = Number.NEGATIVE_INFINITY;
  private lastEchoAtMs = Number.NEGATIVE_INFINITY;
  private timerAtMs = Number.NEGATIVE_INFINITY;
  private isSettled = false;

  constructor(private readonly context: CoreContext) {}

  get settled(): boolean {
    return this.isSettled;
  }

  /** A live peer reported another viewId: the cluster has not agreed yet. */
  noteMismatch(): void {
    this.lastMismatchAtMs = this.context.nowMs;
  }

  /** A live peer reported our viewId: the lease is renewed. */
  noteEcho(): void {
    this.lastEchoAtMs = this.context.nowMs;
  }

  onTimer(): void {
    this.timerAtMs = Number.NEGATIVE_INFINITY;
  }

  /**
   * Re-evaluates the flag; true when it flipped. `nothingPending` sums up
   * the conditions that do not depend on time; `alone` means no other
   * member is in the view, so nobody can renew the lease.
   */
  update(nothingPending: boolean, lastViewChangeAtMs: number, alone: boolean): boolean {
    const { nowMs, config } = this.context;
    let settled = nothingPending;
    if (settled) {
      const quietUntilMs = Math.max(lastViewChangeAtMs, this.lastMismatchAtMs) + config.settleQuietMs;
      if (nowMs < quietUntilMs) {
        settled = false;
        this.wakeAt(quietUntilMs);
      } else if (!alone) {
        // Echoes from before the view last changed vouch for the old view.
        const echoAtMs =
          this.lastEchoAtMs >= lastViewChangeAtMs ? this.lastEchoAtMs : Number.NEGATIVE_INFINITY;
        const leaseUntilMs = echoAtMs + settleLeaseMs(config);
        if (nowMs >= leaseUntilMs) settled = false;
        else this.wakeAt(leaseUntilMs);
      }
    }
    if (settled === this.isSettled) return false;
    this.isSettled = settled;
    return true;
  }

  /** One timer at a time: when it fires, the flag is evaluated again. */
  private wakeAt(atMs: number): void {
    if (this.timerAtMs > this.context.nowMs && this.timerAtMs <= atMs) return;
    this.timerAtMs = atMs;
    this.context.schedule(atMs - this.context.nowMs, { kind: 'settle' });
  }
}
