/**
 * The rules for a member id and a metadata map, in one place: the core, the
 * library's options (network and static mode alike) and the wire decoder all
 * apply them, so a value one of them accepts, the others accept too.
 */

import { MetadataTooLargeError, ValidationError } from './errors.js';
import { ID_BYTES_MAX, METADATA_KEYS_MAX, metadataBytes, utf8Bytes } from './limits.js';
import type { Metadata } from './types.js';

/** C0 controls (ESC among them), DEL and C1 controls: a terminal acts on them when an id is printed. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}

/** Why `id` is not a valid member id ("must be a non-empty string", ...), or undefined when it is one. */
export function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id.length === 0) return 'must be a non-empty string';
  // Every UTF-16 code unit is at least one UTF-8 byte, so a long string fails before it is measured.
  if (id.length > ID_BYTES_MAX || utf8Bytes(id) > ID_BYTES_MAX) {
    return `must be at most ${ID_BYTES_MAX} UTF-8 bytes`;
  }
  // A lone surrogate would become U+FFFD on the wire: peers would know the member by another id.
  if (!id.isWellFormed()) return 'is not well-formed Unicode';
  if (hasControlCharacter(id)) return 'contains a control character';
  return undefined;
}

/** Returns `id` when it is a valid member id; otherwise throws a ValidationError naming `what`. */
export function validateId(id: unknown, what = 'id'): string {
  const problem = idProblem(id);
  if (problem !== undefined) throw new ValidationError(`${what} ${problem}`);
  return id as string;
}

/**
 * Checks that `metadata` is a flat map of well-formed strings with at most
 * METADATA_KEYS_MAX keys and `bytesMax` encoded bytes; returns a frozen copy.
 * Over the byte limit it throws MetadataTooLargeError, otherwise ValidationError.
 */
export function validateMetadata(metadata: unknown, bytesMax: number): Metadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new ValidationError('metadata must be an object of strings');
  }
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_KEYS_MAX) {
    throw new ValidationError(`metadata has ${entries.length} keys, over ${METADATA_KEYS_MAX}`);
  }
  const copy: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new ValidationError(`metadata "${key}" must be a string`);
    if (!key.isWellFormed() || !value.isWellFormed()) {
      throw new ValidationError(`metadata "${key}" is not well-formed Unicode`);
    }
    copy[key] = value;
  }
  const bytes = metadataBytes(copy);
  if (bytes > bytesMax) throw new MetadataTooLargeError(bytes, bytesMax);
  return Object.freeze(copy);
}
