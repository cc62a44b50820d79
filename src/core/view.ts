/**
 * The deterministic sorted view and libcluster indices. The sort key is the
 * member id compared in UTF-8 byte order, defined once here; addresses never
 * take part (they would sort "10.0.0.10" before "10.0.0.9").
 */
import type { View, ViewMember } from './types.js';

/**
 * Compares two strings in UTF-8 byte order. Comparing code points gives the
 * same order, unlike JavaScript's default UTF-16 comparison, which puts
 * astral characters before U+E000..U+FFFF.
 */
export function compareIds(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const surrogateA = ca >= 0xd800 && ca <= 0xdfff;
    const surrogateB = cb >= 0xd800 && cb <= 0xdfff;
    if (surrogateA === surrogateB) return ca - cb;
    // A surrogate half encodes a code point above U+FFFF: it sorts after any BMP unit.
    return surrogateA ? 1 : -1;
  }
  return a.length - b.length;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnvByte(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
}

/** FNV-1a over the UTF-8 bytes of a string, continuing from `hash`. */
export function fnv1aString(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    let code = text.codePointAt(i) as number;
    if (code > 0xffff) i++;
    if (code < 0x80) {
      h = fnvByte(h, code);
    } else if (code < 0x800) {
      h = fnvByte(h, 0xc0 | (code >> 6));
      h = fnvByte(h, 0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      h = fnvByte(h, 0xe0 | (code >> 12));
      h = fnvByte(h, 0x80 | ((code >> 6) & 0x3f));
      h = fnvByte(h, 0x80 | (code & 0x3f));
    } else {
      h = fnvByte(h, 0xf0 | (code >> 18));
      h = fnvByte(h, 0x80 | ((code >> 12) & 0x3f));
      h = fnvByte(h, 0x80 | ((code >> 6) & 0x3f));
      h = fnvByte(h, 0x80 | (code & 0x3f));
    }
  }
  return h;
}

export function fnv1a(text: string): number {
  return fnv1aString(FNV_OFFSET, text);
}

/** Mixes a 32-bit value (murmur3's finaliser) so that sums of hashes stay well spread. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * One member's share of the view digest. The digest of a view is the sum of
 * its members' shares (mod 2^32): order-independent, so a node updates it in
 * O(1) per change instead of re-sorting, and equal member sets give equal ids.
 */
export function viewShare(id: string, threads: number): number {
  return mix32(fnv1a(id) ^ Math.imul(threads, 0x9e3779b1));
}

/** Sorts (id, threads) pairs into a view whose viewId is the given digest. */
export function sortView(entries: Iterable<readonly [id: string, threads: number]>, viewId: number): View {
  const sorted = [...entries].sort((x, y) => compareIds(x[0], y[0]));
  const members: ViewMember[] = [];
  let index = 0;
  for (const [id, threads] of sorted) {
    members.push({ id, threads, index });
    index += threads;
  }
  return { members, total: index, viewId };
}
