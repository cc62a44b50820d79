/**
 * Cluster labels keep two clusters sharing a network (or a test and a
 * production cluster sharing a port) from merging: packets whose label differs
 * are dropped from the fixed header, before any payload parsing.
 */
import { fnv1a } from '../core/utf8.js';

/**
 * 32-bit cluster label from (key, env): FNV-1a over UTF-8 of key + "\0" + env.
 * The NUL separator keeps ("ab", "c") and ("a", "bc") apart.
 */
export function clusterLabel(key: string, env: string): number {
  return fnv1a(`${key}\0${env}`);
}
