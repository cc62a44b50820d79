import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import type { StateMessage } from '../../src/core/messages.js';
import { codecWire, stateBytes } from '../../src/sim/wire.js';

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
  it('counts the exact encoded size of a state without encoding it', () => {
    const wire = codecWire(resolveConfig({}, 'lan'));
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.array(member, { maxLength: 40 }),
        (join, fromId, members) => {
          const state: StateMessage = { type: 'state', join, fromId, members };
          expect(stateBytes(state)).toBe(wire.encodeState(state).length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sizes a member again once any field of its row changes', () => {
    const wire = codecWire(resolveConfig({}, 'lan'));
    const row = {
      id: 'n0001',
      address: '10.0.0.1:7946',
      incarnation: 0,
      state: 'alive' as const,
      threads: 1,
      metadata: {},
      viewDelayMs: 0,
    };
    const rows = [
      row,
      { ...row, address: '10.0.100.200:65000' },
      { ...row, metadata: { zone: 'eu-west-1', rack: 'r17' } },
      { ...row, incarnation: 70_000 },
      { ...row, state: 'left' as const },
      { ...row, threads: 65_535 },
      { ...row, viewDelayMs: 600_000 },
      row,
    ];
    for (const member of rows) {
      const state: StateMessage = { type: 'state', join: false, fromId: 'a', members: [member, member] };
      expect(stateBytes(state)).toBe(wire.encodeState(state).length);
    }
  });

  it('sizes a shared frozen row again after another row of that member was sized', () => {
    const wire = codecWire(resolveConfig({}, 'lan'));
    const shared = Object.freeze({
      id: 'n0002',
      address: '10.0.0.2:7946',
      incarnation: 0,
      state: 'alive' as const,
      threads: 1,
      metadata: {},
      viewDelayMs: 0,
    });
    const rows = [
      shared,
      shared,
      { ...shared, viewDelayMs: 1_500 },
      shared,
      { ...shared, threads: 300 },
      shared,
    ];
    for (const member of rows) {
      const state: StateMessage = { type: 'state', join: false, fromId: 'a', members: [member] };
      expect(stateBytes(state)).toBe(wire.encodeState(state).length);
    }
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
