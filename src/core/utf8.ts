/**
 * Strings as their UTF-8 bytes, without encoding them: byte-order comparison
 * (the order of the sorted view, rendezvous tie-breaks and the simulator's
 * checks) and 32-bit FNV-1a (view hashes, cluster labels, trace hashes). One
 * copy of each, so every part of meshnode agrees on the order and the hash.
 */

/**
 * Compares two strings in UTF-8 byte order. Comparing code points gives the
 * same order, unlike JavaScript's default UTF-16 comparison, which puts
 * astral characters before U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
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
  return Math.imul(hash ^ byte, FNV_PRIME);
}

/**
 * FNV-1a over the UTF-8 bytes of a string, continuing from `hash`, as
 * signed 32-bit bits: V8 holds those as small integers, where a value
 * above 2^31 would be a heap number allocated at every return.
 */
function fnv1aString(hash: number, text: string): number {
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

/** 32-bit FNV-1a over the UTF-8 bytes of a string (a lone surrogate counts as U+FFFD, as TextEncoder writes it). */
export function fnv1a(text: string): number {
  return fnv1aString(FNV_OFFSET, text) >>> 0;
}

/**
 * The same hash as fnv1a, as signed 32-bit bits (fnv1a(text) === fnv1aBits(text) >>> 0),
 * for hashing that runs over every row of a table and only needs the bits.
 */
export function fnv1aBits(text: string): number {
  return fnv1aString(FNV_OFFSET, text) | 0;
}
