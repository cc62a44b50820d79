/**
 * The state decoder refuses what no valid peer can send from headers alone:
 * row counts over membersMax or beyond what the bytes can hold, rows larger
 * than the largest valid row, containers that declare more entries than
 * the schema has, kinds the protocol never writes. And the largest valid
 * state still fits the derived stateBytesMax.
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, memberRowBytes, msgpackWireFormat } from '../../src/codec/index.js';
import { LONGEST_ID, memberRowBytesMax } from '../../src/codec/member-row.js';
import { valueEnd } from '../../src/codec/msgpack.js';
import { checkStateHead, STATE_HEAD_BYTES, StateDecoder, StateEncoder } from '../../src/codec/state-codec.js';
import type { MemberSnapshot } from '../../src/core/types.js';
import { concat, frame, header, LABEL, memberArb, stateArb } from './helpers.js';

const LIMITS = { stateBytesMax: 1 << 30, membersMax: 1000, metadataBytesMax: 512 };
const ROW = ['node-a', '10.0.0.1:1', 1, 0, 1, {}, 0];
/** The state's bytes up to its rows: [8, true, 'a', <rows header>]. */
const HEAD = Uint8Array.of(0x94, 0x08, 0xc3, 0xa1, 0x61);
const rawPackr = new Packr({ useRecords: false, variableMapSize: true });

/** Metadata of exactly `bytes` UTF-8 bytes in as many keys as allowed (64): the most headers the limit allows. */
function widestMetadata(bytes: number): Record<string, string> {
  const keys = Math.min(64, Math.floor(bytes / 2));
  const valueBytes = bytes - 2 * keys;
  const metadata: Record<string, string> = {};
  for (let i = 0; i < keys; i++) {
    const share = Math.floor(valueBytes / keys) + (i === keys - 1 ? valueBytes % keys : 0);
    metadata[String(i).padStart(2, '0')] = 'v'.repeat(share);
  }
  return metadata;
}

/** The longest address the wire accepts: IPv6 with an IPv4 tail and a 64-character zone. */
const LONGEST_WIRE_ADDRESS = `[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%${'z'.repeat(64)}]:65535`;

const largest = (i: number, metadataBytesMax: number): MemberSnapshot => ({
  id: `${i}`.padEnd(LONGEST_ID.length, 'x'),
  address: LONGEST_WIRE_ADDRESS,
  incarnation: Number.MAX_SAFE_INTEGER,
  state: 'suspect',
  threads: 65_535,
  metadata: widestMetadata(metadataBytesMax),
  viewDelayMs: 600_000,
});

describe('state decoder bounds', () => {
  it('refuses a row count over membersMax from the header (a 13-byte payload claiming 2^32 - 1 rows)', () => {
    const bytes = concat(header(), HEAD, Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff));
    expect(decodeState(bytes, LABEL, LIMITS)).toMatchObject({ ok: false, reason: 'too-many-messages' });
  });

  it('refuses a row count the remaining bytes cannot hold', () => {
    const bytes = concat(header(), HEAD, Uint8Array.of(0xdc, 0x03, 0xe8), rawPackr.pack(ROW));
    expect(decodeState(bytes, LABEL, LIMITS)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('refuses a metadata map that declares more entries than a member may have', () => {
    const map32 = Uint8Array.of(0xdf, 0x7f, 0xff, 0xff, 0xff);
    const row = concat(Uint8Array.of(0x97), rawPackr.pack(ROW.slice(0, 5)).subarray(1), map32);
    const bytes = concat(header(), HEAD, Uint8Array.of(0x91), row, new Uint8Array(64));
    expect(decodeState(bytes, LABEL, LIMITS)).toMatchObject({ ok: false, reason: 'invalid-field' });
  });

  it('refuses a state larger than its declared rows can be, from its head', () => {
    const huge = [...ROW.slice(0, 5), { k: 'v'.repeat(memberRowBytesMax(512)) }, 0];
    const bytes = frame([8, true, 'a', [huge]]);
    const result = decodeState(bytes, LABEL, LIMITS);
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
    expect(result.ok === false && result.detail).toContain(`at most ${memberRowBytesMax(512)}`);
    expect(checkStateHead(bytes.subarray(0, STATE_HEAD_BYTES), bytes.length, LABEL, LIMITS)).toEqual(result);
  });

  it('refuses a row larger than the largest valid row before decoding it', () => {
    const large = [...ROW.slice(0, 5), { k: 'v'.repeat(memberRowBytesMax(512) + 200) }, 0];
    const bytes = frame([8, true, 'a', [ROW, large]]);
    const result = decodeState(bytes, LABEL, LIMITS);
    expect(result).toMatchObject({ ok: false, reason: 'invalid-field' });
    expect(result.ok === false && result.detail).toContain(
      `member row 1 is over ${memberRowBytesMax(512)} bytes`,
    );
  });

  it('checks a state frame from its first bytes and declared size', () => {
    const valid = encodeState({ type: 'state', join: false, fromId: 'a', members: [] }, LABEL);
    expect(checkStateHead(valid, valid.length, LABEL, LIMITS)).toBeUndefined();
    const lying = concat(header(), HEAD, Uint8Array.of(0xdc, 0x00, 0x02));
    // Two rows cannot take 20 MB, nor 10 bytes.
    expect(checkStateHead(lying, 20_000_000, LABEL, LIMITS)).toMatchObject({ reason: 'malformed' });
    expect(checkStateHead(lying, lying.length + 10, LABEL, LIMITS)).toMatchObject({ reason: 'malformed' });
    expect(checkStateHead(lying, lying.length + 100, LABEL, LIMITS)).toBeUndefined();
    expect(checkStateHead(lying, (1 << 30) + 1, LABEL, LIMITS)).toMatchObject({ reason: 'too-large' });
  });

  it('refuses bin and ext values', () => {
    const withBin = frame([8, true, 'a', [[...ROW.slice(0, 6), new Uint8Array(2)]]]);
    expect(decodeState(withBin, LABEL, LIMITS)).toMatchObject({ ok: false, reason: 'invalid-field' });
    const withDate = frame([8, true, 'a', [[...ROW.slice(0, 6), new Date(0)]]]);
    expect(decodeState(withDate, LABEL, LIMITS)).toMatchObject({ ok: false, reason: 'invalid-field' });
  });

  it('property: every valid row is within memberRowBytesMax', () => {
    fc.assert(
      fc.property(memberArb, (member) => {
        // memberArb's metadata is unbounded: hold it to the limit it actually has.
        const metadataBytes = [...Object.entries(member.metadata)].reduce(
          (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
          0,
        );
        expect(memberRowBytes(member)).toBeLessThanOrEqual(memberRowBytesMax(metadataBytes));
      }),
      { numRuns: 300 },
    );
  });

  it('the largest rows are within the bound, and membersMax of them within stateBytesMax', () => {
    for (const metadataBytesMax of [0, 64, 512, 16_384]) {
      const member = largest(1, metadataBytesMax);
      expect(memberRowBytes(member)).toBeLessThanOrEqual(memberRowBytesMax(metadataBytesMax));
      const members = Array.from({ length: 50 }, (_, i) => largest(i, metadataBytesMax));
      const state = { type: 'state' as const, join: true, fromId: LONGEST_ID, members };
      const bytes = encodeState(state, LABEL);
      expect(bytes.length).toBeLessThanOrEqual(msgpackWireFormat.stateBytesMax(50, metadataBytesMax));
      const limits = { stateBytesMax: bytes.length, membersMax: 50, metadataBytesMax };
      expect(decodeState(bytes, LABEL, limits)).toEqual({ ok: true, state });
    }
  });

  it('decodes the same state whatever the step size', () => {
    fc.assert(
      fc.property(stateArb, fc.integer({ min: 1, max: 5 }), (state, rowsPerStep) => {
        const bytes = encodeState(state, LABEL);
        const wide = { stateBytesMax: 1 << 30, membersMax: 1_000_000, metadataBytesMax: 1_000_000 };
        const decoder = StateDecoder.start(bytes, LABEL, wide);
        if (!(decoder instanceof StateDecoder)) throw new Error(`refused: ${decoder.detail}`);
        let steps = 0;
        let result = decoder.next(rowsPerStep);
        while (result === undefined) {
          steps++;
          result = decoder.next(rowsPerStep);
        }
        expect(result).toEqual({ ok: true, state });
        expect(steps).toBe(Math.max(0, Math.ceil(state.members.length / rowsPerStep) - 1));
      }),
      { numRuns: 200 },
    );
  });
});

describe('StateEncoder', () => {
  it('property: writes the bytes encodeState writes, whatever the step size', () => {
    fc.assert(
      fc.property(stateArb, fc.integer({ min: 1, max: 5 }), (state, rowsPerStep) => {
        const encoder = new StateEncoder(state, LABEL);
        let bytes = encoder.next(rowsPerStep);
        while (bytes === undefined) bytes = encoder.next(rowsPerStep);
        expect([...bytes]).toEqual([...encodeState(state, LABEL)]);
      }),
      { numRuns: 200 },
    );
  });

  it('writes every row-count header form (fix, 16-bit, 32-bit)', () => {
    for (const count of [0, 15, 16, 65_535, 65_536]) {
      const members = Array.from({ length: count }, (_, i) => ({
        id: `m${i}`,
        address: '10.0.0.1:1',
        incarnation: 1,
        state: 'alive' as const,
        threads: 1,
        metadata: {},
        viewDelayMs: 0,
      }));
      const state = { type: 'state' as const, join: false, fromId: 'a', members };
      const encoder = new StateEncoder(state, LABEL);
      let bytes = encoder.next(10_000);
      while (bytes === undefined) bytes = encoder.next(10_000);
      expect(Buffer.from(bytes).equals(Buffer.from(encodeState(state, LABEL)))).toBe(true);
    }
  });
});

describe('valueEnd', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.string({ maxLength: 300 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 20 }),
      fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 20 }),
    ),
  })).value;

  it('property: finds the end msgpackr wrote, whatever follows', () => {
    fc.assert(
      fc.property(json, fc.uint8Array({ maxLength: 8 }), (value, trailer) => {
        const packed = rawPackr.pack(value);
        const bytes = concat(packed, trailer);
        expect(valueEnd(bytes, 0, bytes.length, 1000)).toBe(packed.length);
        expect(valueEnd(bytes, 0, packed.length - 1, 1000)).toBe('over-bytes');
        expect(valueEnd(packed.subarray(0, packed.length - 1), 0, 1 << 20, 1000)).toBe('truncated');
      }),
      { numRuns: 500 },
    );
  });
});
