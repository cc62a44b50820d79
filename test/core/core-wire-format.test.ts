/**
 * The core packs by the wire format its host gives it: a seal's bytes on
 * every packet come out of the packet budget by construction.
 */
import { describe, expect, it } from 'vitest';
import { encodePacket, MsgpackWireFormat, msgpackWireFormat } from '../../src/codec/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { alive, members, SoloCore, testConfig } from './harness.js';

const SEAL_BYTES = 12 + 16;
const sealed = new MsgpackWireFormat({ sealBytes: SEAL_BYTES });

describe('packing with a sealed wire format', () => {
  it('refuses a config that fits the largest update only without the seal', () => {
    // 1086 bytes: the longest alive message with 512 metadata bytes, 8 header bytes, a 3-byte array header.
    const config = testConfig({ packetBytesMax: 1086, metadataBytesMax: 512 });
    expect(() => new SoloCore({ config, wire: msgpackWireFormat })).not.toThrow();
    expect(() => new SoloCore({ config, wire: sealed })).toThrow(ConfigError);
    const roomy = testConfig({ packetBytesMax: 1086 + SEAL_BYTES, metadataBytesMax: 512 });
    expect(() => new SoloCore({ config: roomy, wire: sealed })).not.toThrow();
  });

  it('fills packets so that the sealed bytes stay within packetBytesMax', () => {
    // Beside a 10-byte ack, 8 header bytes and a 3-byte array header bound, 1350 bytes hold eleven
    // 120-byte updates with 9 bytes to spare: fewer than the seal takes.
    const packetBytesMax = 1350;
    const config = testConfig({ packetBytesMax });
    const plain = new SoloCore({ initialMembers: members('a'), config }).start(0);
    const tight = new SoloCore({ initialMembers: members('a'), config, wire: sealed }).start(0);
    const updates = Array.from({ length: 40 }, (_, i) =>
      alive(`member-${String(i).padStart(2, '0')}`, { metadata: { k: 'v'.repeat(80) } }),
    );
    plain.receive(updates);
    tight.receive(updates);
    const plainAck = plain.pingSelf();
    const sealedAck = tight.pingSelf();
    const plainBytes = encodePacket(plainAck?.messages ?? [], 1).length;
    const sealedBytes = encodePacket(sealedAck?.messages ?? [], 1).length + SEAL_BYTES;
    expect(sealedBytes).toBeLessThanOrEqual(packetBytesMax);
    expect(plainBytes).toBeLessThanOrEqual(packetBytesMax);
    expect(plainAck?.messages).toHaveLength(1 + 11);
    expect(sealedAck?.messages).toHaveLength(1 + 10);
  });
});
