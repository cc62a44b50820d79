/**
 * The one place that talks to msgpackr. Options are chosen so that the bytes
 * are predictable enough for `sizes.ts` to compute them without encoding:
 *
 * - `useRecords: false`: no record extension, and positive ints below 128
 *   stay one-byte fixints (with records msgpackr reserves 0x40..0x7f).
 * - `variableMapSize: true`: maps get the smallest header (fixmap/map16/map32)
 *   instead of an always-map16 placeholder.
 *
 * The decoder returns msgpack maps as `Map`s so that non-string keys stay
 * detectable and a "__proto__" key is not renamed (msgpackr does that when
 * decoding maps straight into objects); `fields.ts` turns them into plain
 * objects.
 */
import { Packr, RESERVE_START_SPACE, Unpackr } from 'msgpackr';
import { ENVELOPE_BYTES, readUint32BE, writeEnvelope } from './envelope.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false });

/**
 * Packs `payload` behind a header. msgpackr reserves the header space at the
 * front of its own output, so no bytes are copied: the result views
 * msgpackr's pooled buffer, which it never writes over again. The view is
 * re-made as a plain Uint8Array because a Buffer's `slice` shares memory
 * where a Uint8Array's copies, a trap for callers holding the declared type.
 */
export function packWithEnvelope(payload: unknown, label: number): Uint8Array {
  const packed: Uint8Array = packr.pack(payload, RESERVE_START_SPACE | ENVELOPE_BYTES);
  const out = new Uint8Array(packed.buffer, packed.byteOffset, packed.length);
  writeEnvelope(out, label);
  return out;
}

// Reused across calls: the range is read synchronously by `unpack` and never kept.
const payloadRange = { start: ENVELOPE_BYTES, end: 0 };

/**
 * Decodes the single msgpack value after the header; throws on anything but
 * exactly one value. msgpackr caches a DataView on `bytes` as a `dataView`
 * property; harmless, but visible to a caller that inspects the array.
 */
export function unpackPayload(bytes: Uint8Array): unknown {
  payloadRange.end = bytes.length;
  return unpackr.unpack(bytes, payloadRange);
}

/**
 * Element count of the msgpack array starting at `offset`, or -1 when the
 * bytes there are not an array header. Lets the decoder refuse an oversized
 * message list before msgpackr allocates for it.
 */
export function readArrayHeader(bytes: Uint8Array, offset: number): number {
  const token = bytes[offset];
  if (token === undefined) return -1;
  if (token >= 0x90 && token <= 0x9f) return token & 0x0f;
  if (token === 0xdc && offset + 3 <= bytes.length) return (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
  if (token === 0xdd && offset + 5 <= bytes.length) return readUint32BE(bytes, offset + 1);
  return -1;
}
