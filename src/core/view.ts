/**
 * The deterministic sorted view and libcluster indices. The sort key is the
 * member id compared in UTF-8 byte order (utf8.ts); addresses never
 * take part (they would sort "10.0.0.10" before "10.0.0.9").
 */
import { mix32Bits } from './mix32.js';
import type { View, ViewMember } from './types.js';
import { compareUtf8, fnv1aBits } from './utf8.js';

/**
 * One member's share of the view digest. The digest of a view is the sum of
 * its members' shares (mod 2^32): order-independent, so a node updates it in
 * O(1) per change instead of re-sorting, and equal member sets give equal ids.
 */
export function viewShare(id: string, threads: number): number {
  return mix32Bits(fnv1aBits(id) ^ Math.imul(threads, 0x9e3779b1)) >>> 0;
}

/** Sorts (id, threads) pairs into a view whose viewId is the given digest. */
export function sortView(entries: Iterable<readonly [id: string, threads: number]>, viewId: number): View {
  const sorted = [...entries].sort((x, y) => compareUtf8(x[0], y[0]));
  const members: ViewMember[] = [];
  let index = 0;
  for (const [id, threads] of sorted) {
    members.push({ id, threads, index });
    index += threads;
  }
  return { members, total: index, viewId };
}
