/**
 * Bounds of the protocol's fields, the same for every node: the core holds
 * what it builds to them and the codec refuses what breaks them on decode.
 */
import type { Metadata } from './types.js';

export const UINT32_MAX = 0xffff_ffff;
/**
 * Incarnations are safe integers: a life starts at the wall clock in ms
 * (about 2^40 today), so the space lasts for millennia of refutations and a
 * forged high value cannot pin a member at a ceiling it cannot refute past.
 */
export const INCARNATION_MAX = Number.MAX_SAFE_INTEGER;
export const ID_BYTES_MAX = 128;
export const THREADS_MAX = 65_535;
export const VIEW_DELAY_MS_MAX = 600_000;
export const METADATA_KEYS_MAX = 64;

/**
 * UTF-8 length of a string as it goes on the wire: a surrogate pair is 4
 * bytes and a lone surrogate 3 (it becomes U+FFFD or its 3-byte WTF-8 form,
 * both 3 bytes).
 */
export function utf8Bytes(text: string): number {
  const length = text.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if ((unit & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // Two code units, four bytes.
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** The size metadataBytesMax bounds: UTF-8 bytes of every own key and value, summed. */
export function metadataBytes(metadata: Metadata): number {
  let bytes = 0;
  for (const key in metadata) {
    if (!Object.hasOwn(metadata, key)) continue;
    bytes += utf8Bytes(key) + utf8Bytes(metadata[key] as string);
  }
  return bytes;
}
