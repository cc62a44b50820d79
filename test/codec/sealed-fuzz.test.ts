/**
 * Fuzzing the opening decoder: arbitrary, truncated and mutated sealed
 * packets and states. Without the key nothing is accepted, and whatever
 * arrives, nothing is thrown: every input is a success or a typed drop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropReasonNames } from '../../src/core/drops.js';
import { concat, header, messageArb, stateArb } from './helpers.js';
import { KEY_A, KEY_B, ManualClock, sealingCodec } from './sealing-helpers.js';

type Result = { ok: true } | { ok: false; reason: string };

function reasonOf(result: Result): string {
  if (result.ok) return 'accepted';
  expect(dropReasonNames).toContain(result.reason);
  return result.reason;
}

const clock = new ManualClock();
const sender = sealingCodec({ clock });
const sealedPacket = fc
  .array(messageArb, { minLength: 1, maxLength: 8 })
  .map((messages) => sender.encodePacket(messages));
const sealedState = stateArb.map((state) => sender.encodeState(state));
const sealedBytes = fc.oneof(sealedPacket, sealedState);

/** Every way to decode `bytes` at a node that lacks the sender's key. */
function decodeWithoutKey(bytes: Uint8Array): string[] {
  const wrongKey = sealingCodec({ keys: [KEY_B], clock });
  const noKey = sealingCodec({ keys: [], clock });
  return [
    reasonOf(wrongKey.decodePacket(bytes)),
    reasonOf(wrongKey.decodeState(bytes)),
    reasonOf(noKey.decodePacket(bytes)),
    reasonOf(noKey.decodeState(bytes)),
  ];
}

describe('the opening decoder', () => {
  it('accepts no arbitrary bytes behind a sealed header, with the key or without', () => {
    const holder = sealingCodec({ keys: [KEY_A], clock });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (payload) => {
        const bytes = concat(header(undefined, 0x01), payload);
        expect(reasonOf(holder.decodePacket(bytes))).toBe('bad-tag');
        expect(reasonOf(holder.decodeState(bytes))).toBe('bad-tag');
        expect(decodeWithoutKey(bytes)).not.toContain('accepted');
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    const holder = sealingCodec({ keys: [KEY_A], clock });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        reasonOf(holder.decodePacket(bytes));
        reasonOf(holder.decodeState(bytes));
        decodeWithoutKey(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('accepts no sealed packet or state without its key', () => {
    fc.assert(
      fc.property(sealedBytes, (bytes) => {
        // A deflated state is no packet: the packet decoders refuse its flags before looking for a key.
        const packet = (bytes[3] as number) & 0x02 ? 'unsupported-flags' : undefined;
        expect(decodeWithoutKey(bytes)).toEqual([
          packet ?? 'bad-tag',
          'bad-tag',
          packet ?? 'no-key',
          'no-key',
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts no sealed input with any bit flipped, even with the key', () => {
    fc.assert(
      fc.property(sealedBytes, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (bytes, flips) => {
        const mutated = Uint8Array.from(bytes);
        for (const flip of flips) {
          const bit = flip % (mutated.length * 8);
          mutated[bit >> 3]! ^= 1 << (bit & 7);
        }
        // An even number of flips of one bit restores the input: that one is no mutation.
        fc.pre(!mutated.every((byte, i) => byte === bytes[i]));
        const holder = sealingCodec({ keys: [KEY_A], clock });
        expect(reasonOf(holder.decodePacket(mutated))).not.toBe('accepted');
        expect(reasonOf(holder.decodeState(mutated))).not.toBe('accepted');
        expect(decodeWithoutKey(mutated)).not.toContain('accepted');
      }),
      { numRuns: 800 },
    );
  });

  it('accepts no truncated or extended sealed input', () => {
    fc.assert(
      fc.property(
        sealedBytes,
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        (bytes, cut, extra) => {
          const holder = sealingCodec({ keys: [KEY_A], clock });
          const truncated = bytes.subarray(0, cut % bytes.length);
          expect(reasonOf(holder.decodePacket(truncated))).not.toBe('accepted');
          expect(reasonOf(holder.decodeState(concat(bytes, extra)))).not.toBe('accepted');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the properties above can fail: the unaltered input is accepted by the key holder', () => {
    fc.assert(
      fc.property(sealedPacket, (bytes) => {
        expect(reasonOf(sealingCodec({ keys: [KEY_A], clock }).decodePacket(bytes))).toBe('accepted');
      }),
      { numRuns: 100 },
    );
  });
});
