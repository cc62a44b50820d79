/** Compound UDP packets: header + a msgpack array of message tuples. */
import type { Message } from '../core/messages.js';
import { drop, dropFromError } from './drop.js';
import { checkEnvelope, ENVELOPE_BYTES } from './envelope.js';
import { MESSAGES_MAX_DEFAULT, USER_EVENT_PAYLOAD_BYTES_DEFAULT } from './limits.js';
import { messageToTuple, tupleToMessage } from './message-tuples.js';
import { packWithEnvelope, readArrayHeader, unpackPayload } from './msgpack.js';
import type { DecodeLimits, PacketDecodeResult } from './types.js';

/** Encode messages as one compound packet. */
export function encodePacket(messages: readonly Message[], label: number): Uint8Array {
  const count = messages.length;
  const tuples = new Array<unknown[]>(count);
  for (let i = 0; i < count; i++) tuples[i] = messageToTuple(messages[i]!);
  return packWithEnvelope(tuples, label);
}

/** Never throws: every failure is a typed drop. */
export function decodePacket(bytes: Uint8Array, label: number, limits: DecodeLimits): PacketDecodeResult {
  try {
    const rejected = checkEnvelope(bytes, label, limits.packetBytesMax);
    if (rejected !== undefined) return drop(rejected);
    // The count is read from the array header so an oversized list is refused before msgpackr allocates it.
    const count = readArrayHeader(bytes, ENVELOPE_BYTES);
    if (count < 0) return drop('malformed', 'payload is not an array');
    const messagesMax = limits.messagesMax ?? MESSAGES_MAX_DEFAULT;
    if (count > messagesMax) return drop('too-many-messages', `${count} messages, limit ${messagesMax}`);
    const tuples = unpackPayload(bytes) as unknown[];
    const messages = new Array<Message>(tuples.length);
    const payloadBytesMax = limits.userEventPayloadBytesMax ?? USER_EVENT_PAYLOAD_BYTES_DEFAULT;
    for (let i = 0; i < tuples.length; i++) {
      messages[i] = tupleToMessage(tuples[i], limits.metadataBytesMax, payloadBytesMax);
    }
    return { ok: true, messages };
  } catch (error) {
    return dropFromError(error);
  }
}
