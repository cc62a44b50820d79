import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState, encodePacket, encodeState } from '../../src/codec/index.js';
import type { StateMessage } from '../../src/core/messages.js';
import type { MemberSnapshot } from '../../src/core/types.js';
import { frame, LABEL, stateArb, WIDE_STATE } from './helpers.js';

const member = (id: string, overrides: Partial<MemberSnapshot> = {}): MemberSnapshot => ({
  id,
  address: '10.0.0.1:7946',
  incarnation: 3,
  state: 'alive',
  threads: 4,
  metadata: { zone: 'eu' },
  viewDelayMs: 0,
  ...overrides,
});

const STATE: StateMessage = {
  type: 'state',
  join: true,
  fromId: 'node-a',
  members: [
    member('node-a'),
    member('node-b', { state: 'suspect', address: '[::1]:7946', incarnation: 0xffff_ffff }),
    member('nœud-c', { state: 'dead', threads: 65_535, metadata: {}, viewDelayMs: 1500 }),
    member('node-d', { state: 'left', viewDelayMs: 600_000 }),
  ],
};

const row = (overrides: Partial<Record<'state' | 'threads' | 'metadata', unknown>> = {}) => [
  'node-a',
  '10.0.0.1:1',
  1,
  'state' in overrides ? overrides.state : 0,
  'threads' in overrides ? overrides.threads : 1,
  'metadata' in overrides ? overrides.metadata : {},
  0,
];

describe('state codec', () => {
  it('round-trips every member state', () => {
    expect(decodeState(encodeState(STATE, LABEL), LABEL, WIDE_STATE)).toEqual({ ok: true, state: STATE });
  });

  it('round-trips an empty, non-join state', () => {
    const state: StateMessage = { type: 'state', join: false, fromId: 'x', members: [] };
    expect(decodeState(encodeState(state, LABEL), LABEL, WIDE_STATE)).toEqual({ ok: true, state });
  });

  it('property: any valid state round-trips', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        expect(decodeState(encodeState(state, LABEL), LABEL, WIDE_STATE)).toEqual({ ok: true, state });
      }),
      { numRuns: 200 },
    );
  });

  it('gives every member without metadata one shared, frozen empty object', () => {
    const state: StateMessage = {
      ...STATE,
      members: [member('a', { metadata: {} }), member('b', { metadata: {} }), member('c')],
    };
    const first = decodeState(encodeState(state, LABEL), LABEL, WIDE_STATE);
    const second = decodeState(encodeState(state, LABEL), LABEL, WIDE_STATE);
    if (!first.ok || !second.ok) throw new Error('the state did not decode');
    const [a, b, c] = first.state.members;
    expect(a?.metadata).toBe(b?.metadata);
    expect(a?.metadata).toBe(second.state.members[0]?.metadata);
    expect(Object.isFrozen(a?.metadata)).toBe(true);
    // Metadata with keys is its own object, as before.
    expect(c?.metadata).toEqual({ zone: 'eu' });
    expect(Object.isFrozen(c?.metadata)).toBe(false);
  });

  it('limits the number of members', () => {
    const bytes = encodeState(STATE, LABEL);
    expect(decodeState(bytes, LABEL, { ...WIDE_STATE, membersMax: 4 }).ok).toBe(true);
    expect(decodeState(bytes, LABEL, { ...WIDE_STATE, membersMax: 3 })).toMatchObject({
      ok: false,
      reason: 'too-many-messages',
    });
  });

  it('limits the size in bytes', () => {
    const bytes = encodeState(STATE, LABEL);
    expect(decodeState(bytes, LABEL, { ...WIDE_STATE, stateBytesMax: bytes.length }).ok).toBe(true);
    expect(decodeState(bytes, LABEL, { ...WIDE_STATE, stateBytesMax: bytes.length - 1 })).toEqual({
      ok: false,
      reason: 'too-large',
    });
  });

  it('limits member metadata', () => {
    const bytes = encodeState(
      { ...STATE, members: [member('a', { metadata: { key: 'v'.repeat(100) } })] },
      LABEL,
    );
    expect(decodeState(bytes, LABEL, { ...WIDE_STATE, metadataBytesMax: 103 }).ok).toBe(true);
    expect(decodeState(bytes, LABEL, { ...WIDE_STATE, metadataBytesMax: 102 })).toMatchObject({
      reason: 'invalid-field',
    });
  });

  it('validates every field', () => {
    const invalid = (payload: unknown) =>
      expect(decodeState(frame(payload), LABEL, WIDE_STATE)).toMatchObject({
        ok: false,
        reason: 'invalid-field',
      });
    expect(decodeState(frame([8, true, 'a', [row()]]), LABEL, WIDE_STATE).ok).toBe(true);
    invalid([7, true, 'a', [row()]]);
    invalid([8, 1, 'a', [row()]]);
    invalid([8, true, '', [row()]]);
    invalid([8, true, 'a', {}]);
    invalid([8, true, 'a', [row()], 'extra']);
    invalid([8, true, 'a', [row({ state: 4 })]]);
    invalid([8, true, 'a', [row({ state: 'alive' })]]);
    invalid([8, true, 'a', [row({ threads: 0 })]]);
    invalid([8, true, 'a', [row({ metadata: { k: 1 } })]]);
    invalid([8, true, 'a', [row().slice(0, 6)]]);
    invalid([8, true, 'a', [['node-a', 'h:1', ...row().slice(2)]]]);
  });

  it('a packet is not a state', () => {
    const packet = encodePacket([{ type: 'nack', seq: 1 }], LABEL);
    expect(decodeState(packet, LABEL, WIDE_STATE)).toMatchObject({ ok: false, reason: 'invalid-field' });
    expect(decodeState(frame(5), LABEL, WIDE_STATE)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
