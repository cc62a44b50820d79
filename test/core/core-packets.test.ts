/**
 * Property: whatever the member table (many members, ids up to 128 UTF-8
 * bytes, long addresses, metadata up to the limit), no packet the core sends
 * is larger than packetBytesMax once actually encoded (sealed too, when the
 * core packs for the sealed wire format), and the broadcast
 * queue stays within its bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePacket, msgpackWireFormat } from '../../src/codec/index.js';
import { Keyring } from '../../src/codec/keyring.js';
import { MESSAGES_MAX_DEFAULT } from '../../src/codec/limits.js';
import { SealingCodec, sealedWireFormat } from '../../src/codec/sealing-codec.js';
import { resolveConfig } from '../../src/core/config.js';
import type { Message } from '../../src/core/messages.js';
import { SeededRandom } from '../../src/core/random.js';
import type { Metadata } from '../../src/core/types.js';
import { sendablePayloadBytesMax } from '../../src/core/user-events-rules.js';
import { withoutControlCharacters } from '../codec/helpers.js';
import { SoloCore } from './harness.js';

const LABEL = 0x1234_5678;
const SEALER = new SealingCodec({
  label: LABEL,
  packetLimits: { packetBytesMax: 65_000, metadataBytesMax: 16_384 },
  stateLimits: { stateBytesMax: 1 << 24, membersMax: 1 << 16, metadataBytesMax: 16_384 },
  keyring: new Keyring([new Uint8Array(32).fill(7)]),
});
const utf8 = new TextEncoder();
const bytesOf = (text: string) => utf8.encode(text).length;

function trimToBytes(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = bytesOf(char);
    if (used + size > bytes) break;
    out += char;
    used += size;
  }
  return out;
}

/** Ids of 1..128 UTF-8 bytes, often long, any Unicode but control characters. */
const idArb = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }),
    fc.string({ unit: 'binary-ascii', minLength: 100, maxLength: 128 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }),
  )
  .map((text) => trimToBytes(withoutControlCharacters(text), 128))
  .filter((text) => text.length > 0);

/** Addresses as the wire carries them, up to the longest: IPv6 with an IPv4 tail and a 64-character zone. */
const addressArb = fc
  .tuple(
    fc.oneof(
      fc.ipV4(),
      fc.ipV6().map((host) => `[${host}]`),
      fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,64}$/)).map(([host, zone]) => `[${host}%${zone}]`),
    ),
    fc.integer({ min: 0, max: 65535 }),
  )
  .map(([host, port]) => `${host}:${port}`);

/** Metadata within `limit` bytes and 64 keys, often filled close to the limit. */
function metadataArb(limit: number): fc.Arbitrary<Metadata> {
  return fc
    .dictionary(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 300 }), {
      maxKeys: 64,
      size: 'medium',
    })
    .map((raw) => {
      const out: Record<string, string> = {};
      let used = 0;
      for (const [key, value] of Object.entries(raw)) {
        const room = limit - used - bytesOf(key);
        if (room < 0) continue;
        const kept = trimToBytes(value, room);
        out[key] = kept;
        used += bytesOf(key) + bytesOf(kept);
      }
      return out;
    });
}

interface Row {
  readonly id: string;
  readonly address: string;
  readonly incarnation: number;
  readonly threads: number;
  readonly fate: 'alive' | 'suspect' | 'dead' | 'left';
  readonly metadataSeed: number;
}

const rowArb: fc.Arbitrary<Row> = fc.record({
  id: idArb,
  address: addressArb,
  incarnation: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff_fffe })),
  threads: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 65_535 })),
  fate: fc.constantFrom('alive', 'alive', 'alive', 'suspect', 'dead', 'left'),
  metadataSeed: fc.nat(),
});

const scenarioArb = fc
  .record({
    metadataBytesMax: fc.oneof(fc.constant(512), fc.integer({ min: 0, max: 1024 })),
    slack: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 })),
    selfId: idArb,
    rows: fc.uniqueArray(rowArb, { selector: (row) => row.id, minLength: 1, maxLength: 120, size: 'large' }),
    seed: fc.nat(),
    leave: fc.boolean(),
    sealed: fc.boolean(),
  })
  .chain((scenario) =>
    fc.record({
      scenario: fc.constant(scenario),
      selfMetadata: metadataArb(scenario.metadataBytesMax),
      metadata: fc.array(metadataArb(scenario.metadataBytesMax), {
        minLength: scenario.rows.length,
        maxLength: scenario.rows.length,
      }),
    }),
  )
  .filter(({ scenario }) => scenario.rows.every((row) => row.id !== scenario.selfId));

describe('no packet exceeds packetBytesMax', () => {
  it('for arbitrary member tables, every packet the core sends encodes within the limit', () => {
    fc.assert(
      fc.property(scenarioArb, ({ scenario, selfMetadata, metadata }) => {
        const wire = scenario.sealed ? sealedWireFormat : msgpackWireFormat;
        const packetBytesMax = Math.min(
          65_000,
          Math.max(
            680,
            wire.packetBytesBound(wire.updateBytesMax(scenario.metadataBytesMax)) + scenario.slack,
          ),
        );
        const config = resolveConfig(
          { packetBytesMax, metadataBytesMax: scenario.metadataBytesMax },
          'lan',
          wire,
        );
        const solo = new SoloCore({
          wire,
          id: scenario.selfId,
          address: `[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%${'z'.repeat(64)}]:65535`,
          metadata: selfMetadata,
          config,
          random: new SeededRandom(scenario.seed),
        }).start(0);
        const queueBound = config.membersMax + 1;
        const check = () => expect(solo.core.stats().broadcastQueueLength).toBeLessThanOrEqual(queueBound);

        // Everybody joins in one burst, so the queue holds far more than one packet.
        solo.receive(
          scenario.rows.map(
            (row, i): Message => ({
              type: 'alive',
              id: row.id,
              address: row.address,
              incarnation: row.incarnation,
              threads: row.threads,
              metadata: metadata[i] ?? {},
              viewDelayMs: row.metadataSeed % 3 === 0 ? 600_000 : row.metadataSeed % 1500,
            }),
          ),
        );
        check();
        const accuser = scenario.rows[0]?.id ?? 'x';
        solo.receive(
          scenario.rows.flatMap((row): Message[] => {
            switch (row.fate) {
              case 'suspect':
                return [{ type: 'suspect', id: row.id, incarnation: row.incarnation, fromId: accuser }];
              case 'dead':
                return [
                  {
                    type: 'dead',
                    id: row.id,
                    incarnation: row.incarnation,
                    fromId: accuser,
                    viewDelayMs: 600_000,
                  },
                ];
              case 'left':
                return [{ type: 'left', id: row.id, incarnation: row.incarnation, viewDelayMs: 0 }];
              default:
                return [];
            }
          }),
        );
        check();
        // Indirect probe requests with the longest ids and addresses, and a ping to answer.
        for (const row of scenario.rows.slice(0, 3)) {
          solo.receive(
            [
              {
                type: 'ping-req',
                seq: 0xffff_fff0,
                targetId: row.id,
                targetAddress: row.address,
                fromId: row.id,
              },
            ],
            row.address,
          );
          solo.receive(
            [
              {
                type: 'ping',
                seq: 0xffff_fff1,
                targetId: scenario.selfId,
                fromId: row.id,
                viewId: 0xffff_ffff,
              },
            ],
            row.address,
          );
        }
        // User events: the largest this node may send, and the largest a peer may send it.
        const sendable = sendablePayloadBytesMax(config.userEventPayloadBytesMax, packetBytesMax, wire);
        solo.core.broadcast('n'.repeat(128), new Uint8Array(sendable), solo.host.nowMs);
        solo.receive(
          scenario.rows.slice(0, 3).map(
            (row, i): Message => ({
              type: 'user-event',
              name: `e${i}`,
              payload: new Uint8Array(config.userEventPayloadBytesMax),
              fromId: row.id,
              ltime: i,
            }),
          ),
        );
        solo.advanceTo(4000);
        check();
        if (scenario.leave) {
          solo.core.leave(solo.host.nowMs);
          solo.advanceTo(7000);
          check();
        }

        expect(solo.host.sent.length).toBeGreaterThan(0);
        for (const packet of solo.host.sent) {
          expect(packet.messages.length).toBeLessThanOrEqual(MESSAGES_MAX_DEFAULT);
          // Sealed: the bytes a node with a key really sends, nonce, timestamp and tag included.
          const bytes = scenario.sealed
            ? SEALER.encodePacket(packet.messages).length
            : encodePacket(packet.messages, LABEL).length;
          if (bytes > packetBytesMax) {
            throw new Error(
              `a ${bytes}-byte packet to ${packet.to} exceeds packetBytesMax ${packetBytesMax}`,
            );
          }
        }
      }),
      { seed: 20_261_122, numRuns: 60 },
    );
  });

  it('the property above can fail: a packet over the limit is caught', () => {
    const huge: Message = {
      type: 'alive',
      id: 'x',
      address: 'h:1',
      incarnation: 0,
      threads: 1,
      metadata: { k: 'v'.repeat(1500) },
      viewDelayMs: 0,
    };
    expect(encodePacket([huge], LABEL).length).toBeGreaterThan(1400);
  });
});

describe('the broadcast queue stays bounded', () => {
  it('never holds more than membersMax + 1 updates, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 30 }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 80 }), fc.constantFrom('alive', 'suspect', 'dead', 'left')),
          {
            maxLength: 300,
          },
        ),
        (membersMax, inputs) => {
          const solo = new SoloCore({ config: resolveConfig({ membersMax }) }).start(0);
          for (const [n, kind] of inputs) {
            const id = `m${n}`;
            const incarnation = n % 4;
            const message: Message =
              kind === 'alive'
                ? {
                    type: 'alive',
                    id,
                    address: '10.0.0.2:1',
                    incarnation,
                    threads: 1,
                    metadata: {},
                    viewDelayMs: 0,
                  }
                : kind === 'suspect'
                  ? { type: 'suspect', id, incarnation, fromId: 'z' }
                  : kind === 'dead'
                    ? { type: 'dead', id, incarnation, fromId: 'z', viewDelayMs: 0 }
                    : { type: 'left', id, incarnation, viewDelayMs: 0 };
            solo.receive([message]);
            const stats = solo.core.stats();
            expect(stats.broadcastQueueLength).toBeLessThanOrEqual(membersMax + 1);
            expect(stats.members).toBeLessThanOrEqual(membersMax);
          }
        },
      ),
      { seed: 77, numRuns: 100 },
    );
  });
});
