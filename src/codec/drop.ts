/** Building drop results, including from whatever a decoder threw. */
import { FieldError } from './fields.js';
import type { DecodeDrop, DecodeDropReason } from './types.js';

const DETAIL_CHARS_MAX = 160;

export function drop(reason: DecodeDropReason, detail?: string): DecodeDrop {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
}

/**
 * A FieldError is a schema violation; anything else thrown while decoding
 * (msgpackr's truncation, trailing-bytes or unknown-token errors, or a bug)
 * means the bytes could not be read as msgpack at all.
 */
export function dropFromError(error: unknown): DecodeDrop {
  if (error instanceof FieldError) return drop('invalid-field', error.message);
  const text = error instanceof Error ? error.message : String(error);
  return drop('malformed', text.slice(0, DETAIL_CHARS_MAX));
}
