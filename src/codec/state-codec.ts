/**
 * Full state for push-pull over the reliable stream (the transport adds its
 * own length prefix). Payload after the header:
 *
 *   [8, join, fromId, [row, ...], eventLtime]     (rows: member-row.ts)
 *   [8, join, fromId, [row, ...], eventLtime, bucketCount, [bucket, ...]]
 *
 * eventLtime (the user-event Lamport clock) is left out when the state has
 * none, and a state without it is accepted: nodes that predate user events
 * still sync. The second form is a partial state (StateMessage.scope): the
 * rows of some digest buckets only (state-digest.ts).
 *
 * Decoding reads the headers itself before msgpackr sees anything: the row
 * count is checked against membersMax, and each row's extent against the
 * largest row a valid member can have, without allocating. A state that
 * claims millions of rows, or one row of many megabytes, is thus refused
 * after reading a few bytes. Rows are then decoded one bounded value at a
 * time, so the work can be split into steps (StateDecoder).
 */
import type { StateMessage, StateScope } from '../core/messages.js';
import { DIGEST_BUCKETS_MAX, isDigestBucketCount } from '../core/state-digest.js';
import type { MemberSnapshot } from '../core/types.js';
import { TYPE_STATE } from './codes.js';
import { drop, dropFromError } from './drop.js';
import { checkEnvelope, ENVELOPE_BYTES } from './envelope.js';
import { FieldError, readBoolean, readId, readUserEventLtime } from './fields.js';
import { ID_BYTES_MAX, METADATA_KEYS_MAX } from './limits.js';
import { MEMBER_ROW_FIELDS, memberRowBytesMax, memberToRow, rowToMember } from './member-row.js';
import {
  packValue,
  packWithEnvelope,
  readArrayHeader,
  unpackValue,
  type ValueEndProblem,
  valueEnd,
} from './msgpack.js';
import { containerHeaderBytes } from './sizes.js';
import type { DecodeDrop, StateDecodeLimits, StateDecodeResult } from './types.js';

export { memberToRow } from './member-row.js';

/** A state's fields: four, a fifth (eventLtime) when the sender has a user-event clock, seven with a scope. */
const STATE_FIELDS_MIN = 4;
const STATE_FIELDS_WITH_LTIME = 5;
const STATE_FIELDS_SCOPED = 7;
/** The largest eventLtime: a 9-byte msgpack number. */
const EVENT_LTIME_BYTES_MAX = 9;
/** The largest scope: a fixint bucket count, then an array header and a fixint per bucket. */
const SCOPE_BYTES_MAX = 1 + 3 + DIGEST_BUCKETS_MAX;
/** The three fields before the rows (type, join, fromId) fit in this many bytes. */
const HEAD_FIELDS_BYTES_MAX = 1 + 1 + 5 + 4 * ID_BYTES_MAX;
/** Entries any container inside a row may declare: the row itself, or metadata. */
const ROW_ENTRIES_MAX = Math.max(MEMBER_ROW_FIELDS, METADATA_KEYS_MAX);
/** The smallest row: a fixarray of 7 one-byte values. A count beyond bytes/this cannot be true. */
const ROW_BYTES_MIN = 1 + MEMBER_ROW_FIELDS;

/** The payload of a state around its member rows. */
export function stateToTuple(state: StateMessage, rows: readonly unknown[]): unknown[] {
  const tuple: unknown[] = [TYPE_STATE, state.join, state.fromId, rows];
  const { scope } = state;
  if (state.eventLtime !== undefined || scope !== undefined) tuple.push(state.eventLtime ?? 0);
  if (scope !== undefined) tuple.push(scope.bucketCount, scope.buckets);
  return tuple;
}

/** Bytes after the rows: the packed eventLtime and scope, if any. */
function trailerBytes(state: StateMessage): number {
  const tuple = stateToTuple(state, []);
  let bytes = 0;
  for (let i = 4; i < tuple.length; i++) bytes += packValue(tuple[i]).length;
  return bytes;
}

/** Full state for push-pull over TCP. */
export function encodeState(state: StateMessage, label: number): Uint8Array {
  const members = state.members;
  const rows = new Array<unknown[]>(members.length);
  for (let i = 0; i < members.length; i++) rows[i] = memberToRow(members[i]!);
  return packWithEnvelope(stateToTuple(state, rows), label);
}

/**
 * A state encoded a bounded number of rows at a time, to the very bytes
 * encodeState writes: the head (envelope, fields, row-count header), then
 * each slice of rows packed as an array whose own header is left out, since
 * rows inside the state's array are just their values one after another.
 */
export class StateEncoder {
  private readonly members: readonly MemberSnapshot[];
  private readonly parts: Uint8Array[] = [];
  /** What follows the rows (the packed eventLtime, if any). */
  private readonly trailer: Uint8Array;
  private rowsEncoded = 0;

  constructor(state: StateMessage, label: number) {
    this.members = state.members;
    const empty = packWithEnvelope(stateToTuple(state, []), label);
    const rowsAt = empty.length - trailerBytes(state) - 1;
    // Without its empty rows array (one byte, 0x90), then the real count's header.
    this.parts.push(empty.subarray(0, rowsAt), arrayHeader(state.members.length));
    this.trailer = empty.subarray(rowsAt + 1);
  }

  /** Encodes up to `rowsMax` more rows: the whole state once every row is in, else undefined. */
  next(rowsMax: number): Uint8Array | undefined {
    const end = Math.min(this.members.length, this.rowsEncoded + rowsMax);
    if (end > this.rowsEncoded) {
      const rows = new Array<unknown[]>(end - this.rowsEncoded);
      for (let i = this.rowsEncoded; i < end; i++) rows[i - this.rowsEncoded] = memberToRow(this.members[i]!);
      const packed = packValue(rows);
      this.parts.push(packed.subarray(containerHeaderBytes(rows.length)));
      this.rowsEncoded = end;
    }
    if (this.rowsEncoded < this.members.length) return undefined;
    this.parts.push(this.trailer);
    let length = 0;
    for (const part of this.parts) length += part.length;
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

/** A msgpack array header for `count` entries, as msgpackr writes it. */
function arrayHeader(count: number): Uint8Array {
  if (count < 0x10) return Uint8Array.of(0x90 | count);
  if (count < 0x1_0000) return Uint8Array.of(0xdc, count >> 8, count & 0xff);
  return Uint8Array.of(0xdd, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff);
}

/**
 * Never throws. More members than `membersMax` is reported as
 * 'too-many-messages' (each member row is the state's unit of content).
 */
export function decodeState(bytes: Uint8Array, label: number, limits: StateDecodeLimits): StateDecodeResult {
  const decoder = StateDecoder.start(bytes, label, limits);
  if (!(decoder instanceof StateDecoder)) return decoder;
  let result: StateDecodeResult | undefined;
  while (result === undefined) result = decoder.next(Number.POSITIVE_INFINITY);
  return result;
}

function problemDrop(problem: ValueEndProblem, what: string, bytesMax: number): DecodeDrop {
  switch (problem) {
    case 'truncated':
      return drop('malformed', `${what} is truncated`);
    case 'over-bytes':
      return drop('invalid-field', `${what} is over ${bytesMax} bytes`);
    case 'over-count':
      return drop('invalid-field', `${what} holds a container of over ${ROW_ENTRIES_MAX} entries`);
    case 'unexpected-type':
      return drop('invalid-field', `${what} holds a msgpack type the protocol never writes`);
  }
}

/** What the bytes before the rows say. */
interface StateHead {
  /** 4, 5 with the eventLtime after the rows, 7 with a scope after it. */
  readonly fields: number;
  readonly join: boolean;
  readonly fromId: string;
  readonly rows: number;
  /** Where the first row starts. */
  readonly position: number;
}

/**
 * Bytes that always hold a valid state's head (envelope, fields, row-count
 * header: under 150); a transport can check a state frame once this many of
 * its bytes have arrived (checkStateHead).
 */
export const STATE_HEAD_BYTES = 256;

/**
 * Reads the head of a state of `totalBytes` from `bytes`, its whole or its
 * first STATE_HEAD_BYTES at least. Refuses a state too large, a row count
 * over membersMax, or a size the declared rows cannot have (fewer bytes
 * than the smallest rows take, more than the largest can).
 */
function readHead(
  bytes: Uint8Array,
  totalBytes: number,
  label: number,
  limits: StateDecodeLimits,
): StateHead | DecodeDrop {
  try {
    if (totalBytes > limits.stateBytesMax) return drop('too-large');
    const rejected = checkEnvelope(bytes, label, Number.POSITIVE_INFINITY);
    if (rejected !== undefined) return drop(rejected);
    const fields = readArrayHeader(bytes, ENVELOPE_BYTES);
    if (fields < 0) return drop('malformed', 'payload is not an array');
    if (fields !== STATE_FIELDS_MIN && fields !== STATE_FIELDS_WITH_LTIME && fields !== STATE_FIELDS_SCOPED) {
      return drop(
        'invalid-field',
        `state must be an array of ${STATE_FIELDS_MIN}, ${STATE_FIELDS_WITH_LTIME} or ${STATE_FIELDS_SCOPED} elements`,
      );
    }
    let position = ENVELOPE_BYTES + 1;
    const head: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const end = valueEnd(bytes, position, HEAD_FIELDS_BYTES_MAX, 0);
      if (end === 'truncated' && bytes.length < totalBytes) {
        return drop('invalid-field', `state head over ${STATE_HEAD_BYTES} bytes`);
      }
      if (typeof end !== 'number') return problemDrop(end, 'state header', HEAD_FIELDS_BYTES_MAX);
      head.push(unpackValue(bytes, position, end));
      position = end;
    }
    if (head[0] !== TYPE_STATE) throw new FieldError('state type code must be 8');
    const join = readBoolean(head[1], 'join');
    const fromId = readId(head[2], 'fromId');
    const rows = readArrayHeader(bytes, position);
    if (rows < 0) throw new FieldError('members must be an array');
    if (rows > limits.membersMax) {
      return drop('too-many-messages', `${rows} members, limit ${limits.membersMax}`);
    }
    position += rows < 0x10 ? 1 : rows < 0x1_0000 ? 3 : 5;
    const rowsBytes = totalBytes - position;
    if (rows * ROW_BYTES_MIN > rowsBytes) {
      return drop('malformed', `${rows} members cannot fit in ${rowsBytes} bytes`);
    }
    const trailerBytesMax =
      (fields >= STATE_FIELDS_WITH_LTIME ? EVENT_LTIME_BYTES_MAX : 0) +
      (fields === STATE_FIELDS_SCOPED ? SCOPE_BYTES_MAX : 0);
    const rowsBytesMax = rows * memberRowBytesMax(limits.metadataBytesMax) + trailerBytesMax;
    if (rowsBytes > rowsBytesMax) {
      return drop('malformed', `${rowsBytes} bytes of rows for ${rows} members, at most ${rowsBytesMax}`);
    }
    return { fields, join, fromId, rows, position };
  } catch (error) {
    return dropFromError(error);
  }
}

/**
 * Checks a state frame from its first bytes (STATE_HEAD_BYTES of them, or
 * all when it is shorter) and its declared size, before the rest is read:
 * a drop when no valid state has that head and size. Never throws.
 */
export function checkStateHead(
  prefix: Uint8Array,
  totalBytes: number,
  label: number,
  limits: StateDecodeLimits,
): DecodeDrop | undefined {
  const head = readHead(prefix, totalBytes, label, limits);
  return 'ok' in head ? head : undefined;
}

/**
 * A state decoded in steps: `start` checks everything up to the rows (the
 * envelope, the fields before them, the row count), `next` decodes up to a
 * given number of rows. The answer is the same whatever the step size.
 */
export class StateDecoder {
  private readonly bytes: Uint8Array;
  private readonly metadataBytesMax: number;
  private readonly rowBytesMax: number;
  private readonly join: boolean;
  private readonly fromId: string;
  private readonly fields: number;
  private readonly members: MemberSnapshot[];
  /** Rows the header declares. */
  private readonly expected: number;
  private position: number;
  private done = false;

  private constructor(bytes: Uint8Array, limits: StateDecodeLimits, head: StateHead) {
    this.bytes = bytes;
    this.metadataBytesMax = limits.metadataBytesMax;
    this.rowBytesMax = memberRowBytesMax(limits.metadataBytesMax);
    this.join = head.join;
    this.fromId = head.fromId;
    this.fields = head.fields;
    this.members = [];
    this.position = head.position;
    this.expected = head.rows;
  }

  /** Checks the head of `bytes`; a drop when it already rules the state out. Never throws. */
  static start(bytes: Uint8Array, label: number, limits: StateDecodeLimits): StateDecoder | DecodeDrop {
    const totalBytes = typeof bytes?.length === 'number' ? bytes.length : 0;
    const head = readHead(bytes, totalBytes, label, limits);
    return 'ok' in head ? head : new StateDecoder(bytes, limits, head);
  }

  /** Decodes up to `rowsMax` more rows: the result once the state is complete or refused, else undefined. */
  next(rowsMax: number): StateDecodeResult | undefined {
    if (this.done) throw new Error('StateDecoder.next after the result');
    try {
      const result = this.step(rowsMax);
      if (result !== undefined) this.done = true;
      return result;
    } catch (error) {
      this.done = true;
      return dropFromError(error);
    }
  }

  private step(rowsMax: number): StateDecodeResult | undefined {
    const { bytes, members } = this;
    for (let n = 0; n < rowsMax && members.length < this.expected; n++) {
      const end = valueEnd(bytes, this.position, this.rowBytesMax, ROW_ENTRIES_MAX);
      if (typeof end !== 'number') return problemDrop(end, `member row ${members.length}`, this.rowBytesMax);
      members.push(rowToMember(unpackValue(bytes, this.position, end), this.metadataBytesMax));
      this.position = end;
    }
    if (members.length < this.expected) return undefined;
    let eventLtime: number | undefined;
    if (this.fields >= STATE_FIELDS_WITH_LTIME) {
      const end = valueEnd(bytes, this.position, EVENT_LTIME_BYTES_MAX, 0);
      if (typeof end !== 'number') return problemDrop(end, 'eventLtime', EVENT_LTIME_BYTES_MAX);
      eventLtime = readUserEventLtime(unpackValue(bytes, this.position, end));
      this.position = end;
    }
    let scope: StateScope | undefined;
    if (this.fields === STATE_FIELDS_SCOPED) {
      const end = valueEnd(bytes, this.position, SCOPE_BYTES_MAX, DIGEST_BUCKETS_MAX);
      if (typeof end !== 'number') return problemDrop(end, 'scope', SCOPE_BYTES_MAX);
      const bucketCount = unpackValue(bytes, this.position, end);
      this.position = end;
      const listEnd = valueEnd(bytes, this.position, SCOPE_BYTES_MAX, DIGEST_BUCKETS_MAX);
      if (typeof listEnd !== 'number') return problemDrop(listEnd, 'scope', SCOPE_BYTES_MAX);
      scope = readScope(bucketCount, unpackValue(bytes, this.position, listEnd));
      this.position = listEnd;
    }
    if (this.position !== bytes.length) return drop('malformed', 'bytes after the last member row');
    const state: StateMessage = { type: 'state', join: this.join, fromId: this.fromId, members };
    if (eventLtime === undefined) return { ok: true, state };
    return {
      ok: true,
      state: scope === undefined ? { ...state, eventLtime } : { ...state, eventLtime, scope },
    };
  }
}

/** A scope: a bucket count a digest may have, and strictly ascending buckets below it. */
function readScope(bucketCount: unknown, buckets: unknown): StateScope {
  if (typeof bucketCount !== 'number' || !isDigestBucketCount(bucketCount)) {
    throw new FieldError(`scope bucket count must be a power of two up to ${DIGEST_BUCKETS_MAX}`);
  }
  if (!Array.isArray(buckets)) throw new FieldError('scope buckets must be an array');
  let previous = -1;
  for (const bucket of buckets) {
    if (
      typeof bucket !== 'number' ||
      !Number.isInteger(bucket) ||
      bucket <= previous ||
      bucket >= bucketCount
    ) {
      throw new FieldError('scope buckets must ascend strictly and stay below the bucket count');
    }
    previous = bucket;
  }
  return { bucketCount, buckets: buckets as number[] };
}
