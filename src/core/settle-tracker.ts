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
 *
 * And it needs witnesses: distinct members that echoed the current view
 * since it last changed (on an ack to our probe, or on a ping from the
 * member's own address), every other member in clusters of up to
 * SETTLE_WITNESSES_MAX + 1, that many in larger ones. One echo is not
 * enough after a partition: each side agrees with itself, and a member of
 * the other side that nobody here probed since the cut still sits in our
 * view unsuspected, holding the other side's view. Both sides would report
 * settled with overlapping indices until someone probed it. A member whose
 * claims are muted after a repair (view-disputes.ts) is not waited for: one
 * member that keeps disagreeing must not hold the whole cluster unsettled.
 */
import type { ProtocolConfig } from './config.js';
import type { CoreContext } from './context.js';

/** Distinct members whose echo of a new view a node waits for, at most. */
export const SETTLE_WITNESSES_MAX = 16;

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
  private timerToken: number | undefined;
  private isSettled = false;
  /** Members that echoed our view, with when they last did; pruned to the time since the view changed. */
  private readonly witnesses = new Map<string, number>();
  /** The view change the witnesses were last pruned for: pruning again before the next one finds nothing. */
  private witnessesPrunedForMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly context: CoreContext) {}

  get settled(): boolean {
    return this.isSettled;
  }

  /** A live peer reported another viewId: the cluster has not agreed yet. */
  noteMismatch(): void {
    this.lastMismatchAtMs = this.context.nowMs;
  }

  /** A live peer answered our probe with our viewId: the lease is renewed, and it is a witness. */
  noteEcho(fromId: string): void {
    this.lastEchoAtMs = this.context.nowMs;
    this.noteWitness(fromId);
  }

  /** A member holds our view (its ping said so): a witness, though no lease renewal, as a ping may be old. */
  noteWitness(fromId: string): void {
    if (this.witnesses.size < SETTLE_WITNESSES_MAX || this.witnesses.has(fromId)) {
      this.witnesses.set(fromId, this.context.nowMs);
    }
  }

  /** A 'settle' timer fired; `token` tells ours from others (the conflict window's). */
  onTimer(token: number): void {
    if (token !== this.timerToken) return;
    this.timerAtMs = Number.NEGATIVE_INFINITY;
    this.timerToken = undefined;
  }

  /**
   * Re-evaluates the flag; true when it flipped. `nothingPending` sums up
   * the conditions that do not depend on time; `othersInView` counts the
   * members besides this node in the view (0: nobody can renew a lease),
   * `mutedPeers` those of them not waited for as witnesses.
   */
  update(nothingPending: boolean, lastViewChangeAtMs: number, othersInView: number, mutedPeers = 0): boolean {
    const { nowMs, config } = this.context;
    // An echo from before the view last changed vouches for the old view.
    if (lastViewChangeAtMs !== this.witnessesPrunedForMs) {
      this.witnessesPrunedForMs = lastViewChangeAtMs;
      for (const [id, atMs] of this.witnesses) if (atMs < lastViewChangeAtMs) this.witnesses.delete(id);
    }
    const alone = othersInView === 0;
    const witnessesNeeded = Math.min(othersInView - mutedPeers, SETTLE_WITNESSES_MAX);
    let settled = nothingPending && this.witnesses.size >= witnessesNeeded;
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

  /**
   * One timer at a time, for the moment update() last named: when it fires,
   * the flag is evaluated again. A later moment replaces an earlier one,
   * since every input evaluates the flag too and only the passing of time
   * is waited for: a lease renewed by an echo every period would otherwise
   * wake the node once per lease for nothing.
   */
  private wakeAt(atMs: number): void {
    const { context } = this;
    if (this.timerToken !== undefined && this.timerAtMs === atMs) return;
    if (this.timerToken !== undefined) context.cancel(this.timerToken);
    this.timerAtMs = atMs;
    this.timerToken = context.schedule(atMs - context.nowMs, { kind: 'settle' });
  }
}
