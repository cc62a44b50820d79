import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { DecodeLimits } from '../../src/codec/index.js';
import { decodePacket } from '../../src/codec/index.js';
import { concat, frame, header, LABEL, WIDE } from './helpers.js';

const LIMITS: DecodeLimits = { packetBytesMax: 65_000, metadataBytesMax: 512 };
const decode = (payload: unknown, limits = LIMITS) => decodePacket(frame(payload), LABEL, limits);
const expectInvalid = (payload: unknown, limits = LIMITS) =>
  expect(decode(payload, limits)).toMatchObject({ ok: false, reason: 'invalid-field' });
const expectValid = (payload: unknown, limits = LIMITS) => expect(decode(payload, limits).ok).toBe(true);

const alive = (
  overrides: Partial<Record<'id' | 'address' | 'incarnation' | 'threads' | 'metadata' | 'delay', unknown>>,
) => [
  4,
  'id' in overrides ? overrides.id : 'node',
  'address' in overrides ? overrides.address : '10.0.0.1:7946',
  'incarnation' in overrides ? overrides.incarnation : 1,
  'threads' in overrides ? overrides.threads : 1,
  'metadata' in overrides ? overrides.metadata : {},
  'delay' in overrides ? overrides.delay : 0,
];

describe('field validation', () => {
  it('accepts the baseline tuple the other cases mutate', () => {
    expectValid([alive({})]);
  });

  it('ids: 1..128 UTF-8 bytes', () => {
    expectValid([alive({ id: 'x'.repeat(128) })]);
    expectValid([alive({ id: `${'€'.repeat(42)}xx` })]); // 128 bytes
    expectInvalid([alive({ id: 'x'.repeat(129) })]);
    expectInvalid([alive({ id: `${'€'.repeat(43)}` })]); // 129 bytes in 43 characters
    expectInvalid([alive({ id: '' })]);
    expectInvalid([alive({ id: 42 })]);
    expectInvalid([[5, 'a', 1, 'x'.repeat(129)]]); // fromId
    expectInvalid([[0, 1, '', 'a', 0]]); // targetId
  });

  it('ids: no control characters, as for a local id', () => {
    expectInvalid([alive({ id: '\u001b[2Jnode' })]); // ESC, a terminal escape
    expectInvalid([alive({ id: 'a\nb' })]);
    expectInvalid([alive({ id: 'c1\u009b' })]);
    expectInvalid([alive({ id: 'del\u007f' })]);
    expectInvalid([[5, 'a', 1, 'from\u0007']]); // fromId
    expectValid([alive({ id: 'ノード-1' })]);
  });

  it('incarnation: safe integers 0..2^53-1 (a life starts at the wall clock in ms)', () => {
    expectValid([alive({ incarnation: 0xffff_ffff })]);
    expectValid([alive({ incarnation: 1_800_000_000_000 })]);
    expectValid([alive({ incarnation: 9_007_199_254_740_991 })]);
    expectInvalid([alive({ incarnation: 9_007_199_254_740_992 })]);
  });

  it('seq, viewId, incarnation: integers, never negative or fractional; seq and viewId up to 2^32-1', () => {
    expectInvalid([[2, 0x1_0000_0000, 1]]); // ack seq
    expectInvalid([alive({ incarnation: -1 })]);
    expectInvalid([alive({ incarnation: 1.5 })]);
    expectInvalid([alive({ incarnation: '1' })]);
    expectInvalid([alive({ incarnation: null })]);
    expectInvalid([[2, -5]]);
    expectInvalid([[1, 1, Number.NaN]]);
    expectInvalid([[1, 1, 2n ** 40n]]); // int64 on the wire decodes to a bigint
  });

  it('threads: integer 1..65535', () => {
    expectValid([alive({ threads: 65_535 })]);
    expectInvalid([alive({ threads: 0 })]);
    expectInvalid([alive({ threads: 65_536 })]);
    expectInvalid([alive({ threads: 2.5 })]);
  });

  it('viewDelayMs: integer 0..600000', () => {
    expectValid([alive({ delay: 600_000 })]);
    expectInvalid([alive({ delay: 600_001 })]);
    expectInvalid([alive({ delay: -1 })]);
    expectInvalid([[7, 'a', 1, 600_001]]);
  });

  it('addresses must be an IP literal with a port: no name to look up', () => {
    expectValid([alive({ address: '[::1]:7946' })]);
    expectValid([[3, 1, 'b', '10.0.0.2:1', 'a']]);
    expectInvalid([[3, 1, 'b', 'host.example:1', 'a']]);
    const bad = ['nohost', '1.2.3.4', '[::1]', 'h:99999', ':80', 'a b:1', '::1:80', 'localhost:7946', 42];
    for (const address of bad) {
      expectInvalid([alive({ address })]);
    }
    expectInvalid([[3, 1, 'b', 'bad', 'a']]);
  });

  it('metadata: a string-to-string map within the byte and key limits', () => {
    expectInvalid([alive({ metadata: { zone: 1 } })]);
    expectInvalid([alive({ metadata: new Map<unknown, string>([[1, 'one']]) })]);
    expectInvalid([alive({ metadata: ['a', 'b'] })]);
    expectInvalid([alive({ metadata: 'zone=eu' })]);
    expectInvalid([alive({ metadata: null })]);
    const keys = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, '']));
    expectValid([alive({ metadata: keys(64) })]);
    expectInvalid([alive({ metadata: keys(65) })]);
    expectValid([alive({ metadata: { k: 'v'.repeat(511) } })]); // exactly 512 bytes
    expectInvalid([alive({ metadata: { k: 'v'.repeat(512) } })]);
    expectInvalid([alive({ metadata: { k: '€'.repeat(171) } })]); // 1 + 513 bytes
  });

  it('refuses msgpackr records in place of a map, and they do not leak into later packets', () => {
    const recordPackr = new Packr({ useRecords: true });
    const recordPayload = recordPackr.pack([[4, 'node', 'h:1', 1, 1, { zone: 'eu' }, 0]]);
    expect(decodePacket(concat(header(), recordPayload), LABEL, LIMITS)).toMatchObject({
      reason: 'invalid-field',
    });
    // 64..127 are record ids when records are in play; a fresh packet must still read them as integers.
    expect(decode([[2, 64]])).toEqual({ ok: true, messages: [{ type: 'nack', seq: 64 }] });
  });

  it('unknown type codes', () => {
    for (const code of [8, 9, 127, -1, '0', null, 1.5]) expectInvalid([[code, 1]]);
  });

  it('wrong arity is a schema error', () => {
    expectInvalid([[2, 1, 'extra']]);
    expectInvalid([[2]]);
    expectInvalid([[1, 1]]);
    expectInvalid([alive({}).concat([0])]);
    expectInvalid([[]]);
  });

  it('a message that is not an array is a schema error', () => {
    expectInvalid([{ type: 'nack', seq: 1 }]);
    expectInvalid([2]);
    expectInvalid(['nack']);
  });

  it('one bad message drops the whole packet', () => {
    expectInvalid([
      [2, 1],
      [2, -1],
      [2, 3],
    ]);
  });

  it('a payload that is not an array, or has trailing bytes, is malformed', () => {
    expect(decode({ 0: [2, 1] })).toMatchObject({ reason: 'malformed' });
    expect(decode(7)).toMatchObject({ reason: 'malformed' });
    expect(decodePacket(header(), LABEL, LIMITS)).toMatchObject({ reason: 'malformed' });
    expect(decodePacket(concat(frame([[2, 1]]), Uint8Array.of(0xc0)), LABEL, LIMITS)).toMatchObject({
      reason: 'malformed',
    });
  });

  it('more than messagesMax messages, refused from the array header alone', () => {
    const nacks = (count: number) => Array.from({ length: count }, (_, seq) => [2, seq]);
    expectValid(nacks(256));
    expect(decode(nacks(257))).toMatchObject({ ok: false, reason: 'too-many-messages' });
    expect(decode(nacks(4), { ...LIMITS, messagesMax: 3 })).toMatchObject({ reason: 'too-many-messages' });
    // An array32 header claiming four billion entries, with nothing behind it.
    const huge = concat(header(), Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff));
    expect(decodePacket(huge, LABEL, LIMITS)).toMatchObject({ reason: 'too-many-messages' });
    expect(decodePacket(huge, LABEL, { ...WIDE, messagesMax: 2 ** 33 })).toMatchObject({
      reason: 'malformed',
    });
  });

  it('accepts integers written as floats, and normalises -0', () => {
    // [[2, -0.0]] with the seq as a float64.
    const negativeZero = Uint8Array.of(0x91, 0x92, 0x02, 0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0);
    const result = decodePacket(concat(header(), negativeZero), LABEL, LIMITS);
    expect(result.ok && Object.is((result.messages[0] as { seq: number }).seq, 0)).toBe(true);
  });
});
