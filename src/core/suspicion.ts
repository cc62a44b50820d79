/**
 * One running suspicion of one member (Lifeguard). It remembers who has
 * independently confirmed it; each new confirmation shortens the timeout.
 */
import { suspicionTimeoutMs } from './formulas.js';

export class Suspicion {
  private readonly confirmers = new Set<string>();

  constructor(
    readonly incarnation: number,
    /** Who raised the suspicion first; it does not count as a confirmation. */
    readonly originId: string,
    readonly startedAtMs: number,
    private readonly expected: number,
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  get confirmations(): number {
    return this.confirmers.size;
  }

  /** Records a confirmation; false when it is not new (or comes from the origin). */
  confirm(fromId: string): boolean {
    if (fromId === this.originId || this.confirmers.size >= this.expected) return false;
    if (this.confirmers.has(fromId)) return false;
    this.confirmers.add(fromId);
    return true;
  }

  /** When the suspect should be declared dead, given the confirmations so far. */
  deadlineMs(): number {
    return this.startedAtMs + suspicionTimeoutMs(this.confirmers.size, this.expected, this.minMs, this.maxMs);
  }
}
