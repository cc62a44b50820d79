/**
 * Full state for push-pull over the reliable stream (the transport adds its
 * own length prefix). Payload after the header:
 *
 *   [8, join, fromId, [[id, address, incarnation, stateCode, threads, metadata, viewDelayMs], ...], eventLtime]
 *
 * eventLtime (the user-event Lamport clock) is left out when the state has
 * none, and a state without it is accepted: nodes that predate user events
 * still sync.
 * stateCode: 0 alive, 1 suspect, 2 dead, 3 left.
 */
import type { StateMessage } from '../core/messages.js';
import type { MemberSnapshot } from '../core/types.js';
import { MEMBER_STATES, memberStateCode, TYPE_STATE } from './codes.js';
import { drop, dropFromError } from './drop.js';
import { checkEnvelope } from './envelope.js';
import {
  FieldError,
  readAddress,
  readBoolean,
  readId,
  readIncarnation,
  readMetadata,
  readThreads,
  readTuple,
  readUserEventLtime,
  readViewDelay,
} from './fields.js';
import { packWithEnvelope, unpackPayload } from './msgpack.js';
import type { StateDecodeLimits, StateDecodeResult } from './types.js';

/** One member's row; the state's encoder and its sizer both use it, so the layout lives here alone. */
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

function rowToMember(value: unknown, metadataBytesMax: number): MemberSnapshot {
  const row = readTuple(value, 7, 'member');
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

/** The payload of a state around its member rows. */
export function stateToTuple(state: StateMessage, rows: readonly unknown[]): unknown[] {
  const head = [TYPE_STATE, state.join, state.fromId, rows];
  if (state.eventLtime !== undefined) head.push(state.eventLtime);
  return head;
}

/** Full state for push-pull over TCP. */
export function encodeState(state: StateMessage, label: number): Uint8Array {
  const members = state.members;
  const rows = new Array<unknown[]>(members.length);
  for (let i = 0; i < members.length; i++) rows[i] = memberToRow(members[i]!);
  return packWithEnvelope(stateToTuple(state, rows), label);
}

/**
 * Never throws. More members than `membersMax` is reported as
 * 'too-many-messages' (each member row is the state's unit of content).
 */
export function decodeState(bytes: Uint8Array, label: number, limits: StateDecodeLimits): StateDecodeResult {
  try {
    const rejected = checkEnvelope(bytes, label, limits.stateBytesMax);
    if (rejected !== undefined) return drop(rejected);
    const payload = unpackPayload(bytes);
    if (!Array.isArray(payload)) return drop('malformed', 'payload is not an array');
    const t = readTuple(payload, payload.length === 5 ? 5 : 4, 'state');
    if (t[0] !== TYPE_STATE) throw new FieldError('state type code must be 8');
    const join = readBoolean(t[1], 'join');
    const fromId = readId(t[2], 'fromId');
    const rows = t[3];
    if (!Array.isArray(rows)) throw new FieldError('members must be an array');
    if (rows.length > limits.membersMax) {
      return drop('too-many-messages', `${rows.length} members, limit ${limits.membersMax}`);
    }
    const members = new Array<MemberSnapshot>(rows.length);
    for (let i = 0; i < rows.length; i++) members[i] = rowToMember(rows[i], limits.metadataBytesMax);
    if (t.length === 4) return { ok: true, state: { type: 'state', join, fromId, members } };
    const eventLtime = readUserEventLtime(t[4]);
    return { ok: true, state: { type: 'state', join, fromId, members, eventLtime } };
  } catch (error) {
    return dropFromError(error);
  }
}
