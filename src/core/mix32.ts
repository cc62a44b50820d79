/**
 * murmur3's 32-bit finaliser: every input bit moves about half the output
 * bits, so that sums of hashes (the view digest, the table digest) stay
 * well spread. One copy for both digests.
 *
 * The result is the hash's signed 32-bit bits (`>>> 0` gives the unsigned
 * value): V8 keeps those as small integers, where an unsigned value above
 * 2^31 is a heap number allocated at every call that is not inlined, and a
 * table digest makes a dozen such calls per row at every sync.
 */
export function mix32Bits(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
