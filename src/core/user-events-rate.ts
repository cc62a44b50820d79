/**
 * A token bucket on the core's clock: it holds up to `perSecond` tokens
 * (one second's worth, the largest burst) and refills at `perSecond` tokens
 * a second. Pure arithmetic on the time it is handed, so runs replay.
 */
export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number | undefined;

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Takes one token at `nowMs`; false when none is left. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds from `nowMs` until a token is available (0 when one is). */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  private refill(nowMs: number): void {
    if (this.lastRefillMs !== undefined && nowMs > this.lastRefillMs) {
      const earned = ((nowMs - this.lastRefillMs) * this.perSecond) / 1000;
      this.tokens = Math.min(this.perSecond, this.tokens + earned);
    }
    // A clock that steps back (a test, a replay) earns nothing rather than a negative amount.
    if (this.lastRefillMs === undefined || nowMs > this.lastRefillMs) this.lastRefillMs = nowMs;
  }
}
