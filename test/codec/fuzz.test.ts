import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodeDropReason } from '../../src/codec/index.js';
import { decodePacket, decodeState, encodePacket, encodeState } from '../../src/codec/index.js';
import { concat, header, LABEL, messageArb, SAMPLES, stateArb, WIDE, WIDE_STATE } from './helpers.js';

const REASONS: readonly DecodeDropReason[] = [
  'too-short',
  'bad-magic',
  'bad-version',
  'foreign-cluster',
  'unsupported-flags',
  'no-key',
  'too-large',
  'malformed',
  'invalid-field',
  'too-many-messages',
];

type Result = { ok: true } | { ok: false; reason: DecodeDropReason; detail?: string };

/** Either a success or a drop with a known reason; `decode*` must not throw to get here at all. */
function expectTyped(result: Result): void {
  if (result.ok) return;
  expect(REASONS).toContain(result.reason);
  if (result.detail !== undefined) expect(typeof result.detail).toBe('string');
}

const decodeBoth = (bytes: Uint8Array): void => {
  expectTyped(decodePacket(bytes, LABEL, WIDE));
  expectTyped(decodeState(bytes, LABEL, WIDE_STATE));
};

const validPacket = fc
  .array(messageArb, { minLength: 1, maxLength: 8 })
  .map((messages) => encodePacket(messages, LABEL));
const validState = stateArb.map((state) => encodeState(state, LABEL));
const validBytes = fc.oneof(validPacket, validState);

describe('decoders never throw', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        decodeBoth(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary payloads behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (payload) => {
        decodeBoth(concat(header(), payload));
      }),
      { numRuns: 2000 },
    );
  });

  it('on truncated valid inputs, which always fail', () => {
    fc.assert(
      fc.property(validBytes, fc.nat(), (bytes, cut) => {
        const truncated = bytes.subarray(0, cut % bytes.length);
        const packet = decodePacket(truncated, LABEL, WIDE);
        const state = decodeState(truncated, LABEL, WIDE_STATE);
        expectTyped(packet);
        expectTyped(state);
        expect(packet.ok).toBe(false);
        expect(state.ok).toBe(false);
      }),
    );
  });

  it('on valid inputs with flipped bits', () => {
    fc.assert(
      fc.property(validBytes, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (bytes, flips) => {
        const mutated = Uint8Array.from(bytes);
        for (const flip of flips) {
          const bit = flip % (mutated.length * 8);
          mutated[bit >> 3]! ^= 1 << (bit & 7);
        }
        decodeBoth(mutated);
      }),
      { numRuns: 1000 },
    );
  });

  it('on valid inputs with bytes appended, which are malformed', () => {
    // The state decoder reads a state's head before its end, so it may refuse a packet for its shape first.
    const kinds = fc.oneof(
      validPacket.map((bytes) => ({ bytes, own: decodePacket, other: decodeState })),
      validState.map((bytes) => ({ bytes, own: decodeState, other: decodePacket })),
    );
    const limits = { ...WIDE, ...WIDE_STATE };
    fc.assert(
      fc.property(kinds, fc.uint8Array({ minLength: 1, maxLength: 16 }), ({ bytes, own, other }, extra) => {
        const longer = concat(bytes, extra);
        expect(own(longer, LABEL, limits)).toMatchObject({ ok: false, reason: 'malformed' });
        expect(other(longer, LABEL, limits).ok).toBe(false);
      }),
    );
  });

  it('and leave the decoder usable after garbage', () => {
    const good = encodePacket(SAMPLES, LABEL);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (payload) => {
        decodePacket(concat(header(), payload), LABEL, WIDE);
        expect(decodePacket(good, LABEL, WIDE)).toEqual({ ok: true, messages: SAMPLES });
      }),
      { numRuns: 300 },
    );
  });

  it('on inputs that are not byte arrays at all', () => {
    for (const input of [undefined, null, 'MN', 42, {}, [0x4d, 0x4e]]) {
      expectTyped(decodePacket(input as unknown as Uint8Array, LABEL, WIDE));
      expectTyped(decodeState(input as unknown as Uint8Array, LABEL, WIDE_STATE));
    }
  });
});
