/**
 * Rendezvous (highest random weight) hashing. Every member scores every key
 * and the highest score owns it, so when a member leaves only the keys it
 * owned move, and every node that holds the same member list agrees without
 * talking. Pure: no clock, no randomness, stable across versions and hosts.
 *
 * Scores are 64 bits wide (two 32-bit murmur3 lanes over the key digest and
 * the member digest); exact ties, astronomically rare, fall back to id order.
 */

import { compareUtf8 } from '../core/utf8.js';

const encoder = new TextEncoder();

/** A key: a string (hashed as UTF-8) or raw bytes. */
export type HashKey = string | Uint8Array;

/** 64-bit digest kept as two unsigned 32-bit halves. */
interface Digest {
  readonly hi: number;
  readonly lo: number;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  let x = Math.imul(k, C1);
  x = (x << 15) | (x >>> 17);
  return Math.imul(x, C2);
}

function mixH(h: number, k: number): number {
  let x = h ^ mixK(k);
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** MurmurHash3 x86 32-bit of `bytes` with `seed`. */
export function murmur3(bytes: Uint8Array, seed: number): number {
  let h = seed | 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    const k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    h = mixH(h, k);
  }
  const rest = bytes.length & 3;
  if (rest > 0) {
    let tail = 0;
    if (rest === 3) tail ^= (bytes[blocks + 2] as number) << 16;
    if (rest >= 2) tail ^= (bytes[blocks + 1] as number) << 8;
    tail ^= bytes[blocks] as number;
    h ^= mixK(tail);
  }
  return fmix(h ^ bytes.length);
}

function digest(value: HashKey): Digest {
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  return { hi: murmur3(bytes, 0x5f3759df), lo: murmur3(bytes, 0x2545f491) };
}

/** The 64-bit score of one (member, key) pair, as a murmur3 pass over both digests. */
function score(member: Digest, key: Digest): Digest {
  let hi = mixH(0x3c6ef372, member.hi);
  hi = mixH(hi, key.hi);
  hi = mixH(hi, member.lo);
  hi = mixH(hi, key.lo);
  let lo = mixH(0x1f83d9ab, key.lo);
  lo = mixH(lo, member.lo);
  lo = mixH(lo, key.hi);
  lo = mixH(lo, member.hi);
  return { hi: fmix(hi ^ 16), lo: fmix(lo ^ 16) };
}

interface Scored {
  readonly id: string;
  readonly hi: number;
  readonly lo: number;
}

/** True when `a` ranks before `b` (higher score first). */
function ranksBefore(a: Scored, b: Scored): boolean {
  if (a.hi !== b.hi) return a.hi > b.hi;
  if (a.lo !== b.lo) return a.lo > b.lo;
  // Exact ties, astronomically rare, fall back to the view's id order.
  return compareUtf8(a.id, b.id) < 0;
}

/**
 * Rendezvous hashing over a fixed list of member ids. Member digests are
 * computed once; each lookup then costs one digest of the key plus a few
 * integer multiplications per member.
 */
export class Rendezvous {
  private readonly ids: readonly string[];
  private readonly digests: readonly Digest[];

  constructor(memberIds: Iterable<string>) {
    const unique = [...new Set(memberIds)];
    this.ids = unique;
    this.digests = unique.map((id) => digest(id));
  }

  get size(): number {
    return this.ids.length;
  }

  /** The member id that owns `key`, or undefined when there are no members. */
  owner(key: HashKey): string | undefined {
    const k = digest(key);
    let best: Scored | undefined;
    for (let i = 0; i < this.ids.length; i++) {
      const s = score(this.digests[i] as Digest, k);
      const candidate = { id: this.ids[i] as string, hi: s.hi, lo: s.lo };
      if (best === undefined || ranksBefore(candidate, best)) best = candidate;
    }
    return best?.id;
  }

  /**
   * The `count` highest-ranked member ids for `key`, best first (replica
   * placement). Fewer when there are fewer members.
   */
  owners(key: HashKey, count: number): string[] {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer`);
    if (count === 0 || this.ids.length === 0) return [];
    if (count === 1) {
      const one = this.owner(key);
      return one === undefined ? [] : [one];
    }
    const k = digest(key);
    const scored: Scored[] = this.ids.map((id, i) => {
      const s = score(this.digests[i] as Digest, k);
      return { id, hi: s.hi, lo: s.lo };
    });
    scored.sort((a, b) => (ranksBefore(a, b) ? -1 : ranksBefore(b, a) ? 1 : 0));
    return scored.slice(0, count).map((s) => s.id);
  }
}

/** One-shot helper: the owner of `key` among `memberIds`. */
export function rendezvousOwner(key: HashKey, memberIds: Iterable<string>): string | undefined {
  return new Rendezvous(memberIds).owner(key);
}

/** One-shot helper: the `count` best owners of `key` among `memberIds`. */
export function rendezvousOwners(key: HashKey, memberIds: Iterable<string>, count: number): string[] {
  return new Rendezvous(memberIds).owners(key, count);
}
