/**
 * The digest that opens a periodic push-pull (core/state-digest.ts), sent
 * as a state frame. Payload after the header:
 *
 *   [10, fromId, eventLtime, check, [bucketSummary, ...]]
 *
 * A digest is small and of bounded size (DIGEST_BYTES_MAX), so it is
 * measured from its msgpack headers and decoded whole.
 */
import type { DigestMessage } from '../core/messages.js';
import { DIGEST_BUCKETS_MAX, isDigestBucketCount } from '../core/state-digest.js';
import { USER_EVENT_LTIME_MAX } from '../core/user-events-rules.js';
import { TYPE_DIGEST } from './codes.js';
import { drop, dropFromError } from './drop.js';
import { checkEnvelope, ENVELOPE_BYTES } from './envelope.js';
import { FieldError, readId, readTuple, readUint32, readUserEventLtime } from './fields.js';
import { UINT32_MAX } from './limits.js';
import { LONGEST_ID } from './member-row.js';
import { packWithEnvelope, unpackValue, valueEnd } from './msgpack.js';
import { valueBytes } from './sizes.js';
import type { DecodeDrop } from './types.js';

const DIGEST_FIELDS = 5;

function digestToTuple(digest: DigestMessage): unknown[] {
  return [TYPE_DIGEST, digest.fromId, digest.eventLtime, digest.check, digest.buckets];
}

/** The largest digest any valid node sends, envelope included (seal excluded). */
export const DIGEST_BYTES_MAX =
  ENVELOPE_BYTES +
  valueBytes(
    digestToTuple({
      type: 'digest',
      join: false,
      fromId: LONGEST_ID,
      eventLtime: USER_EVENT_LTIME_MAX,
      check: UINT32_MAX,
      buckets: new Array<number>(DIGEST_BUCKETS_MAX).fill(UINT32_MAX),
    }),
  );

export function encodeDigest(digest: DigestMessage, label: number): Uint8Array {
  return packWithEnvelope(digestToTuple(digest), label);
}

/** Whether an unsealed, inflated state frame holds a digest: its payload is a fixarray led by the type code. */
export function isDigestFrame(bytes: Uint8Array): boolean {
  const header = bytes[ENVELOPE_BYTES];
  return (
    header !== undefined && header >= 0x90 && header <= 0x9f && bytes[ENVELOPE_BYTES + 1] === TYPE_DIGEST
  );
}

export type DigestDecodeResult = { ok: true; digest: DigestMessage } | DecodeDrop;

/** Never throws: a digest over DIGEST_BYTES_MAX, malformed or off the schema is a drop. */
export function decodeDigest(bytes: Uint8Array, label: number): DigestDecodeResult {
  try {
    const rejected = checkEnvelope(bytes, label, DIGEST_BYTES_MAX);
    if (rejected !== undefined) return drop(rejected);
    const end = valueEnd(bytes, ENVELOPE_BYTES, DIGEST_BYTES_MAX, DIGEST_BUCKETS_MAX);
    if (end === 'truncated') return drop('malformed', 'digest is truncated');
    if (typeof end !== 'number') return drop('invalid-field', `digest breaks its bounds (${end})`);
    if (end !== bytes.length) return drop('malformed', 'bytes after the digest');
    const tuple = readTuple(unpackValue(bytes, ENVELOPE_BYTES, end), DIGEST_FIELDS, 'digest');
    if (tuple[0] !== TYPE_DIGEST) throw new FieldError(`digest type code must be ${TYPE_DIGEST}`);
    const buckets = tuple[4];
    if (!Array.isArray(buckets) || !isDigestBucketCount(buckets.length)) {
      throw new FieldError(`digest buckets must be a power of two up to ${DIGEST_BUCKETS_MAX} in number`);
    }
    const digest: DigestMessage = {
      type: 'digest',
      join: false,
      fromId: readId(tuple[1], 'fromId'),
      eventLtime: readUserEventLtime(tuple[2]),
      check: readUint32(tuple[3], 'check'),
      buckets: buckets.map((summary) => readUint32(summary, 'bucket summary')),
    };
    return { ok: true, digest };
  } catch (error) {
    return dropFromError(error);
  }
}
