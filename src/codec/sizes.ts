/**
 * Exact encoded sizes of msgpack values, computed without encoding. Every
 * function mirrors a choice msgpackr makes with the options in `msgpack.ts`;
 * the property tests compare them against real encoder output. Nothing here
 * knows the protocol's layout: `wire-format.ts` sizes messages by sizing the
 * very tuples the encoder writes.
 */
import { utf8Bytes } from '../core/limits.js';

/** Header plus body of a msgpack str (fixstr, str8, str16, str32). */
export function stringBytes(text: string): number {
  const body = utf8Bytes(text);
  return stringHeaderBytes(body) + body;
}

/** The str header for a body of `bodyBytes`. */
export function stringHeaderBytes(bodyBytes: number): number {
  if (bodyBytes < 0x20) return 1;
  if (bodyBytes < 0x100) return 2;
  if (bodyBytes < 0x1_0000) return 3;
  return 5;
}

/**
 * A number as msgpackr writes it: uint32-representable values take the
 * smallest unsigned form, int32 the smallest signed form, anything else a
 * float64. Protocol fields are all in the first group.
 */
export function numberBytes(value: number): number {
  if (value >>> 0 === value) {
    if (value < 0x80) return 1;
    if (value < 0x100) return 2;
    if (value < 0x1_0000) return 3;
    return 5;
  }
  if (value >> 0 === value) {
    if (value >= -0x20) return 1;
    if (value >= -0x80) return 2;
    if (value >= -0x8000) return 3;
    return 5;
  }
  return 9;
}

/** The bin header for `length` bytes (bin8, bin16, bin32): msgpackr writes a Uint8Array as bin. */
export function binHeaderBytes(length: number): number {
  if (length < 0x100) return 2;
  if (length < 0x1_0000) return 3;
  return 5;
}

/** Array and map headers share thresholds: fix form below 16 entries, then 16- and 32-bit counts. */
export function containerHeaderBytes(count: number): number {
  if (count < 0x10) return 1;
  if (count < 0x1_0000) return 3;
  return 5;
}

/**
 * Bytes of one value of the kinds the codec writes: numbers, strings,
 * booleans, bytes (Uint8Array), arrays, and plain objects (written as maps of their own
 * enumerable string keys, which is what msgpackr's Object.keys sees).
 */
export function valueBytes(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return numberBytes(value);
    case 'string':
      return stringBytes(value);
    case 'boolean':
      return 1;
    case 'object': {
      if (value === null) return 1;
      if (value instanceof Uint8Array) return binHeaderBytes(value.length) + value.length;
      if (Array.isArray(value)) {
        let bytes = containerHeaderBytes(value.length);
        for (let i = 0; i < value.length; i++) bytes += valueBytes(value[i]);
        return bytes;
      }
      return mapBytes(value as Readonly<Record<string, unknown>>);
    }
    default:
      throw new TypeError(`the codec writes no ${typeof value} values`);
  }
}

function mapBytes(map: Readonly<Record<string, unknown>>): number {
  let count = 0;
  let bytes = 0;
  for (const key in map) {
    if (!Object.hasOwn(map, key)) continue;
    count++;
    bytes += stringBytes(key) + valueBytes(map[key]);
  }
  return containerHeaderBytes(count) + bytes;
}

/**
 * An upper bound on the bytes of `count` strings holding `bodyBytes` UTF-8
 * bytes between them: every string pays the smallest header, and each
 * larger header class costs at least its threshold in body bytes.
 */
export function stringsBytesMax(count: number, bodyBytes: number): number {
  let bytes = bodyBytes + count * stringHeaderBytes(0);
  let previous = stringHeaderBytes(0);
  for (const threshold of [0x20, 0x100, 0x1_0000]) {
    const header = stringHeaderBytes(threshold);
    bytes += Math.min(count, Math.floor(bodyBytes / threshold)) * (header - previous);
    previous = header;
  }
  return bytes;
}
