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

/** One value packed on its own, no header; the same bytes it takes inside a larger value. */
export function packValue(value: unknown): Uint8Array {
  const packed: Uint8Array = packr.pack(value);
  return new Uint8Array(packed.buffer, packed.byteOffset, packed.length);
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

/** Why `valueEnd` could not measure a value. */
export type ValueEndProblem = 'truncated' | 'over-bytes' | 'over-count' | 'unexpected-type';

/**
 * Where the msgpack value starting at `offset` ends, found by reading
 * headers only: nothing is allocated and no string is decoded. The value
 * must end within `bytesMax` bytes, no array or map inside it may declare
 * more than `countMax` entries, and the kinds the protocol never writes
 * (bin, ext, the unused 0xc1) are refused, so msgpackr is only ever handed
 * a value whose size and shape are already bounded.
 */
export function valueEnd(
  bytes: Uint8Array,
  offset: number,
  bytesMax: number,
  countMax: number,
): number | ValueEndProblem {
  const limit = Math.min(bytes.length, offset + bytesMax);
  const overrun = (end: number): ValueEndProblem => (end - offset > bytesMax ? 'over-bytes' : 'truncated');
  let position = offset;
  // Values still to read; an array or map adds its entries when its header is read.
  let pending = 1;
  while (pending > 0) {
    if (position >= limit) return overrun(position + 1);
    const token = bytes[position] as number;
    pending--;
    let headerBytes = 1;
    let bodyBytes = 0;
    let entries = 0;
    let valuesPerEntry = 1;
    if (token <= 0x7f || token >= 0xe0 || token === 0xc0 || token === 0xc2 || token === 0xc3) {
      // fixint, nil, booleans: the token is the value.
    } else if (token <= 0x8f) {
      entries = token & 0x0f;
      valuesPerEntry = 2;
    } else if (token <= 0x9f) {
      entries = token & 0x0f;
    } else if (token <= 0xbf) {
      bodyBytes = token & 0x1f;
    } else if (token === 0xca || token === 0xcb) {
      bodyBytes = token === 0xca ? 4 : 8;
    } else if (token >= 0xcc && token <= 0xd3) {
      bodyBytes = 1 << (token & 0x03);
    } else if (token >= 0xd9 && token <= 0xdf) {
      // str8/16/32, array16/32, map16/32: a big-endian length follows the token.
      const lengthBytes = token === 0xd9 ? 1 : token === 0xda || token === 0xdc || token === 0xde ? 2 : 4;
      headerBytes = 1 + lengthBytes;
      if (position + headerBytes > limit) return overrun(position + headerBytes);
      const length = readLength(bytes, position + 1, lengthBytes);
      if (token <= 0xdb) bodyBytes = length;
      else {
        entries = length;
        valuesPerEntry = token >= 0xde ? 2 : 1;
      }
    } else {
      return 'unexpected-type';
    }
    if (entries > countMax) return 'over-count';
    pending += entries * valuesPerEntry;
    position += headerBytes + bodyBytes;
    if (position > limit) return overrun(position);
  }
  return position;
}

function readLength(bytes: Uint8Array, offset: number, lengthBytes: number): number {
  if (lengthBytes === 1) return bytes[offset] as number;
  if (lengthBytes === 2) return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
  return readUint32BE(bytes, offset);
}

// Reused like payloadRange: read synchronously, never kept.
const valueRange = { start: 0, end: 0 };

/** Decodes the one value occupying bytes[start, end) (bounds found by valueEnd). */
export function unpackValue(bytes: Uint8Array, start: number, end: number): unknown {
  valueRange.start = start;
  valueRange.end = end;
  return unpackr.unpack(bytes, valueRange);
}
