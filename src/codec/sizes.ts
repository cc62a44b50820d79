/**
 * Exact encoded sizes, computed without encoding so the core can fill a
 * packet up to `packetBytesMax` by arithmetic alone. Every function mirrors a
 * choice msgpackr makes with the options in `msgpack.ts`; the property tests
 * compare them against real encoder output.
 */
import type { Message } from '../core/messages.js';
import type { Metadata } from '../core/types.js';
import { ENVELOPE_BYTES } from './envelope.js';

/**
 * UTF-8 length as msgpackr writes it: a surrogate pair is 4 bytes and a lone
 * surrogate 3 (it becomes U+FFFD or its 3-byte WTF-8 form, both 3 bytes).
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

/** Header plus body of a msgpack str (fixstr, str8, str16, str32). */
export function stringBytes(text: string): number {
  const body = utf8Bytes(text);
  if (body < 0x20) return 1 + body;
  if (body < 0x100) return 2 + body;
  if (body < 0x1_0000) return 3 + body;
  return 5 + body;
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

/** Array and map headers share thresholds: fix form below 16 entries, then 16- and 32-bit counts. */
export function containerHeaderBytes(count: number): number {
  if (count < 0x10) return 1;
  if (count < 0x1_0000) return 3;
  return 5;
}

/** UTF-8 byte length of a metadata map as the codec counts it (sum of key and value bytes). */
export function metadataBytes(metadata: Metadata): number {
  let bytes = 0;
  for (const key in metadata) {
    if (!Object.hasOwn(metadata, key)) continue;
    bytes += utf8Bytes(key) + utf8Bytes(metadata[key]!);
  }
  return bytes;
}

/** The metadata field as encoded: a map of own enumerable string keys (what msgpackr's Object.keys sees). */
export function metadataFieldBytes(metadata: Metadata): number {
  let count = 0;
  let bytes = 0;
  for (const key in metadata) {
    if (!Object.hasOwn(metadata, key)) continue;
    count++;
    bytes += stringBytes(key) + stringBytes(metadata[key]!);
  }
  return containerHeaderBytes(count) + bytes;
}

// Every message tuple has at most 7 elements, so its header is one fixarray
// byte, and every type code is one fixint byte.
const TUPLE_OVERHEAD = 2;

/** Exact number of bytes `message` adds inside a packet's message array. Pure arithmetic, no encoding. */
export function messageBytes(message: Message): number {
  switch (message.type) {
    case 'ping':
      return (
        TUPLE_OVERHEAD +
        numberBytes(message.seq) +
        stringBytes(message.targetId) +
        stringBytes(message.fromId) +
        numberBytes(message.viewId)
      );
    case 'ack':
      return TUPLE_OVERHEAD + numberBytes(message.seq) + numberBytes(message.viewId);
    case 'nack':
      return TUPLE_OVERHEAD + numberBytes(message.seq);
    case 'ping-req':
      return (
        TUPLE_OVERHEAD +
        numberBytes(message.seq) +
        stringBytes(message.targetId) +
        stringBytes(message.targetAddress) +
        stringBytes(message.fromId)
      );
    case 'alive':
      return (
        TUPLE_OVERHEAD +
        stringBytes(message.id) +
        stringBytes(message.address) +
        numberBytes(message.incarnation) +
        numberBytes(message.threads) +
        metadataFieldBytes(message.metadata) +
        numberBytes(message.viewDelayMs)
      );
    case 'suspect':
      return (
        TUPLE_OVERHEAD +
        stringBytes(message.id) +
        numberBytes(message.incarnation) +
        stringBytes(message.fromId)
      );
    case 'dead':
      return (
        TUPLE_OVERHEAD +
        stringBytes(message.id) +
        numberBytes(message.incarnation) +
        stringBytes(message.fromId) +
        numberBytes(message.viewDelayMs)
      );
    case 'left':
      return (
        TUPLE_OVERHEAD +
        stringBytes(message.id) +
        numberBytes(message.incarnation) +
        numberBytes(message.viewDelayMs)
      );
  }
}

/** Exact bytes of a packet holding `count` messages whose messageBytes sum to `payloadBytes`. */
export function packetBytes(count: number, payloadBytes: number): number {
  return ENVELOPE_BYTES + containerHeaderBytes(count) + payloadBytes;
}
