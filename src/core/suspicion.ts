/**
 * One running suspicion of one member (Lifeguard). It remembers who has
 * independently confirmed it; each new confirmation shortens the timeout.
 */
import { manyObserversTimeoutMs, suspicionTimeoutMs } from './formulas.js';

/** The shortest timeout many confirmations can bring, in probe intervals: time for the suspect to hear and refute. */
export const SUSPICION_FLOOR_PERIODS = 2;

export class Suspicion {
  private readonly confirmers = new Set<string>();
  /** A death declared elsewhere arrived early: the timeout is the minimum from now on. */
  private atMinimum = false;
  private hasIndependentAccuser = false;

  constructor(
    readonly incarnation: number,
    /** Who raised the suspicion first; it does not count as a confirmation. */
    readonly originId: string,
    readonly startedAtMs: number,
    private readonly expected: number,
    private readonly minMs: number,
    readonly maxMs: number,
    /** Confirmations counted at most; past `expected` they shorten the timeout below the minimum. */
    private readonly countedMax: number = expected,
    /** The shortest timeout those can bring. */
    private readonly floorMs: number = minMs,
  ) {}

  get confirmations(): number {
    return this.confirmers.size;
  }

  /** Someone other than the origin accused the member too (counted or not: small clusters count none). */
  get independentlyAccused(): boolean {
    return this.hasIndependentAccuser;
  }

  /**
   * Records a confirmation; false when it is not new (or comes from the
   * origin). Past Lifeguard's `expected` ones, which shorten the timeout
   * below its minimum, only confirmations `fromMember` (a member held live) count.
   */
  confirm(fromId: string, fromMember = true): boolean {
    if (fromId !== this.originId) this.hasIndependentAccuser = true;
    if (fromId === this.originId || this.confirmers.size >= Math.max(this.expected, this.countedMax))
      return false;
    if (this.confirmers.size >= this.expected && !fromMember) return false;
    if (this.confirmers.has(fromId)) return false;
    this.confirmers.add(fromId);
    return true;
  }

  /**
   * Whether the suspect has had time to hear of this suspicion and refute
   * it: half the minimum timeout, many gossip rounds.
   */
  hadTimeToRefute(nowMs: number): boolean {
    return nowMs - this.startedAtMs >= this.minMs / 2;
  }

  /** Someone declared the suspect dead: as strong as full confirmation, but never sooner than the minimum. */
  jumpToMinimum(): boolean {
    if (this.atMinimum) return false;
    this.atMinimum = true;
    return true;
  }

  /** When the suspect should be declared dead, given the confirmations so far. */
  deadlineMs(): number {
    const confirmations = this.confirmers.size;
    const lifeguardMs = this.atMinimum
      ? this.minMs
      : suspicionTimeoutMs(confirmations, this.expected, this.minMs, this.maxMs);
    const manyMs = manyObserversTimeoutMs(confirmations, this.expected, this.minMs, this.floorMs);
    return this.startedAtMs + Math.min(lifeguardMs, manyMs);
  }
}
