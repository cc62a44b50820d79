/**
 * The fixed 8-byte header in front of every packet and state payload:
 *
 *   0-1  magic 0x4D 0x4E ("MN")
 *   2    protocol version (1)
 *   3    flags; bit 0 = encrypted payload, bit 1 = raw-deflated payload (states only)
 *   4-7  cluster label, uint32 big-endian
 *
 * It is checked with plain byte comparisons before any msgpack decoding, so
 * foreign and garbage traffic costs a handful of reads to drop.
 *
 * Encryption (seal.ts): with bit 0 set, the bytes after this header are
 * nonce || AES-GCM(timestamp || msgpack payload) || tag, with the header
 * itself as the additional authenticated data, so the label and version stay
 * readable for cheap filtering but cannot be altered. A codec without keys
 * drops such input as 'no-key'; any other non-zero flag is dropped as
 * 'unsupported-flags' rather than misread as plaintext.
 */
import type { DecodeDropReason } from './types.js';

export const ENVELOPE_BYTES = 8;
export const MAGIC_0 = 0x4d;
export const MAGIC_1 = 0x4e;
export const PROTOCOL_VERSION = 1;
export const FLAG_ENCRYPTED = 0x01;
/** A state frame whose payload is raw deflate (state-deflate.ts); never set on a packet. */
export const FLAG_DEFLATED = 0x02;

/** Writes the header into the first ENVELOPE_BYTES of `target` (space reserved by the packer). */
export function writeEnvelope(target: Uint8Array, label: number): void {
  target[0] = MAGIC_0;
  target[1] = MAGIC_1;
  target[2] = PROTOCOL_VERSION;
  target[3] = 0;
  target[4] = label >>> 24;
  target[5] = (label >>> 16) & 0xff;
  target[6] = (label >>> 8) & 0xff;
  target[7] = label & 0xff;
}

/** Big-endian uint32 at `offset`; the caller checks that four bytes are there. */
export function readUint32BE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  );
}

/**
 * Returns why the header rejects `bytes`, flags aside, or undefined. The
 * label is compared before the flags are looked at so that an encrypted
 * packet from another cluster is reported as foreign, the more useful cause.
 */
export function checkHeader(
  bytes: Uint8Array,
  label: number,
  bytesMax: number,
): DecodeDropReason | undefined {
  if (bytes.length < ENVELOPE_BYTES) return 'too-short';
  if (bytes.length > bytesMax) return 'too-large';
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) return 'bad-magic';
  if (bytes[2] !== PROTOCOL_VERSION) return 'bad-version';
  if (readUint32BE(bytes, 4) !== label >>> 0) return 'foreign-cluster';
  return undefined;
}

/** Returns why an unsealing decoder rejects `bytes`, or undefined when the payload may be decoded. */
export function checkEnvelope(
  bytes: Uint8Array,
  label: number,
  bytesMax: number,
): DecodeDropReason | undefined {
  const rejected = checkHeader(bytes, label, bytesMax);
  if (rejected !== undefined) return rejected;
  if (bytes[3] === 0) return undefined;
  return bytes[3] === FLAG_ENCRYPTED ? 'no-key' : 'unsupported-flags';
}
