/**
 * What incarnations an honest node can send. A life starts at its wall
 * clock in ms and counts up by one per refutation or metadata change, so:
 *
 *  - no incarnation is far ahead of the clock: a claim beyond the clock plus
 *    INCARNATION_LEAD_MS is forged (or from a clock set wildly wrong), and
 *    accepting it would let one packet push a member towards the top of the
 *    space, where it could no longer refute;
 *  - no accusation (suspect, dead, left) is far above what its subject last
 *    announced to us: it would have to follow more than ACCUSATION_STEP_MAX
 *    refutations we all missed. One that does is dropped; the subject's own
 *    alive, when it comes, carries the news of a new life.
 *
 * The clock is this node's own, estimated from the incarnation its life
 * started at (the host draws it from the wall clock) plus the monotonic time
 * since, so the sans-io core needs no wall-clock input.
 */

/** How far ahead of this node's clock an incarnation may be: clock skew between hosts, generously. */
export const INCARNATION_LEAD_MS = 366 * 24 * 60 * 60 * 1000;
/** How far above a member's known incarnation an accusation about it may be. */
export const ACCUSATION_STEP_MAX = 2 ** 20;

export class IncarnationBounds {
  private startedAtMs = 0;

  constructor(private readonly lifeStartIncarnation: number) {}

  /** The life's clock starts now (the core's start). */
  start(nowMs: number): void {
    this.startedAtMs = nowMs;
  }

  /** Whether `incarnation` is beyond anything an honest clock can have reached by `nowMs`. */
  aheadOfClock(incarnation: number, nowMs: number): boolean {
    return incarnation > this.lifeStartIncarnation + (nowMs - this.startedAtMs) + INCARNATION_LEAD_MS;
  }

  /** Whether an accusation at `claimed` jumps too far above the `known` incarnation of its subject. */
  jumpsTooFar(known: number, claimed: number): boolean {
    return claimed - known > ACCUSATION_STEP_MAX;
  }
}
