/**
 * Raw deflate (node:zlib) for state frames. A full state repeats the same
 * few field shapes, address prefixes and id stems in every row and shrinks
 * to about a quarter; a digest or an agreement answer is too small to gain
 * and goes plain. The inflated size is bounded before any output exists
 * (zlib's maxOutputLength): by stateBytesMax, and by DEFLATE_RATIO_MAX
 * times the deflated size, so a zip bomb (64 KB of deflate make 64 MB of
 * zeros) costs at most a few MB of buffer and a counted drop, and making a
 * node hold a full stateBytesMax takes sending a 64th of it. A sender whose
 * state compresses better than that sends it plain.
 *
 * Only the payload is deflated; the envelope stays readable, with
 * FLAG_DEFLATED set, and sealing (seal.ts) seals the deflated envelope, so
 * ciphertext is never compressed.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { drop } from './drop.js';
import { ENVELOPE_BYTES, FLAG_DEFLATED } from './envelope.js';
import type { DecodeDrop } from './types.js';

/** Payloads below this go plain: deflate's own framing eats most of what it would save. */
export const DEFLATE_PAYLOAD_BYTES_MIN = 256;
/**
 * The most a deflated payload may grow when inflated. The states measured
 * shrink about 4x (33x when every member carries the same 400-byte
 * metadata); deflate reaches about 1,000x on runs of one byte, which only a
 * bomb has.
 */
export const DEFLATE_RATIO_MAX = 64;
/** Above this, the fastest level: a state of 20,000 large rows then deflates in tens of ms, not hundreds. */
const FAST_LEVEL_PAYLOAD_BYTES = 1024 * 1024;

/** `plain` (an unsealed, undeflated envelope) deflated when that makes it smaller; else `plain` itself. */
export function deflateEnvelope(plain: Uint8Array): Uint8Array {
  const payloadBytes = plain.length - ENVELOPE_BYTES;
  if (payloadBytes < DEFLATE_PAYLOAD_BYTES_MIN) return plain;
  const level = payloadBytes > FAST_LEVEL_PAYLOAD_BYTES ? 1 : 6;
  const packed = deflateRawSync(plain.subarray(ENVELOPE_BYTES), { level });
  if (packed.length >= payloadBytes || packed.length * DEFLATE_RATIO_MAX < payloadBytes) return plain;
  const out = new Uint8Array(ENVELOPE_BYTES + packed.length);
  out.set(plain.subarray(0, ENVELOPE_BYTES), 0);
  out[3] = (out[3] as number) | FLAG_DEFLATED;
  out.set(packed, ENVELOPE_BYTES);
  return out;
}

/**
 * The plain envelope of a deflated one (header checked by the caller), or a
 * drop: 'too-large' when the payload would inflate past `bytesMax` with its
 * header or past DEFLATE_RATIO_MAX times its deflated size, 'malformed' when
 * it is no raw deflate stream. Never throws.
 */
export function inflateEnvelope(bytes: Uint8Array, bytesMax: number): Uint8Array | DecodeDrop {
  const payloadBytesMax = Math.min(
    bytesMax - ENVELOPE_BYTES,
    (bytes.length - ENVELOPE_BYTES) * DEFLATE_RATIO_MAX,
  );
  if (payloadBytesMax < 1) return drop('too-large', 'no room for a payload');
  let payload: Uint8Array;
  try {
    payload = inflateRawSync(bytes.subarray(ENVELOPE_BYTES), { maxOutputLength: payloadBytesMax });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      return drop('too-large', `inflates past ${payloadBytesMax} bytes`);
    }
    return drop('malformed', 'not a raw deflate stream');
  }
  const out = new Uint8Array(ENVELOPE_BYTES + payload.length);
  out.set(bytes.subarray(0, ENVELOPE_BYTES), 0);
  out[3] = (out[3] as number) & ~FLAG_DEFLATED;
  out.set(payload, ENVELOPE_BYTES);
  return out;
}
