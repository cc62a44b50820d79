/** Shared test fixtures: limits, a raw framer for hand-built payloads, and fast-check arbitraries. */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { isIpAddress } from '../../src/core/address.js';
import type { Message, StateMessage } from '../../src/core/messages.js';
import type { MemberSnapshot, MemberState, Metadata } from '../../src/core/types.js';

export const LABEL = 0xdead_beef;

/** Loose enough that round-trip properties never hit a limit. */
export const WIDE = { packetBytesMax: Number.MAX_SAFE_INTEGER, metadataBytesMax: 1_000_000 } as const;
export const WIDE_STATE = {
  stateBytesMax: Number.MAX_SAFE_INTEGER,
  membersMax: 1_000_000,
  metadataBytesMax: 1_000_000,
} as const;

const rawPackr = new Packr({ useRecords: false, variableMapSize: true });

export function header(label = LABEL, flags = 0, version = 1): Uint8Array {
  return Uint8Array.of(
    0x4d,
    0x4e,
    version,
    flags,
    label >>> 24,
    (label >>> 16) & 0xff,
    (label >>> 8) & 0xff,
    label & 0xff,
  );
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A valid header followed by whatever msgpack `payload` packs to, built independently of the codec. */
export function frame(payload: unknown, label = LABEL): Uint8Array {
  return concat(header(label), rawPackr.pack(payload));
}

const utf8 = new TextEncoder();
export const byteLength = (text: string): number => utf8.encode(text).length;

export const port = fc.integer({ min: 0, max: 65_535 });

/** `text` with every C0, DEL and C1 control character replaced by "_" (ids may not hold them). */
export function withoutControlCharacters(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '_' : char;
  }
  return out;
}

export const idArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 24 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
    // Near the 128-byte limit with multibyte characters.
    fc.string({ unit: 'binary', minLength: 30, maxLength: 64 }),
  )
  .map(withoutControlCharacters)
  .filter((id) => byteLength(id) <= 128);

export const addressArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.constant('[::1]:7946'),
    fc.tuple(fc.ipV4(), port).map(([host, p]) => `${host}:${p}`),
    fc.tuple(fc.ipV6(), port).map(([host, p]) => `[${host}]:${p}`),
    // The longest an address from the wire gets: IPv6 with an IPv4 tail and a 64-character zone.
    fc
      .tuple(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,64}$/), port)
      .map(([host, zone, p]) => `[${host}%${zone}]:${p}`),
  )
  .filter((address) => isIpAddress(address));

/** Spans every msgpack integer width the protocol uses. */
export const uint32Arb = fc.oneof(
  fc.constantFrom(0, 127, 128, 255, 256, 65_535, 65_536, 0xffff_ffff),
  fc.integer({ min: 0, max: 0xffff_ffff }),
);
/** Incarnations reach past 32 bits: a life starts at the wall clock in ms. */
export const incarnationArb = fc.oneof(
  uint32Arb,
  fc.constantFrom(0x1_0000_0000, 1_800_000_000_000, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);
export const threadsArb = fc.oneof(
  fc.constantFrom(1, 127, 128, 255, 256, 65_535),
  fc.integer({ min: 1, max: 65_535 }),
);
export const viewDelayArb = fc.oneof(
  fc.constantFrom(0, 127, 65_536, 600_000),
  fc.integer({ min: 0, max: 600_000 }),
);

// Strings up to 300 code points reach str8 and str16 headers; up to 20 keys reach map16.
const metaText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
);
export const metadataArb: fc.Arbitrary<Metadata> = fc.dictionary(
  fc.string({ unit: 'binary', maxLength: 16 }),
  metaText,
  {
    maxKeys: 20,
  },
);

/** Event names a handler filter can select: no whitespace, commas or control characters. */
export const userEventNameArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abz09-_.:/é€🦊'), minLength: 1, maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('d', 'e', 'p'), minLength: 100, maxLength: 128 }),
);

export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('ping'), seq: uint32Arb, targetId: idArb, fromId: idArb, viewId: uint32Arb }),
  fc.record({ type: fc.constant('ack'), seq: uint32Arb, viewId: uint32Arb }),
  fc.record({ type: fc.constant('nack'), seq: uint32Arb }),
  fc.record({
    type: fc.constant('ping-req'),
    seq: uint32Arb,
    targetId: idArb,
    targetAddress: addressArb,
    fromId: idArb,
  }),
  fc.record({
    type: fc.constant('alive'),
    id: idArb,
    address: addressArb,
    incarnation: incarnationArb,
    threads: threadsArb,
    metadata: metadataArb,
    viewDelayMs: viewDelayArb,
  }),
  fc.record({ type: fc.constant('suspect'), id: idArb, incarnation: incarnationArb, fromId: idArb }),
  fc.record({
    type: fc.constant('dead'),
    id: idArb,
    incarnation: incarnationArb,
    fromId: idArb,
    viewDelayMs: viewDelayArb,
  }),
  fc.record({ type: fc.constant('left'), id: idArb, incarnation: incarnationArb, viewDelayMs: viewDelayArb }),
  fc.record({
    type: fc.constant('user-event'),
    name: userEventNameArb,
    // Up to the default limit: across the bin8/bin16 boundary at 256 bytes.
    payload: fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 512 })),
    fromId: idArb,
    ltime: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  }),
) as fc.Arbitrary<Message>;

export const memberArb: fc.Arbitrary<MemberSnapshot> = fc.record({
  id: idArb,
  address: addressArb,
  incarnation: incarnationArb,
  state: fc.constantFrom<MemberState>('alive', 'suspect', 'dead', 'left'),
  threads: threadsArb,
  metadata: metadataArb,
  viewDelayMs: viewDelayArb,
});

export const stateArb: fc.Arbitrary<StateMessage> = fc.record(
  {
    type: fc.constant('state'),
    join: fc.boolean(),
    fromId: idArb,
    members: fc.array(memberArb, { maxLength: 20 }),
    // Present in states of nodes that know user events, absent in older ones.
    eventLtime: fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    ),
  },
  { requiredKeys: ['type', 'join', 'fromId', 'members'] },
);

/** One of each message type, with values chosen to cross encoding widths. */
export const SAMPLES: readonly Message[] = [
  { type: 'ping', seq: 1, targetId: 'node-b', fromId: 'node-a', viewId: 0xffff_ffff },
  { type: 'ack', seq: 65_536, viewId: 128 },
  { type: 'nack', seq: 0 },
  { type: 'ping-req', seq: 300, targetId: 'nœud-ç', targetAddress: '[::1]:7946', fromId: 'node-a' },
  {
    type: 'alive',
    id: 'ノード-1',
    address: '10.0.0.7:7946',
    incarnation: 7,
    threads: 65_535,
    metadata: { zone: 'eu-west-1a', emoji: '🦊', empty: '' },
    viewDelayMs: 600_000,
  },
  { type: 'suspect', id: 'node-c', incarnation: 255, fromId: 'node-a' },
  { type: 'dead', id: 'node-c', incarnation: 256, fromId: 'node-b', viewDelayMs: 1500 },
  { type: 'left', id: 'node-d', incarnation: 0, viewDelayMs: 0 },
];
