/**
 * Messages to and from their compact wire tuples. Field order is the protocol:
 *
 *   ping     [0, seq, targetId, fromId, viewId]
 *   ack      [1, seq, viewId]
 *   nack     [2, seq]
 *   ping-req [3, seq, targetId, targetAddress, fromId]
 *   alive    [4, id, address, incarnation, threads, metadata, viewDelayMs]
 *   suspect  [5, id, incarnation, fromId]
 *   dead     [6, id, incarnation, fromId, viewDelayMs]
 *   left     [7, id, incarnation, viewDelayMs]
 *   event    [9, name, payload, fromId, ltime]        (payload: msgpack bin)
 *
 * (8 is the full state's code, state-codec.ts.)
 */
import type { Message } from '../core/messages.js';
import {
  TYPE_ACK,
  TYPE_ALIVE,
  TYPE_DEAD,
  TYPE_LEFT,
  TYPE_NACK,
  TYPE_PING,
  TYPE_PING_REQ,
  TYPE_SUSPECT,
  TYPE_USER_EVENT,
} from './codes.js';
import {
  FieldError,
  readAddress,
  readId,
  readIncarnation,
  readMetadata,
  readThreads,
  readTuple,
  readUint32,
  readUserEventLtime,
  readUserEventName,
  readUserEventPayload,
  readViewDelay,
} from './fields.js';
import { USER_EVENT_PAYLOAD_BYTES_DEFAULT } from './limits.js';

/** No validation: the core only builds valid messages, and this is the simulator's hot path. */
export function messageToTuple(message: Message): unknown[] {
  switch (message.type) {
    case 'ping':
      return [TYPE_PING, message.seq, message.targetId, message.fromId, message.viewId];
    case 'ack':
      return [TYPE_ACK, message.seq, message.viewId];
    case 'nack':
      return [TYPE_NACK, message.seq];
    case 'ping-req':
      return [TYPE_PING_REQ, message.seq, message.targetId, message.targetAddress, message.fromId];
    case 'alive':
      return [
        TYPE_ALIVE,
        message.id,
        message.address,
        message.incarnation,
        message.threads,
        message.metadata,
        message.viewDelayMs,
      ];
    case 'suspect':
      return [TYPE_SUSPECT, message.id, message.incarnation, message.fromId];
    case 'dead':
      return [TYPE_DEAD, message.id, message.incarnation, message.fromId, message.viewDelayMs];
    case 'left':
      return [TYPE_LEFT, message.id, message.incarnation, message.viewDelayMs];
    case 'user-event':
      return [TYPE_USER_EVENT, message.name, message.payload, message.fromId, message.ltime];
  }
}

/** Validates one decoded tuple field by field; throws FieldError. */
export function tupleToMessage(
  value: unknown,
  metadataBytesMax: number,
  userEventPayloadBytesMax: number = USER_EVENT_PAYLOAD_BYTES_DEFAULT,
): Message {
  if (!Array.isArray(value) || value.length === 0) throw new FieldError('message must be a non-empty array');
  const code: unknown = value[0];
  switch (code) {
    case TYPE_PING: {
      const t = readTuple(value, 5, 'ping');
      return {
        type: 'ping',
        seq: readUint32(t[1], 'seq'),
        targetId: readId(t[2], 'targetId'),
        fromId: readId(t[3], 'fromId'),
        viewId: readUint32(t[4], 'viewId'),
      };
    }
    case TYPE_ACK: {
      const t = readTuple(value, 3, 'ack');
      return { type: 'ack', seq: readUint32(t[1], 'seq'), viewId: readUint32(t[2], 'viewId') };
    }
    case TYPE_NACK: {
      const t = readTuple(value, 2, 'nack');
      return { type: 'nack', seq: readUint32(t[1], 'seq') };
    }
    case TYPE_PING_REQ: {
      const t = readTuple(value, 5, 'ping-req');
      return {
        type: 'ping-req',
        seq: readUint32(t[1], 'seq'),
        targetId: readId(t[2], 'targetId'),
        targetAddress: readAddress(t[3], 'targetAddress'),
        fromId: readId(t[4], 'fromId'),
      };
    }
    case TYPE_ALIVE: {
      const t = readTuple(value, 7, 'alive');
      return {
        type: 'alive',
        id: readId(t[1], 'id'),
        address: readAddress(t[2], 'address'),
        incarnation: readIncarnation(t[3]),
        threads: readThreads(t[4]),
        metadata: readMetadata(t[5], metadataBytesMax),
        viewDelayMs: readViewDelay(t[6]),
      };
    }
    case TYPE_SUSPECT: {
      const t = readTuple(value, 4, 'suspect');
      return {
        type: 'suspect',
        id: readId(t[1], 'id'),
        incarnation: readIncarnation(t[2]),
        fromId: readId(t[3], 'fromId'),
      };
    }
    case TYPE_DEAD: {
      const t = readTuple(value, 5, 'dead');
      return {
        type: 'dead',
        id: readId(t[1], 'id'),
        incarnation: readIncarnation(t[2]),
        fromId: readId(t[3], 'fromId'),
        viewDelayMs: readViewDelay(t[4]),
      };
    }
    case TYPE_LEFT: {
      const t = readTuple(value, 4, 'left');
      return {
        type: 'left',
        id: readId(t[1], 'id'),
        incarnation: readIncarnation(t[2]),
        viewDelayMs: readViewDelay(t[3]),
      };
    }
    case TYPE_USER_EVENT: {
      const t = readTuple(value, 5, 'event');
      return {
        type: 'user-event',
        name: readUserEventName(t[1]),
        payload: readUserEventPayload(t[2], userEventPayloadBytesMax),
        fromId: readId(t[3], 'fromId'),
        ltime: readUserEventLtime(t[4]),
      };
    }
    default:
      throw new FieldError('unknown message type code');
  }
}
