/**
 * The budget for telling a sender directly that its accusation is stale.
 * A node that missed a refutation keeps gossiping its old suspicion; the
 * members it sends that to hold the newer alive, and answering the sender
 * itself reaches it at once, where the refutation's own gossip copies may
 * all have missed it before its (shortened) suspicion timeout runs out.
 *
 * Each answer is one datagram for one received, so a spoofed source gains
 * nothing; within one probe interval each (sender, member) pair is answered
 * once, and at most CORRECTIONS_PER_PERIOD_MAX answers go out in all.
 */

/** Direct corrections per probe interval at most, whatever arrives. */
export const CORRECTIONS_PER_PERIOD_MAX = 16;

export class StaleCorrections {
  private periodStartMs = Number.NEGATIVE_INFINITY;
  /** The (sender, member) pairs answered in the current period. */
  private readonly answered = new Set<string>();

  constructor(private readonly periodMs: number) {}

  /** Whether `senderAddress` may be told about `memberId` now; counts it when so. */
  allow(senderAddress: string, memberId: string, nowMs: number): boolean {
    if (nowMs - this.periodStartMs >= this.periodMs) {
      this.periodStartMs = nowMs;
      this.answered.clear();
    }
    if (this.answered.size >= CORRECTIONS_PER_PERIOD_MAX) return false;
    const key = `${senderAddress} ${memberId}`;
    if (this.answered.has(key)) return false;
    this.answered.add(key);
    return true;
  }
}
