import { describe, expect, it } from 'vitest';
import { encodePacket, metadataBytes, msgpackWireFormat } from '../../src/codec/index.js';
import { utf8Bytes } from '../../src/core/limits.js';
import type { Message } from '../../src/core/messages.js';
import { byteLength, LABEL } from './helpers.js';

const encodedSize = (messages: readonly Message[]) => encodePacket(messages, LABEL).length;
const predicted = (messages: readonly Message[]) =>
  msgpackWireFormat.packetBytes(
    messages.length,
    messages.reduce((sum, message) => sum + msgpackWireFormat.messageBytes(message), 0),
  );

/** A string of exactly `bytes` UTF-8 bytes made of `unit` (1-4 bytes each) plus ASCII padding. */
function textOfBytes(bytes: number, unit: string): string {
  const unitBytes = byteLength(unit);
  const text = unit.repeat(Math.floor(bytes / unitBytes)) + 'x'.repeat(bytes % unitBytes);
  expect(byteLength(text)).toBe(bytes);
  return text;
}

describe('messageBytes matches what msgpackr writes', () => {
  // Integer width boundaries: fixint, uint8, uint16, uint32.
  it.each([0, 31, 32, 63, 64, 127, 128, 255, 256, 65_535, 65_536, 0xffff_ffff])('seq %i', (seq) => {
    const messages: Message[] = [{ type: 'nack', seq }];
    expect(encodedSize(messages)).toBe(predicted(messages));
  });

  // String header boundaries (fixstr, str8, str16, str32), each with 1- to 4-byte characters so that
  // the character count and the byte count fall in different classes.
  const lengths = [0, 31, 32, 255, 256, 65_535, 65_536];
  const units = ['a', 'é', '€', '🦊'];
  it.each(lengths.flatMap((bytes) => units.map((unit) => [bytes, unit] as const)))(
    'metadata value of %i bytes made of %s',
    (bytes, unit) => {
      const messages: Message[] = [
        {
          type: 'alive',
          id: 'n',
          address: 'h:1',
          incarnation: 0,
          threads: 1,
          metadata: { k: textOfBytes(bytes, unit) },
          viewDelayMs: 0,
        },
      ];
      expect(encodedSize(messages)).toBe(predicted(messages));
    },
  );

  it.each([0, 15, 16, 64])('metadata with %i keys (fixmap to map16)', (keys) => {
    const metadata = Object.fromEntries(Array.from({ length: keys }, (_, i) => [`key${i}`, `value${i}`]));
    const messages: Message[] = [
      { type: 'alive', id: 'n', address: 'h:1', incarnation: 0, threads: 1, metadata, viewDelayMs: 0 },
    ];
    expect(encodedSize(messages)).toBe(predicted(messages));
  });

  it.each([15, 16, 65_535, 65_536])('a packet of %i messages (fixarray to array32)', (count) => {
    const messages: Message[] = Array.from({ length: count }, (_, seq) => ({ type: 'nack', seq }));
    expect(encodedSize(messages)).toBe(predicted(messages));
  });

  it('lone surrogates count as 3 bytes, as msgpackr writes them', () => {
    for (const id of ['\ud800', 'a\udc00b', '\ud800'.repeat(70), '🦊\ud83e']) {
      const messages: Message[] = [{ type: 'suspect', id, incarnation: 1, fromId: 'x' }];
      expect(encodedSize(messages)).toBe(predicted(messages));
    }
    expect(utf8Bytes('\ud800')).toBe(3);
    expect(utf8Bytes('🦊')).toBe(4);
  });
});

describe('metadataBytes', () => {
  it('sums UTF-8 bytes of keys and values', () => {
    expect(metadataBytes({})).toBe(0);
    expect(metadataBytes({ zone: 'eu' })).toBe(6);
    expect(metadataBytes({ é: '🦊', k: '' })).toBe(2 + 4 + 1);
  });

  it('counts own keys only, as the encoder does', () => {
    const inherited = Object.create({ hidden: 'xxxxxxxx' }) as Record<string, string>;
    inherited.own = 'v';
    expect(metadataBytes(inherited)).toBe(4);
  });
});
