/**
 * What a user event may be, the same for the sender and for the decoder: a
 * name an event handler filter (`user:NAME`) can select, a payload of bytes
 * within the configured bound, and a Lamport time that stays an exact integer.
 */
import { UserEventTooLargeError, ValidationError } from './errors.js';
import { utf8Bytes } from './limits.js';
import type { WireFormat } from './wire-format.js';

/** Longest event name in UTF-8 bytes; a `user:NAME` handler filter takes up to 128 characters. */
export const USER_EVENT_NAME_BYTES_MAX = 128;
/** Lamport times are safe integers, so they count exactly for as long as any cluster lives. */
export const USER_EVENT_LTIME_MAX = Number.MAX_SAFE_INTEGER;
/** The highest `userEventPayloadBytesMax` a config may set. */
export const USER_EVENT_PAYLOAD_BYTES_CEILING = 16_384;

/**
 * Whitespace and commas would make the name unselectable by a handler
 * filter (the filter list is comma-separated); control characters would
 * act on a terminal when the name is printed.
 */
const NAME_FORBIDDEN = /[\s,\p{Cc}]/u;

/** Why `name` is not a valid event name, or undefined when it is. */
export function userEventNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  // Every UTF-16 code unit is at least one UTF-8 byte: a long string fails before it is measured.
  if (name.length > USER_EVENT_NAME_BYTES_MAX || utf8Bytes(name) > USER_EVENT_NAME_BYTES_MAX) {
    return `must be at most ${USER_EVENT_NAME_BYTES_MAX} UTF-8 bytes`;
  }
  if (!name.isWellFormed()) return 'is not well-formed Unicode';
  if (NAME_FORBIDDEN.test(name)) return 'must not contain whitespace, commas or control characters';
  return undefined;
}

/**
 * The payload a caller gives as bytes: a string is taken as UTF-8, bytes
 * are copied so a later change by the caller cannot alter what was sent.
 * Throws ValidationError for a bad name or payload type and
 * UserEventTooLargeError over `payloadBytesMax`.
 */
export function checkUserEvent(name: unknown, payload: unknown, payloadBytesMax: number): Uint8Array {
  const problem = userEventNameProblem(name);
  if (problem !== undefined) throw new ValidationError(`event name ${problem}`);
  let bytes: Uint8Array;
  if (typeof payload === 'string') {
    if (!payload.isWellFormed()) throw new ValidationError('event payload is not well-formed Unicode');
    // Measured before encoding: an oversized string is refused without allocating its bytes.
    const length = utf8Bytes(payload);
    if (length > payloadBytesMax) throw new UserEventTooLargeError(length, payloadBytesMax);
    bytes = new TextEncoder().encode(payload);
  } else if (payload instanceof Uint8Array) {
    if (payload.length > payloadBytesMax) throw new UserEventTooLargeError(payload.length, payloadBytesMax);
    bytes = new Uint8Array(payload);
  } else {
    throw new ValidationError('event payload must be a string or a Uint8Array');
  }
  return bytes;
}

/**
 * The largest payload this node sends: `configuredMax`, lowered to what
 * fits one packet of `packetBytesMax` with the longest name and sender id
 * (the message sizes grow with the payload, so a bisection finds it).
 */
export function sendablePayloadBytesMax(
  configuredMax: number,
  packetBytesMax: number,
  wire: WireFormat,
): number {
  const fits = (payloadBytes: number) =>
    wire.packetBytesBound(wire.userEventBytesMax(payloadBytes)) <= packetBytesMax;
  if (fits(configuredMax)) return configuredMax;
  let low = 0;
  let high = configuredMax;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}
