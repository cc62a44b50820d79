/**
 * The time handed to the core: monotonic milliseconds (never jumps back with
 * the wall clock), as an integer so that the delays derived from it encode
 * exactly.
 */
import { performance } from 'node:perf_hooks';

export function monotonicMs(): number {
  return Math.floor(performance.now());
}
