/**
 * Lifeguard local health awareness: a saturating score that rises when this
 * node's own probes look unhealthy (missed nacks, failed probes, having to
 * refute) and falls on success. Timeouts are stretched by (score + 1), so a
 * slow node gives its peers more time instead of accusing them.
 */
export class Awareness {
  private score = 0;

  constructor(private readonly maxMultiplier: number) {}

  /** Adds delta, clamped to [0, maxMultiplier - 1]. */
  applyDelta(delta: number): void {
    this.score = Math.min(this.maxMultiplier - 1, Math.max(0, this.score + delta));
  }

  get health(): number {
    return this.score;
  }

  scaleMs(timeoutMs: number): number {
    return timeoutMs * (this.score + 1);
  }
}
