/**
 * Joiners that met at their seed. A seed answers a join with the members it
 * holds, and a joiner still being verified is not one of them. So when two
 * nodes join through the same seed at nearly the same moment, each answer can
 * lack the other: the first joiner's answer went out before the second asked,
 * and the second's went out while the first was still a candidate. Neither
 * then announces itself to the other (announcement.ts), and each hears of the
 * other by gossip alone, whose last copies miss a node now and then; the
 * follow-up sync found them seconds later.
 *
 * The seed knows exactly which pairs these are: when it admits a joiner, every
 * joiner it admitted after that one's answer went out is one. It then tells each of the two of the other, one datagram each;
 * each verifies the other as it would any news. Only joiners the seed holds
 * alive at the address they joined from are told (it verified them), so a
 * forged join request draws nothing; at most JOINERS_REMEMBERED answers are
 * kept, so an admission sends at most twice that many datagrams.
 */

/** Join answers remembered: a window of joins in flight at one seed (admission.ts VERIFY_WINDOW). */
export const JOINERS_REMEMBERED = 32;

/**
 * Answers and admissions are ordered by a step count, not by the clock:
 * at a busy seed both fall within the same millisecond.
 */
interface AnsweredJoiner {
  readonly id: string;
  readonly address: string;
  readonly answeredStep: number;
  /** The step at which the joiner was admitted here; undefined while it is verified. */
  admittedStep: number | undefined;
}

/** A joiner the newly admitted one must be introduced to (and told of). */
export interface JoinerToIntroduce {
  readonly id: string;
  readonly address: string;
}

export class JoinerIntroductions {
  /** Oldest first; at most JOINERS_REMEMBERED. */
  private readonly answered: AnsweredJoiner[] = [];
  private step = 0;

  /** The seed answered `id`'s join request, which it sent from `address`. */
  noteAnswer(id: string, address: string): void {
    const earlier = this.answered.findIndex((joiner) => joiner.id === id);
    if (earlier >= 0) {
      // Asked again once admitted here (a retry, or anyone replaying the request): forgetting
      // the admission would skip the introductions owed to joiners admitted after it.
      const known = this.answered[earlier] as AnsweredJoiner;
      if (known.address === address && known.admittedStep !== undefined) return;
      this.answered.splice(earlier, 1);
    }
    if (this.answered.length >= JOINERS_REMEMBERED) this.answered.shift();
    this.answered.push({ id, address, answeredStep: ++this.step, admittedStep: undefined });
  }

  /**
   * `id` was admitted at `address`. Returns the admitted joiners whose
   * answers and its own both lacked the other: those admitted after its
   * answer went out. Empty unless `id` joined through us.
   */
  noteAdmitted(id: string, address: string): JoinerToIntroduce[] {
    const admitted = this.answered.find((joiner) => joiner.id === id && joiner.address === address);
    if (admitted === undefined || admitted.admittedStep !== undefined) return [];
    admitted.admittedStep = ++this.step;
    const pairs: JoinerToIntroduce[] = [];
    for (const other of this.answered) {
      if (other === admitted || other.admittedStep === undefined) continue;
      // Admitted before our answer went out, it was in that answer, and we announced
      // ourselves to it. Otherwise neither answer named the other: ours went out while
      // it was a candidate or unknown, and its own while we were a candidate.
      if (other.admittedStep < admitted.answeredStep) continue;
      pairs.push({ id: other.id, address: other.address });
    }
    return pairs;
  }

  clear(): void {
    this.answered.length = 0;
  }
}
