/**
 * The budget for answering a sender directly when its accusation is stale
 * (or, about ourselves, current: the refutation goes back to it). A node
 * that missed a refutation keeps gossiping its old suspicion; the members
 * it sends that to hold the newer alive, and answering the sender itself
 * reaches it at once, where the refutation's own gossip copies may all have
 * missed it before its (shortened) suspicion timeout runs out.
 *
 * Only an address where a live member is held is answered: anyone can write
 * any source on a datagram, and an alive with its metadata is larger than
 * the accusation that drew it. Gossip carries no sender id, so the check
 * walks the table; the walks are budgeted, and so are the answers: within
 * one probe interval each (sender, member) pair is answered once, at most
 * LOOKUPS_PER_PERIOD_MAX senders are checked and at most
 * ANSWERS_PER_PERIOD_MAX answers go out. A flood of stale accusations from
 * forged sources thus costs bounded work, and at worst leaves the
 * correction to gossip, as it was before direct answers.
 */

/** Senders checked against the table per probe interval at most. */
export const LOOKUPS_PER_PERIOD_MAX = 128;
/** Direct answers per probe interval at most, whatever arrives. */
export const ANSWERS_PER_PERIOD_MAX = 16;

export class StaleCorrections {
  private periodStartMs = Number.NEGATIVE_INFINITY;
  private lookups = 0;
  /** The (sender, member) pairs answered in the current period. */
  private readonly answered = new Set<string>();

  constructor(private readonly periodMs: number) {}

  /**
   * Whether `senderAddress` may be told about `memberId` now; `isMemberAddress`
   * is asked only within the lookup budget, and an answer is counted when it is given.
   */
  allow(senderAddress: string, memberId: string, nowMs: number, isMemberAddress: () => boolean): boolean {
    if (nowMs - this.periodStartMs >= this.periodMs) {
      this.periodStartMs = nowMs;
      this.lookups = 0;
      this.answered.clear();
    }
    if (this.answered.size >= ANSWERS_PER_PERIOD_MAX || this.lookups >= LOOKUPS_PER_PERIOD_MAX) return false;
    const key = `${senderAddress} ${memberId}`;
    if (this.answered.has(key)) return false;
    this.lookups++;
    if (!isMemberAddress()) return false;
    this.answered.add(key);
    return true;
  }
}
