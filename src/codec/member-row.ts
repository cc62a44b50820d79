/**
 * One member's row in a full state, and the largest row any valid member
 * can have. The state's encoder, its decoder and its sizer all use these,
 * so the layout and its size bound live here alone:
 *
 *   [id, address, incarnation, stateCode, threads, metadata, viewDelayMs]
 *
 * stateCode: 0 alive, 1 suspect, 2 dead, 3 left.
 */
import { ADDRESS_CHARS_MAX } from '../core/address.js';
import { ID_BYTES_MAX, INCARNATION_MAX, THREADS_MAX, VIEW_DELAY_MS_MAX } from '../core/limits.js';
import type { MemberSnapshot } from '../core/types.js';
import { MEMBER_STATES, memberStateCode } from './codes.js';
import {
  FieldError,
  readAddress,
  readId,
  readIncarnation,
  readMetadata,
  readThreads,
  readTuple,
  readViewDelay,
} from './fields.js';
import { METADATA_KEYS_MAX } from './limits.js';
import { containerHeaderBytes, stringsBytesMax, valueBytes } from './sizes.js';

export const MEMBER_ROW_FIELDS = 7;

/**
 * The longest id, and an address of the longest text an address may have:
 * the worst case of every size bound. (The wire takes only IP literals, at
 * most 118 characters with a zone; the bounds keep the 262 of a name, which
 * leaves them an upper bound.)
 */
export const LONGEST_ID = 'i'.repeat(ID_BYTES_MAX);
export const LONGEST_ADDRESS = `${'h'.repeat(ADDRESS_CHARS_MAX - ':65535'.length)}:65535`;

export function memberToRow(member: MemberSnapshot): unknown[] {
  return [
    member.id,
    member.address,
    member.incarnation,
    memberStateCode(member.state),
    member.threads,
    member.metadata,
    member.viewDelayMs,
  ];
}

/** A decoded row as a member; throws FieldError on any field out of the schema. */
export function rowToMember(value: unknown, metadataBytesMax: number): MemberSnapshot {
  const row = readTuple(value, MEMBER_ROW_FIELDS, 'member');
  const stateCode = row[3];
  const state = typeof stateCode === 'number' ? MEMBER_STATES[stateCode] : undefined;
  if (state === undefined) throw new FieldError('member state code must be 0..3');
  return {
    id: readId(row[0], 'id'),
    address: readAddress(row[1], 'address'),
    incarnation: readIncarnation(row[2]),
    state,
    threads: readThreads(row[4]),
    metadata: readMetadata(row[5], metadataBytesMax),
    viewDelayMs: readViewDelay(row[6]),
  };
}

/** Bytes of the largest metadata map within `metadataBytesMax`: every key, every header at its worst. */
export function metadataBytesBound(metadataBytesMax: number): number {
  return containerHeaderBytes(METADATA_KEYS_MAX) + stringsBytesMax(2 * METADATA_KEYS_MAX, metadataBytesMax);
}

/**
 * Bytes of the largest row a valid member can have when metadata is at most
 * `metadataBytesMax`: an upper bound, never below the real size of a row
 * this codec writes, so the decoder can refuse a larger one unread.
 */
export function memberRowBytesMax(metadataBytesMax: number): number {
  const longest = memberToRow({
    id: LONGEST_ID,
    address: LONGEST_ADDRESS,
    incarnation: INCARNATION_MAX,
    state: 'alive',
    threads: THREADS_MAX,
    metadata: {},
    viewDelayMs: VIEW_DELAY_MS_MAX,
  });
  return valueBytes(longest) - valueBytes({}) + metadataBytesBound(metadataBytesMax);
}
