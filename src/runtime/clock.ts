/**
 * The time handed to the core: monotonic milliseconds (never jumps back with
 * the wall clock), as an integer so that the delays derived from it encode
 * exactly.
 */
import { performance } from 'node:perf_hooks';

export function monotonicMs(): number {
  return Math.floor(performance.now());
}

/**
 * The incarnation a new life of this node starts at: the wall clock in ms.
 * Every life of an id starts above the incarnations of the lives before it
 * (unless one refuted more often than it lived milliseconds, which the
 * cluster corrects at join by refuting upward), so a restart is never
 * mistaken for news of an earlier life, and a replayed `left` or `dead` of
 * an earlier life stays below the new one.
 */
export function lifeIncarnation(): number {
  return Date.now();
}
