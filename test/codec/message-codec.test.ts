import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, ENVELOPE_BYTES, encodePacket, msgpackWireFormat } from '../../src/codec/index.js';
import type { Message } from '../../src/core/messages.js';
import { LABEL, messageArb, SAMPLES, WIDE } from './helpers.js';

const sizeOf = (messages: readonly Message[]): number =>
  msgpackWireFormat.packetBytes(
    messages.length,
    messages.reduce((sum, message) => sum + msgpackWireFormat.messageBytes(message), 0),
  );

describe('packet round trip', () => {
  it.each(SAMPLES.map((message) => [message.type, message] as const))('%s alone', (_type, message) => {
    const bytes = encodePacket([message], LABEL);
    expect(decodePacket(bytes, LABEL, WIDE)).toEqual({ ok: true, messages: [message] });
    expect(bytes.length).toBe(sizeOf([message]));
  });

  it('all types in one compound packet, order kept', () => {
    const bytes = encodePacket(SAMPLES, LABEL);
    expect(decodePacket(bytes, LABEL, WIDE)).toEqual({ ok: true, messages: SAMPLES });
    expect(bytes.length).toBe(sizeOf(SAMPLES));
  });

  it('an empty packet is a header and an empty array', () => {
    const bytes = encodePacket([], LABEL);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes.length).toBe(ENVELOPE_BYTES + 1);
    expect(msgpackWireFormat.packetBytes(0, 0)).toBe(ENVELOPE_BYTES + 1);
    expect(decodePacket(bytes, LABEL, WIDE)).toEqual({ ok: true, messages: [] });
  });

  it('decoded metadata is a plain object', () => {
    const result = decodePacket(encodePacket([SAMPLES[4]!], LABEL), LABEL, WIDE);
    if (!result.ok) throw new Error(result.reason);
    const alive = result.messages[0];
    if (alive?.type !== 'alive') throw new Error('expected alive');
    expect(alive.metadata).not.toBeInstanceOf(Map);
    expect(Object.getPrototypeOf(alive.metadata)).toBe(Object.prototype);
  });

  it('a "__proto__" metadata key survives as an own key without touching the prototype', () => {
    const metadata = JSON.parse('{"__proto__":"polluted","zone":"a"}') as Record<string, string>;
    const message: Message = {
      type: 'alive',
      id: 'n',
      address: '10.0.0.1:1',
      incarnation: 0,
      threads: 1,
      metadata,
      viewDelayMs: 0,
    };
    const result = decodePacket(encodePacket([message], LABEL), LABEL, WIDE);
    if (!result.ok) throw new Error(result.reason);
    const decoded = result.messages[0] as Extract<Message, { type: 'alive' }>;
    expect(Object.getPrototypeOf(decoded.metadata)).toBe(Object.prototype);
    expect(Object.keys(decoded.metadata).sort()).toEqual(['__proto__', 'zone']);
    expect(Object.getOwnPropertyDescriptor(decoded.metadata, '__proto__')?.value).toBe('polluted');
  });

  it('encoding does not disturb packets encoded earlier', () => {
    const first = encodePacket([SAMPLES[0]!], LABEL);
    const copy = Uint8Array.from(first);
    for (let i = 0; i < 2000; i++) encodePacket(SAMPLES, LABEL);
    expect(first).toEqual(copy);
  });

  it('property: any valid message list round-trips and its size is predicted exactly', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { maxLength: 24 }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        (messages, label) => {
          const bytes = encodePacket(messages, label);
          expect(bytes.length).toBe(sizeOf(messages));
          expect(decodePacket(bytes, label, WIDE)).toEqual({ ok: true, messages });
        },
      ),
      { numRuns: 400 },
    );
  });
});
