import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ENVELOPE_BYTES,
  encodePacket,
  encodeState,
  MsgpackWireFormat,
  memberRowBytes,
  msgpackWireFormat,
} from '../../src/codec/index.js';
import type { AliveMessage, Message } from '../../src/core/messages.js';
import { LABEL, messageArb, stateArb } from './helpers.js';

const wire = msgpackWireFormat;
const utf8 = new TextEncoder();

const packetSize = (format: MsgpackWireFormat, messages: readonly Message[]): number =>
  format.packetBytes(
    messages.length,
    messages.reduce((sum, message) => sum + format.messageBytes(message), 0),
  );

/** An alive message with every field at its limit except the metadata. */
function longestAlive(metadata: Record<string, string>): AliveMessage {
  return {
    type: 'alive',
    id: 'i'.repeat(128),
    address: `${'h'.repeat(256)}:65535`,
    incarnation: 0xffff_ffff,
    threads: 65_535,
    metadata,
    viewDelayMs: 600_000,
  };
}

describe('the wire format sizes what the encoder writes', () => {
  it('packets of any messages, exactly', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 40 }), (messages) => {
        expect(packetSize(wire, messages)).toBe(encodePacket(messages, LABEL).length);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('full states, exactly, with or without a row sizer of its own', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const encoded = encodeState(state, LABEL).length;
        expect(wire.stateBytes(state)).toBe(encoded);
        expect(wire.stateBytes(state, memberRowBytes)).toBe(encoded);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('a packet header bound holds for every message count a packet may have', () => {
    for (const count of [0, 1, 15, 16, 200, 256]) {
      expect(wire.packetBytes(count, 100)).toBeLessThanOrEqual(wire.packetBytesBound(100));
    }
  });
});

describe('sealing overhead', () => {
  it('adds the same bytes to every packet and state (12-byte nonce + 16-byte tag)', () => {
    const sealed = new MsgpackWireFormat({ sealBytes: 12 + 16 });
    expect(sealed.packetOverheadBytes).toBe(ENVELOPE_BYTES + 28);
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 10 }), stateArb, (messages, state) => {
        expect(packetSize(sealed, messages)).toBe(encodePacket(messages, LABEL).length + 28);
        expect(sealed.stateBytes(state)).toBe(encodeState(state, LABEL).length + 28);
      }),
      { seed: 13, numRuns: 100 },
    );
    expect(sealed.packetBytesBound(0)).toBe(wire.packetBytesBound(0) + 28);
    expect(sealed.updateBytesMax(512)).toBe(wire.updateBytesMax(512));
  });

  it('refuses a negative or fractional seal', () => {
    expect(() => new MsgpackWireFormat({ sealBytes: -1 })).toThrow(RangeError);
    expect(() => new MsgpackWireFormat({ sealBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('updateBytesMax', () => {
  it('matches the worked sizes at metadataBytesMax 0 and 512', () => {
    // tuple header 1, type 1, id 2 + 128, address 3 + 262 (str16 from 256 bytes), incarnation 9
    // (a float64: incarnations are safe integers), threads 3, view delay 5: 414, then a map16
    // header (3) and 128 one-byte string headers: 545.
    expect(wire.updateBytesMax(0)).toBe(545);
    // 512 more bytes, and at most 16 strings of 32+ bytes and 2 of 256+ bytes, one header byte more each.
    expect(wire.updateBytesMax(512)).toBe(545 + 512 + 16 + 2);
  });

  it('bounds the longest alive message with empty metadata', () => {
    expect(wire.messageBytes(longestAlive({}))).toBeLessThanOrEqual(wire.updateBytesMax(0));
  });

  it('bounds metadata shaped for the most header bytes: 64 keys, strings just over each header step', () => {
    for (const length of [31, 32, 255, 256]) {
      const metadata: Record<string, string> = {};
      for (let i = 0; i < 64; i++) {
        const key = `${i}`.padStart(2, '0');
        metadata[key.padEnd(length, 'k')] = 'v'.repeat(length);
      }
      const bytes = Object.entries(metadata).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
      expect(wire.messageBytes(longestAlive(metadata))).toBeLessThanOrEqual(wire.updateBytesMax(bytes));
    }
  });

  it('bounds the encoded size of any alive message within the limits', () => {
    const hostChars = 'abcdefghijklmnopqrstuvwxyz0123456789.-'.split('');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 16_384 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }),
        fc.string({ unit: fc.constantFrom(...hostChars), minLength: 1, maxLength: 256 }),
        fc.dictionary(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 600 }),
          { maxKeys: 64 },
        ),
        (metadataBytesMax, rawId, host, rawMetadata) => {
          const id = trimToBytes(rawId, 128) || 'x';
          const metadata: Record<string, string> = {};
          let used = 0;
          for (const [key, value] of Object.entries(rawMetadata)) {
            const bytes = utf8.encode(key).length + utf8.encode(value).length;
            if (used + bytes > metadataBytesMax) continue;
            used += bytes;
            metadata[key] = value;
          }
          const message: AliveMessage = {
            ...longestAlive(metadata),
            id,
            address: `${host}:65535`,
            incarnation: 0xffff_fffe,
          };
          const encoded = encodePacket([message], LABEL).length - wire.packetBytes(1, 0);
          expect(encoded).toBeLessThanOrEqual(wire.updateBytesMax(metadataBytesMax));
        },
      ),
      { seed: 31, numRuns: 300 },
    );
  });
});

function trimToBytes(text: string, bytes: number): string {
  let out = '';
  for (const char of text) {
    if (utf8.encode(out + char).length > bytes) break;
    out += char;
  }
  return out;
}
