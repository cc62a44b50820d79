import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  decodeState,
  encodePacket,
  encodeState,
  msgpackWireFormat,
} from '../../src/codec/index.js';
import type { StateMessage, UserEventMessage } from '../../src/core/messages.js';
import { frame, LABEL, WIDE, WIDE_STATE } from './helpers.js';

const event = (overrides: Partial<UserEventMessage> = {}): UserEventMessage => ({
  type: 'user-event',
  name: 'deploy',
  payload: Uint8Array.of(1, 2, 3),
  fromId: 'node-a',
  ltime: 7,
  ...overrides,
});

const limits = (userEventPayloadBytesMax: number) => ({ ...WIDE, userEventPayloadBytesMax });

describe('user event messages on the wire', () => {
  it('round-trip with their payload bytes, name, sender and Lamport time', () => {
    const message = event({ name: 'déploiement:v2', ltime: Number.MAX_SAFE_INTEGER });
    const decoded = decodePacket(encodePacket([message], LABEL), LABEL, WIDE);
    expect(decoded).toEqual({ ok: true, messages: [message] });
  });

  it('hand the core a copy, not a view of the packet buffer', () => {
    const bytes = encodePacket([event({ payload: new Uint8Array(300).fill(9) })], LABEL);
    const decoded = decodePacket(bytes, LABEL, WIDE);
    if (!decoded.ok) throw new Error(decoded.reason);
    const payload = (decoded.messages[0] as UserEventMessage).payload;
    bytes.fill(0);
    expect(payload.every((byte) => byte === 9)).toBe(true);
    expect(payload.buffer).not.toBe(bytes.buffer);
  });

  // bin8 up to 255 bytes, bin16 above: the header width changes at 256.
  it.each([0, 1, 255, 256, 512, 65_535, 65_536])('are sized exactly with a %i-byte payload', (length) => {
    const messages = [event({ payload: new Uint8Array(length) })];
    const predicted = msgpackWireFormat.packetBytes(1, msgpackWireFormat.messageBytes(messages[0]!));
    expect(encodePacket(messages, LABEL).length).toBe(predicted);
  });

  it('bound the largest event a payload limit allows, never below its real size', () => {
    const largest = event({
      name: 'n'.repeat(128),
      fromId: 'i'.repeat(128),
      payload: new Uint8Array(512),
      ltime: Number.MAX_SAFE_INTEGER,
    });
    expect(msgpackWireFormat.userEventBytesMax(512)).toBe(msgpackWireFormat.messageBytes(largest));
    expect(msgpackWireFormat.userEventBytesMax(511)).toBeLessThan(msgpackWireFormat.userEventBytesMax(512));
  });

  it('accept a payload at the limit and drop one a byte over it as an invalid field', () => {
    const at = encodePacket([event({ payload: new Uint8Array(512) })], LABEL);
    const over = encodePacket([event({ payload: new Uint8Array(513) })], LABEL);
    expect(decodePacket(at, LABEL, limits(512)).ok).toBe(true);
    expect(decodePacket(over, LABEL, limits(512))).toMatchObject({ ok: false, reason: 'invalid-field' });
  });

  it('default to a 512-byte payload limit when the decoder is not told one', () => {
    const over = encodePacket([event({ payload: new Uint8Array(513) })], LABEL);
    expect(decodePacket(over, LABEL, WIDE)).toMatchObject({ ok: false, reason: 'invalid-field' });
  });

  it.each([
    ['a string payload', [9, 'deploy', 'text', 'node-a', 1]],
    ['a name with a space', [9, 'de ploy', Uint8Array.of(1), 'node-a', 1]],
    ['a name with a comma', [9, 'a,b', Uint8Array.of(1), 'node-a', 1]],
    ['an empty name', [9, '', Uint8Array.of(1), 'node-a', 1]],
    ['a 129-byte name', [9, 'n'.repeat(129), Uint8Array.of(1), 'node-a', 1]],
    ['a negative ltime', [9, 'deploy', Uint8Array.of(1), 'node-a', -1]],
    ['a fractional ltime', [9, 'deploy', Uint8Array.of(1), 'node-a', 1.5]],
    ['an ltime over 2^53', [9, 'deploy', Uint8Array.of(1), 'node-a', 2 ** 53]],
    ['a missing field', [9, 'deploy', Uint8Array.of(1), 'node-a']],
    ['an extra field', [9, 'deploy', Uint8Array.of(1), 'node-a', 1, 0]],
  ])('drop %s as an invalid field', (_what, tuple) => {
    expect(decodePacket(frame([tuple]), LABEL, WIDE)).toMatchObject({ ok: false, reason: 'invalid-field' });
  });
});

describe("the full state's event clock", () => {
  const state: StateMessage = { type: 'state', join: false, fromId: 'a', members: [], eventLtime: 42 };

  it('round-trips and is sized exactly', () => {
    const bytes = encodeState(state, LABEL);
    expect(decodeState(bytes, LABEL, WIDE_STATE)).toEqual({ ok: true, state });
    expect(msgpackWireFormat.stateBytes(state)).toBe(bytes.length);
  });

  it('is optional: a state from a node without user events still decodes', () => {
    const older: StateMessage = { type: 'state', join: true, fromId: 'a', members: [] };
    const decoded = decodeState(encodeState(older, LABEL), LABEL, WIDE_STATE);
    expect(decoded).toEqual({ ok: true, state: older });
  });

  it('is refused when it is not a Lamport time', () => {
    const bad = frame([8, false, 'a', [], -3]);
    expect(decodeState(bad, LABEL, WIDE_STATE)).toMatchObject({ ok: false, reason: 'invalid-field' });
  });
});
