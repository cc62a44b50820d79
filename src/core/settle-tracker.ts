/**
 * The `settled` signal: this node believes every live node holds its view.
 * It holds once nothing is pending (no suspect, no change waiting for its
 * deadline, not joining or leaving) and, for `settleQuietMs`, neither our
 * view changed nor did a peer echo a different viewId on a ping or an ack.
 */
import type { CoreContext } from './context.js';

export class SettleTracker {
  private lastMismatchAtMs = Number.NEGATIVE_INFINITY;
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

  onTimer(): void {
    this.timerAtMs = Number.NEGATIVE_INFINITY;
  }

  /**
   * Re-evaluates the flag; true when it flipped. `nothingPending` sums up
   * the conditions that do not depend on time.
   */
  update(nothingPending: boolean, lastViewChangeAtMs: number): boolean {
    let settled = nothingPending;
    if (settled) {
      const quietUntilMs =
        Math.max(lastViewChangeAtMs, this.lastMismatchAtMs) + this.context.config.settleQuietMs;
      if (this.context.nowMs < quietUntilMs) {
        settled = false;
        // One timer at a time: when it fires, the quiet period is checked again.
        if (this.timerAtMs <= this.context.nowMs) {
          this.timerAtMs = quietUntilMs;
          this.context.schedule(quietUntilMs - this.context.nowMs, { kind: 'settle' });
        }
      }
    }
    if (settled === this.isSettled) return false;
    this.isSettled = settled;
    return true;
  }
}
