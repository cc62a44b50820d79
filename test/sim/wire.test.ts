import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import type { StateMessage } from '../../src/core/messages.js';
import { codecWire } from '../../src/sim/wire.js';

const member = fc.record({
  id: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
  address: fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }))
    .map(([octet, port]) => `10.0.0.${octet}:${port}`),
  incarnation: fc.integer({ min: 0, max: 0xffff_fffe }),
  state: fc.constantFrom('alive' as const, 'suspect' as const, 'dead' as const, 'left' as const),
  threads: fc.integer({ min: 1, max: 65_535 }),
  metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 40 }), {
    maxKeys: 4,
  }),
  viewDelayMs: fc.integer({ min: 0, max: 600_000 }),
});

describe('wire', () => {
  it('sizes a state as the codec sends it, deflated when that is smaller, and decodes what it sized', () => {
    const wire = codecWire(resolveConfig({}, 'lan'));
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.array(member, { maxLength: 40 }),
        (join, fromId, members) => {
          const state: StateMessage = { type: 'state', join, fromId, members };
          const encoded = wire.encodeState(state);
          expect(wire.stateBytes(state)).toBe(encoded.length);
          const decoded = wire.decodeState(encoded);
          expect(decoded.ok && decoded.value.type === 'state' && decoded.value.members.length).toBe(
            members.length,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a state of many similar rows travels deflated, a digest plain', () => {
    const wire = codecWire(resolveConfig({}, 'lan'));
    const members = Array.from({ length: 200 }, (_, i) => ({
      id: `node-${i}`,
      address: `10.0.${i >> 8}.${i & 0xff}:7946`,
      incarnation: 1_764_000_000_000 + i,
      state: 'alive' as const,
      threads: 1,
      metadata: {},
      viewDelayMs: 0,
    }));
    const state: StateMessage = { type: 'state', join: false, fromId: 'node-0', members, eventLtime: 3 };
    const encoded = wire.encodeState(state);
    expect(encoded[3]).toBe(0x02);
    const digest = {
      type: 'digest' as const,
      join: false as const,
      fromId: 'node-0',
      buckets: [1, 2, 3, 4],
      check: 5,
      eventLtime: 3,
    };
    expect(wire.encodeState(digest)[3]).toBe(0);
    expect(wire.decodeState(wire.encodeState(digest))).toEqual({ ok: true, value: digest });
    expect(wire.decodeState(encoded)).toEqual({ ok: true, value: state });
  });

  it('round-trips packets and states through the real codec', () => {
    const wire = codecWire(resolveConfig({}, 'lan'));
    const ping = { type: 'ping' as const, seq: 7, targetId: 'b', fromId: 'a', viewId: 99 };
    expect(wire.decodePacket(wire.encodePacket([ping]))).toEqual({ ok: true, value: [ping] });
    const garbage = wire.decodePacket(new Uint8Array([1, 2, 3]));
    expect(garbage.ok).toBe(false);
    const state: StateMessage = { type: 'state', join: true, fromId: 'a', members: [] };
    expect(wire.decodeState(wire.encodeState(state))).toEqual({ ok: true, value: state });
  });
});
