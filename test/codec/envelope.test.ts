import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  decodeState,
  ENVELOPE_BYTES,
  encodePacket,
  encodeState,
} from '../../src/codec/index.js';
import { LABEL, SAMPLES, WIDE, WIDE_STATE } from './helpers.js';

const packet = () => encodePacket(SAMPLES, LABEL);
const withByte = (bytes: Uint8Array, index: number, value: number) => {
  const copy = Uint8Array.from(bytes);
  copy[index] = value;
  return copy;
};

describe('envelope', () => {
  it('lays out magic, version, flags and a big-endian label', () => {
    const bytes = encodePacket([], 0x0102_0304);
    expect(ENVELOPE_BYTES).toBe(8);
    expect([...bytes.subarray(0, 8)]).toEqual([0x4d, 0x4e, 1, 0, 1, 2, 3, 4]);
    expect([...encodePacket([], 0xffff_ffff).subarray(4, 8)]).toEqual([255, 255, 255, 255]);
  });

  it('drops a packet from another cluster', () => {
    expect(decodePacket(packet(), LABEL ^ 1, WIDE)).toEqual({ ok: false, reason: 'foreign-cluster' });
  });

  it('drops bad magic', () => {
    expect(decodePacket(withByte(packet(), 0, 0x4e), LABEL, WIDE)).toMatchObject({ reason: 'bad-magic' });
    expect(decodePacket(withByte(packet(), 1, 0x4d), LABEL, WIDE)).toMatchObject({ reason: 'bad-magic' });
  });

  it('drops other protocol versions', () => {
    for (const version of [0, 2, 255]) {
      expect(decodePacket(withByte(packet(), 2, version), LABEL, WIDE)).toMatchObject({
        reason: 'bad-version',
      });
    }
  });

  it('drops a sealed packet as no-key: this decoder holds no keys', () => {
    expect(decodePacket(withByte(packet(), 3, 1), LABEL, WIDE)).toMatchObject({
      ok: false,
      reason: 'no-key',
    });
  });

  it('drops any other non-zero flags', () => {
    for (const flags of [2, 3, 0x80, 0xff]) {
      expect(decodePacket(withByte(packet(), 3, flags), LABEL, WIDE)).toMatchObject({
        ok: false,
        reason: 'unsupported-flags',
      });
    }
  });

  it('reports a foreign cluster before unsupported flags', () => {
    expect(decodePacket(withByte(packet(), 3, 1), LABEL ^ 1, WIDE)).toMatchObject({
      reason: 'foreign-cluster',
    });
  });

  it('drops packets over packetBytesMax and accepts one exactly at it', () => {
    const bytes = packet();
    expect(decodePacket(bytes, LABEL, { ...WIDE, packetBytesMax: bytes.length - 1 })).toEqual({
      ok: false,
      reason: 'too-large',
    });
    expect(decodePacket(bytes, LABEL, { ...WIDE, packetBytesMax: bytes.length }).ok).toBe(true);
  });

  it('drops anything shorter than the header', () => {
    for (let length = 0; length < ENVELOPE_BYTES; length++) {
      expect(decodePacket(packet().subarray(0, length), LABEL, WIDE)).toEqual({
        ok: false,
        reason: 'too-short',
      });
    }
  });

  it('guards state payloads the same way', () => {
    const state = encodeState({ type: 'state', join: true, fromId: 'a', members: [] }, LABEL);
    expect(decodeState(state, LABEL ^ 1, WIDE_STATE)).toMatchObject({ reason: 'foreign-cluster' });
    expect(decodeState(withByte(state, 0, 0), LABEL, WIDE_STATE)).toMatchObject({ reason: 'bad-magic' });
    expect(decodeState(withByte(state, 2, 9), LABEL, WIDE_STATE)).toMatchObject({ reason: 'bad-version' });
    expect(decodeState(withByte(state, 3, 1), LABEL, WIDE_STATE)).toMatchObject({ reason: 'no-key' });
    expect(decodeState(withByte(state, 3, 2), LABEL, WIDE_STATE)).toMatchObject({
      reason: 'unsupported-flags',
    });
    expect(decodeState(state.subarray(0, 7), LABEL, WIDE_STATE)).toMatchObject({ reason: 'too-short' });
  });
});
