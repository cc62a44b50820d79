/**
 * Cluster labels keep two clusters sharing a network (or a test and a
 * production cluster sharing a port) from merging: packets whose label differs
 * are dropped from the fixed header, before any payload parsing.
 */

const FNV_OFFSET_BASIS = 0x811c_9dc5;
const FNV_PRIME = 0x0100_0193;
const utf8 = new TextEncoder();

/** 32-bit FNV-1a. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * 32-bit cluster label from (key, env): FNV-1a over UTF-8 of key + "\0" + env.
 * The NUL separator keeps ("ab", "c") and ("a", "bc") apart.
 */
export function clusterLabel(key: string, env: string): number {
  return fnv1a32(utf8.encode(`${key}\0${env}`));
}
