/**
 * Field readers for decoded msgpack values. Each returns the value in its
 * protocol type or throws FieldError; the decoders turn that into an
 * 'invalid-field' drop, so a reader never needs to return a failure value.
 */
import { isIpAddress } from '../core/address.js';
import { MeshError } from '../core/errors.js';
import { utf8Bytes } from '../core/limits.js';
import type { Metadata } from '../core/types.js';
import { USER_EVENT_LTIME_MAX, userEventNameProblem } from '../core/user-events-rules.js';
import { idProblem } from '../core/validation.js';
import { INTERNED_ADDRESSES, INTERNED_IDS } from './interned.js';
import { INCARNATION_MAX, METADATA_KEYS_MAX, THREADS_MAX, UINT32_MAX, VIEW_DELAY_MS_MAX } from './limits.js';

/** A well-formed value that breaks the schema. */
export class FieldError extends MeshError {
  constructor(message: string) {
    super('ERR_MESH_FIELD', message);
  }
}

function readInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldError(`${field} must be an integer in ${min}..${max}`);
  }
  // A float64 -0 on the wire passes the checks above; normalise it so equal values compare equal.
  return value + 0;
}

/** seq, viewId. */
export function readUint32(value: unknown, field: string): number {
  return readInteger(value, field, 0, UINT32_MAX);
}

export function readIncarnation(value: unknown): number {
  return readInteger(value, 'incarnation', 0, INCARNATION_MAX);
}

export function readThreads(value: unknown): number {
  return readInteger(value, 'threads', 1, THREADS_MAX);
}

export function readViewDelay(value: unknown): number {
  return readInteger(value, 'viewDelayMs', 0, VIEW_DELAY_MS_MAX);
}

/** A member id, held to the same rules as a local one (length, Unicode, no control characters). */
export function readId(value: unknown, field: string): string {
  if (typeof value === 'string') {
    const known = INTERNED_IDS.find(value);
    if (known !== undefined) return known;
  }
  const problem = idProblem(value);
  if (problem !== undefined) throw new FieldError(`${field} ${problem}`);
  return INTERNED_IDS.keep(value as string);
}

/** An address from the wire: an IP literal and a port, never a name to look up (see isIpAddress). */
export function readAddress(value: unknown, field: string): string {
  if (typeof value === 'string') {
    const known = INTERNED_ADDRESSES.find(value);
    if (known !== undefined) return known;
  }
  if (typeof value !== 'string' || !isIpAddress(value)) {
    throw new FieldError(`${field} is not an IP address with a port`);
  }
  return INTERNED_ADDRESSES.keep(value);
}

export function readBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new FieldError(`${field} must be a boolean`);
  return value;
}

/**
 * The metadata of every member that has none, shared: a node keeps a row per
 * member, so a hundred nodes in one process kept ten thousand empty objects.
 */
const NO_METADATA: Metadata = Object.freeze({});

/**
 * Metadata arrives as a Map (see msgpack.ts). Only string keys and values are
 * accepted, and the byte budget is checked while iterating so an oversized
 * map stops early. A record-extension object is not a Map and is refused.
 */
export function readMetadata(value: unknown, metadataBytesMax: number): Metadata {
  if (!(value instanceof Map)) throw new FieldError('metadata must be a map');
  if (value.size > METADATA_KEYS_MAX) throw new FieldError(`metadata has over ${METADATA_KEYS_MAX} keys`);
  if (value.size === 0) return NO_METADATA;
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [key, entry] of value) {
    if (typeof key !== 'string' || typeof entry !== 'string') {
      throw new FieldError('metadata keys and values must be strings');
    }
    bytes += utf8Bytes(key) + utf8Bytes(entry);
    if (bytes > metadataBytesMax) throw new FieldError(`metadata is over ${metadataBytesMax} bytes`);
    if (key === '__proto__') {
      // Plain assignment would set the prototype instead of an own key.
      Object.defineProperty(metadata, key, {
        value: entry,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      metadata[key] = entry;
    }
  }
  return metadata;
}

/** A tuple of exactly `length` elements; extra or missing fields are a schema error. */
export function readTuple(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new FieldError(`${what} must be an array of ${length} elements`);
  }
  return value;
}

export function readUserEventName(value: unknown): string {
  const problem = userEventNameProblem(value);
  if (problem !== undefined) throw new FieldError(`event name ${problem}`);
  return value as string;
}

/**
 * An event payload arrives as a view into the packet (msgpackr does not
 * copy bin values), so its length is checked before anything is allocated
 * for it; the copy made afterwards keeps the packet buffer from being held.
 */
export function readUserEventPayload(value: unknown, payloadBytesMax: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new FieldError('event payload must be bytes');
  if (value.length > payloadBytesMax) throw new FieldError(`event payload is over ${payloadBytesMax} bytes`);
  return new Uint8Array(value);
}

export function readUserEventLtime(value: unknown): number {
  return readInteger(value, 'ltime', 0, USER_EVENT_LTIME_MAX);
}
