/**
 * The frames of a digest sync: digests, partial states (a state with a
 * scope), and deflated states, with their limits. Bad input of each kind
 * is a typed drop, never a throw, and a deflated frame never inflates past
 * stateBytesMax or DEFLATE_RATIO_MAX times its own size.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGEST_BYTES_MAX } from '../../src/codec/digest-codec.js';
import { MsgpackCodec } from '../../src/codec/index.js';
import { DEFLATE_RATIO_MAX } from '../../src/codec/state-deflate.js';
import { dropReasonNames } from '../../src/core/drops.js';
import type { DigestMessage, StateMessage } from '../../src/core/messages.js';
import type { MemberSnapshot } from '../../src/core/types.js';
import { concat, frame, header, LABEL, stateArb, WIDE, WIDE_STATE } from './helpers.js';

const STATE_BYTES_MAX = 4 << 20;
const codec = new MsgpackCodec({
  label: LABEL,
  packetLimits: { packetBytesMax: 1400, metadataBytesMax: 512 },
  stateLimits: { stateBytesMax: STATE_BYTES_MAX, membersMax: 20_000, metadataBytesMax: 512 },
});

const DIGEST: DigestMessage = {
  type: 'digest',
  join: false,
  fromId: 'node-a',
  buckets: [0, 1, 0xffff_ffff, 77],
  check: 0x1234_5678,
  eventLtime: 9,
};

function rows(count: number): MemberSnapshot[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `node-${i}`,
    address: `10.0.${i >> 8}.${i & 0xff}:7946`,
    incarnation: 1_764_000_000_000 + i,
    state: 'alive' as const,
    threads: 1,
    metadata: { zone: `z${i % 3}` },
    viewDelayMs: 0,
  }));
}

function reason(result: { ok: boolean; reason?: string }): string {
  if (result.ok) return 'accepted';
  expect(dropReasonNames).toContain(result.reason);
  return result.reason as string;
}

/** A deflated frame of `payload` (the msgpack after the header). */
function deflated(payload: Uint8Array): Uint8Array {
  return concat(header(LABEL, 0x02), deflateRawSync(payload));
}

describe('digests', () => {
  it('round-trip as sync requests and are refused where a state must be', () => {
    const bytes = codec.encodeState(DIGEST);
    expect(bytes.length).toBeLessThanOrEqual(DIGEST_BYTES_MAX);
    expect(codec.decodeSyncRequest(bytes)).toEqual({ ok: true, state: DIGEST });
    expect(reason(codec.decodeState(bytes))).toBe('invalid-field');
  });

  it('a digest of 64 buckets stays well under a kilobyte; 128 buckets or three are refused', () => {
    const widest = { ...DIGEST, buckets: new Array(64).fill(0xffff_ffff) };
    expect(codec.encodeState(widest).length).toBeLessThan(400);
    for (const buckets of [new Array(128).fill(1), [1, 2, 3], []]) {
      const bytes = frame([10, 'node-a', 0, 0, buckets]);
      expect(reason(codec.decodeSyncRequest(bytes))).toBe('invalid-field');
    }
  });

  it('a digest with a field out of its range, missing, or trailing bytes is a drop', () => {
    const bad = [
      frame([10, 'node-a', 0, -1, [0]]),
      frame([10, 'node-a', 0, 2 ** 32, [0]]),
      frame([10, '', 0, 0, [0]]),
      frame([10, 'node-a', 0, 0, [0.5]]),
      frame([10, 'node-a', 0, 0]),
      concat(codec.encodeState(DIGEST), Uint8Array.of(0)),
      codec.encodeState(DIGEST).subarray(0, 20),
    ];
    for (const bytes of bad) expect(reason(codec.decodeSyncRequest(bytes))).not.toBe('accepted');
  });

  it('a digest frame declaring more than a digest can be is refused from its head', () => {
    const bytes = codec.encodeState(DIGEST);
    expect(codec.checkStateHead(bytes, bytes.length)).toBeUndefined();
    expect(codec.checkStateHead(bytes, DIGEST_BYTES_MAX + 1)).toMatchObject({
      ok: false,
      reason: 'too-large',
    });
  });
});

describe('partial states', () => {
  it('round-trip with their scope, deflated or not', () => {
    fc.assert(
      fc.property(stateArb, fc.subarray([0, 3, 5, 31]), (state, buckets) => {
        const wide = new MsgpackCodec({ label: LABEL, packetLimits: WIDE, stateLimits: WIDE_STATE });
        const partial: StateMessage = { ...state, eventLtime: 4, scope: { bucketCount: 32, buckets } };
        expect(wide.decodeSyncRequest(wide.encodeState(partial))).toEqual({ ok: true, state: partial });
      }),
      { numRuns: 100 },
    );
  });

  it('a scope that is not a power of two, not ascending, or beyond its count is refused', () => {
    for (const [count, buckets] of [
      [3, [0]],
      [128, [0]],
      [8, [2, 1]],
      [8, [1, 1]],
      [8, [8]],
      [8, [-1]],
      [8, 'x'],
    ] as const) {
      const bytes = frame([8, false, 'node-a', [], 0, count, buckets]);
      expect(reason(codec.decodeState(bytes))).toBe('invalid-field');
    }
    // Six fields: an eventLtime and a count without its buckets.
    expect(reason(codec.decodeState(frame([8, false, 'node-a', [], 0, 8])))).toBe('invalid-field');
  });
});

describe('deflated states', () => {
  it('a state of many rows travels deflated, at a fraction of its size, and decodes to itself', () => {
    const state: StateMessage = { type: 'state', join: false, fromId: 'node-0', members: rows(1000) };
    const bytes = codec.encodeState(state);
    expect(bytes[3]).toBe(0x02);
    const plainBytes = frame([8, false, 'node-0', state.members.map((m) => Object.values(m))]).length;
    expect(bytes.length * 3).toBeLessThan(plainBytes);
    expect(codec.decodeState(bytes)).toEqual({ ok: true, state });
    expect(codec.checkStateHead(bytes.subarray(0, 256), bytes.length)).toBeUndefined();
  });

  it('a bomb is refused once it inflates past 64 times its size, before stateBytesMax', () => {
    const bomb = deflated(new Uint8Array(STATE_BYTES_MAX / 2));
    expect(bomb.length * DEFLATE_RATIO_MAX).toBeLessThan(STATE_BYTES_MAX / 2);
    expect(codec.decodeState(bomb)).toMatchObject({ ok: false, reason: 'too-large' });
    expect(codec.decodeSyncRequest(bomb)).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('a frame inflating past stateBytesMax is refused, however well it compresses', () => {
    const state: StateMessage = { type: 'state', join: false, fromId: 'node-0', members: rows(3000) };
    const small = new MsgpackCodec({
      label: LABEL,
      packetLimits: { packetBytesMax: 1400, metadataBytesMax: 512 },
      stateLimits: { stateBytesMax: 50_000, membersMax: 20_000, metadataBytesMax: 512 },
    });
    const bytes = codec.encodeState(state);
    expect(bytes.length).toBeLessThan(50_000);
    expect(small.decodeState(bytes)).toMatchObject({ ok: false, reason: 'too-large' });
    expect(small.checkStateHead(bytes.subarray(0, 256), 60_000)).toMatchObject({
      ok: false,
      reason: 'too-large',
    });
  });

  it('flagged deflated but no deflate stream, or deflating garbage, is a drop, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (payload, wrap) => {
        const bytes = wrap ? deflated(payload) : concat(header(LABEL, 0x02), payload);
        expect(reason(codec.decodeState(bytes))).not.toBe('accepted');
        expect(reason(codec.decodeSyncRequest(bytes))).not.toBe('accepted');
        expect(reason(codec.decodePacket(bytes))).toBe('unsupported-flags');
      }),
      { numRuns: 300 },
    );
  });
});
