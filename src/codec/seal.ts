/**
 * AES-256-GCM sealing of one envelope (node:crypto). On the wire:
 *
 *   header (8, flags bit 0 set) || nonce (12) || ciphertext || tag (16)
 *
 * where the ciphertext covers the sender's wall-clock time (8 bytes, uint64
 * big-endian ms, read by the replay guard) followed by the msgpack payload,
 * and the header is the additional authenticated data: its label and
 * version stay readable for cheap filtering but cannot be altered.
 *
 * The timestamp is as long as the header on purpose: an unsealed envelope is
 * header || payload, a sealed one opens to timestamp || payload, so sealing
 * and opening swap those 8 bytes in place instead of copying the payload.
 */
import { createCipheriv, createDecipheriv, type KeyObject, randomFillSync } from 'node:crypto';
import { ENVELOPE_BYTES, FLAG_ENCRYPTED } from './envelope.js';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const TIMESTAMP_BYTES = ENVELOPE_BYTES;
/** What sealing adds to every packet and state: the wire format's `sealBytes`. */
export const SEAL_BYTES = NONCE_BYTES + TIMESTAMP_BYTES + TAG_BYTES;

const ALGORITHM = 'aes-256-gcm';
const TWO_TO_32 = 2 ** 32;

/**
 * Seals an unsealed envelope (header || payload) under `key`. `plain` is
 * consumed: its header bytes are overwritten with the timestamp.
 */
export function seal(plain: Uint8Array, key: KeyObject, sentAtMs: number): Uint8Array {
  const header = Uint8Array.from(plain.subarray(0, ENVELOPE_BYTES));
  header[3] = (header[3] ?? 0) | FLAG_ENCRYPTED;
  writeTimestamp(plain, sentAtMs);
  const out = new Uint8Array(plain.length + SEAL_BYTES);
  out.set(header, 0);
  const nonce = out.subarray(ENVELOPE_BYTES, ENVELOPE_BYTES + NONCE_BYTES);
  randomFillSync(nonce);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  const body = cipher.update(plain);
  const rest = cipher.final();
  let at = ENVELOPE_BYTES + NONCE_BYTES;
  out.set(body, at);
  at += body.length;
  out.set(rest, at);
  at += rest.length;
  out.set(cipher.getAuthTag(), at);
  return out;
}

export interface Opened {
  /** header (flags cleared) || payload: what the unsealed decoders read. */
  readonly plain: Uint8Array;
  readonly sentAtMs: number;
  /** The nonce, for the replay guard. */
  readonly nonce: Uint8Array;
}

/**
 * Opens a sealed envelope with the first key whose tag verifies, or returns
 * undefined when none does (forged, altered, truncated or another key). The
 * caller has checked the header and the length bound.
 */
export function open(sealed: Uint8Array, keys: readonly KeyObject[]): Opened | undefined {
  if (sealed.length < ENVELOPE_BYTES + SEAL_BYTES) return undefined;
  const header = sealed.subarray(0, ENVELOPE_BYTES);
  const nonce = sealed.subarray(ENVELOPE_BYTES, ENVELOPE_BYTES + NONCE_BYTES);
  const tagAt = sealed.length - TAG_BYTES;
  const body = sealed.subarray(ENVELOPE_BYTES + NONCE_BYTES, tagAt);
  const tag = sealed.subarray(tagAt);
  for (const key of keys) {
    const plain = tryOpen(key, header, nonce, body, tag);
    if (plain === undefined) continue;
    const sentAtMs = readTimestamp(plain);
    plain.set(header, 0);
    plain[3] = (plain[3] ?? 0) & ~FLAG_ENCRYPTED;
    return { plain, sentAtMs, nonce };
  }
  return undefined;
}

function tryOpen(
  key: KeyObject,
  header: Uint8Array,
  nonce: Uint8Array,
  body: Uint8Array,
  tag: Uint8Array,
): Uint8Array | undefined {
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  try {
    const first = decipher.update(body);
    const last = decipher.final();
    if (last.length === 0) return new Uint8Array(first.buffer, first.byteOffset, first.length);
    const whole = new Uint8Array(first.length + last.length);
    whole.set(first);
    whole.set(last, first.length);
    return whole;
  } catch {
    // final() throws exactly when the tag does not verify.
    return undefined;
  }
}

function writeTimestamp(target: Uint8Array, ms: number): void {
  const whole = Math.max(0, Math.floor(ms));
  const high = Math.floor(whole / TWO_TO_32);
  const low = whole % TWO_TO_32;
  const view = new DataView(target.buffer, target.byteOffset, TIMESTAMP_BYTES);
  view.setUint32(0, high);
  view.setUint32(4, low);
}

function readTimestamp(source: Uint8Array): number {
  const view = new DataView(source.buffer, source.byteOffset, TIMESTAMP_BYTES);
  return view.getUint32(0) * TWO_TO_32 + view.getUint32(4);
}
