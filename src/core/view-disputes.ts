/**
 * Peers that keep claiming another viewId after a repair sync. A mismatch
 * (a ping or ack echoing a different viewId) holds `settled` off and opens
 * a repair sync; once that sync has gone both ways, the peer holds our full
 * state and we hold its, so a difference that persists is either the peer
 * still applying it (it is unsettled itself, so two settled owners of one
 * index cannot come of it) or a lie. Either way its claims tell us nothing
 * for a while: they are muted, for a window that starts at the time an
 * honest peer needs to apply a sync and doubles each time the claim
 * survives another repair, until the peer echoes our viewId again. One peer
 * repeating a false viewId therefore costs a bounded, shrinking number of
 * repair syncs and unsettled spells instead of holding the node unsettled.
 */

import { setNewest } from './bounded.js';

/** Peers tracked at once; the least recently disputed is forgotten first. */
const DISPUTES_MAX = 1024;
/** The mute window grows to at most this many base windows. */
const MUTE_GROWTH_MAX = 64;

interface Dispute {
  mutedUntilMs: number;
  /** The next mute window; doubles per repair the claim survives. */
  nextMuteMs: number;
}

export class ViewDisputes {
  private readonly disputes = new Map<string, Dispute>();
  /** Repair syncs in flight: the address asked, and the peer whose claim opened it. */
  private readonly repairs = new Map<string, string>();

  /** Whether a mismatch claimed by `peerId` now counts (holds settled off, may open a repair). */
  counts(peerId: string, nowMs: number): boolean {
    const dispute = this.disputes.get(peerId);
    return dispute === undefined || nowMs >= dispute.mutedUntilMs;
  }

  /** Peers whose claims are muted at `nowMs`. */
  mutedCount(nowMs: number): number {
    let muted = 0;
    for (const dispute of this.disputes.values()) if (nowMs < dispute.mutedUntilMs) muted++;
    return muted;
  }

  /** The peer echoed our viewId: whatever it claimed before is settled. */
  agreed(peerId: string): void {
    this.disputes.delete(peerId);
  }

  /** A repair sync with `peerId` at `address` is on its way. */
  repairing(peerId: string, address: string): void {
    this.repairs.set(address, peerId);
  }

  /**
   * An exchange with `address` ended (`completed`: both states merged). A
   * completed repair mutes the peer's claims for its next window, at least
   * `baseMuteMs` (the time an honest peer needs to apply what it got).
   */
  syncEnded(address: string, completed: boolean, nowMs: number, baseMuteMs: number): void {
    const peerId = this.repairs.get(address);
    if (peerId === undefined) return;
    this.repairs.delete(address);
    if (!completed) return;
    const dispute = this.disputes.get(peerId);
    const muteMs = Math.max(baseMuteMs, dispute?.nextMuteMs ?? 0);
    const muted = {
      mutedUntilMs: nowMs + muteMs,
      nextMuteMs: Math.min(2 * muteMs, MUTE_GROWTH_MAX * baseMuteMs),
    };
    setNewest(this.disputes, peerId, muted, DISPUTES_MAX);
  }

  /** Forgets everything (on stop). */
  clear(): void {
    this.disputes.clear();
    this.repairs.clear();
  }
}
