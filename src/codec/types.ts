/**
 * Result and limit shapes of the codec. Decoding never throws: every way a
 * packet can be unusable maps to one of these reasons so the runtime can
 * count drops by cause.
 */
import type { Message, StateMessage } from '../core/messages.js';

/**
 * Why an input was dropped.
 *
 * - `malformed`: the payload is not exactly one well-formed msgpack value of
 *   the expected container kind (truncated, trailing bytes, not an array).
 * - `invalid-field`: well-formed msgpack that breaks the schema (unknown type
 *   code, wrong number of fields, a field of the wrong type or out of range).
 */
export type DecodeDropReason =
  | 'too-short'
  | 'bad-magic'
  | 'bad-version'
  | 'foreign-cluster'
  | 'unsupported-flags'
  | 'too-large'
  | 'malformed'
  | 'invalid-field'
  | 'too-many-messages';

export type PacketDecodeResult =
  | { ok: true; messages: Message[] }
  | { ok: false; reason: DecodeDropReason; detail?: string };

export type StateDecodeResult =
  | { ok: true; state: StateMessage }
  | { ok: false; reason: DecodeDropReason; detail?: string };

export interface DecodeLimits {
  packetBytesMax: number;
  metadataBytesMax: number;
  /** Default 256. */
  messagesMax?: number;
}

export interface StateDecodeLimits {
  stateBytesMax: number;
  membersMax: number;
  metadataBytesMax: number;
}

export type DecodeDrop = { ok: false; reason: DecodeDropReason; detail?: string };
