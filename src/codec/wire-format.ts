/**
 * The codec's sizes as the core needs them (core/wire-format.ts). A message
 * is sized by sizing the very tuple the encoder writes, so the field order
 * lives in message-tuples.ts and member-row.ts alone and a size can never
 * drift from the bytes.
 */
import { ID_BYTES_MAX, INCARNATION_MAX, THREADS_MAX, VIEW_DELAY_MS_MAX } from '../core/limits.js';
import type { Message, StateMessage, UpdateMessage, UserEventMessage } from '../core/messages.js';
import type { MemberSnapshot } from '../core/types.js';
import { USER_EVENT_LTIME_MAX, USER_EVENT_NAME_BYTES_MAX } from '../core/user-events-rules.js';
import type { WireFormat } from '../core/wire-format.js';
import { ENVELOPE_BYTES } from './envelope.js';
import { MESSAGES_MAX_DEFAULT } from './limits.js';
import {
  LONGEST_ADDRESS,
  LONGEST_ID,
  memberRowBytesMax,
  memberToRow,
  metadataBytesBound,
} from './member-row.js';
import { messageToTuple } from './message-tuples.js';
import { containerHeaderBytes, valueBytes } from './sizes.js';
import { stateToTuple } from './state-codec.js';

export interface WireFormatOptions {
  /**
   * Bytes a sealing layer adds to every packet and state after the header
   * (for AES-GCM, a 12-byte nonce and a 16-byte tag: 28). Default 0.
   */
  readonly sealBytes?: number;
  /** Most messages a packet may hold (the decoder's messagesMax). Default 256. */
  readonly messagesPerPacketMax?: number;
}

/** Exact bytes of one member's row in a full state. */
export function memberRowBytes(member: MemberSnapshot): number {
  return valueBytes(memberToRow(member));
}

const NO_ROWS: readonly unknown[] = [];

export class MsgpackWireFormat implements WireFormat {
  readonly packetOverheadBytes: number;
  readonly messagesPerPacketMax: number;

  constructor(options: WireFormatOptions = {}) {
    const sealBytes = options.sealBytes ?? 0;
    if (!Number.isInteger(sealBytes) || sealBytes < 0)
      throw new RangeError('sealBytes must be a whole number');
    this.packetOverheadBytes = ENVELOPE_BYTES + sealBytes;
    this.messagesPerPacketMax = options.messagesPerPacketMax ?? MESSAGES_MAX_DEFAULT;
  }

  messageBytes(message: Message): number {
    return valueBytes(messageToTuple(message));
  }

  packetBytes(count: number, messagesBytes: number): number {
    return this.packetOverheadBytes + containerHeaderBytes(count) + messagesBytes;
  }

  packetBytesBound(messagesBytes: number): number {
    return this.packetBytes(this.messagesPerPacketMax, messagesBytes);
  }

  updateBytesMax(metadataBytesMax: number): number {
    let bytes = 0;
    for (const update of longestUpdates()) bytes = Math.max(bytes, this.messageBytes(update));
    // The alive message above carries empty metadata: swap in the largest map the limits allow.
    return bytes - valueBytes({}) + metadataBytesBound(metadataBytesMax);
  }

  /**
   * The largest full state `membersMax` valid members can make (every row at
   * its largest, the longest sender id): what a peer may send, so the frame
   * and decode limit default to it.
   */
  stateBytesMax(membersMax: number, metadataBytesMax: number): number {
    const head = valueBytes(
      stateToTuple(
        { type: 'state', join: true, fromId: LONGEST_ID, members: [], eventLtime: USER_EVENT_LTIME_MAX },
        NO_ROWS,
      ),
    );
    return (
      this.packetOverheadBytes +
      head -
      containerHeaderBytes(0) +
      containerHeaderBytes(membersMax) +
      membersMax * memberRowBytesMax(metadataBytesMax)
    );
  }

  userEventBytesMax(payloadBytesMax: number): number {
    const longest: UserEventMessage = {
      type: 'user-event',
      name: 'n'.repeat(USER_EVENT_NAME_BYTES_MAX),
      payload: new Uint8Array(payloadBytesMax),
      fromId: 'i'.repeat(ID_BYTES_MAX),
      ltime: USER_EVENT_LTIME_MAX,
    };
    return this.messageBytes(longest);
  }

  /**
   * Exact bytes of `state` as encodeState writes it, without building it.
   * `rowBytes` may remember rows seen before (the simulator's large runs do).
   */
  stateBytes(state: StateMessage, rowBytes: (member: MemberSnapshot) => number = memberRowBytes): number {
    const members = state.members;
    let bytes =
      this.packetOverheadBytes +
      valueBytes(stateToTuple(state, NO_ROWS)) -
      containerHeaderBytes(0) +
      containerHeaderBytes(members.length);
    for (let i = 0; i < members.length; i++) bytes += rowBytes(members[i] as MemberSnapshot);
    return bytes;
  }
}

/** Every update kind with each field at its limit, metadata left empty. */
function longestUpdates(): UpdateMessage[] {
  const id = LONGEST_ID;
  const address = LONGEST_ADDRESS;
  const incarnation = INCARNATION_MAX;
  const viewDelayMs = VIEW_DELAY_MS_MAX;
  return [
    { type: 'alive', id, address, incarnation, threads: THREADS_MAX, metadata: {}, viewDelayMs },
    { type: 'suspect', id, incarnation, fromId: id },
    { type: 'dead', id, incarnation, fromId: id, viewDelayMs },
    { type: 'left', id, incarnation, viewDelayMs },
  ];
}

/** The codec's format with no sealing. */
export const msgpackWireFormat: MsgpackWireFormat = new MsgpackWireFormat();
