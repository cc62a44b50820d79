/**
 * Runtimes wired together through the in-memory transport: the runtime's
 * encoding, decoding, counting and sync handling, with no socket involved.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clusterLabel, MsgpackCodec, MsgpackWireFormat, type PacketCodec } from '../../src/codec/index.js';
import { resolveConfig } from '../../src/core/config.js';
import type { CoreEvent } from '../../src/core/host.js';
import { SeededRandom } from '../../src/core/random.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { MemoryNetwork } from '../../src/runtime/memory-transport.js';
import { defaultTransportLimits, Runtime, type SyncOutcome } from '../../src/runtime/runtime.js';
import { until } from './until.js';

const config = resolveConfig({ viewDelayMs: 50, settleQuietMs: 100 }, 'local');
const label = clusterLabel('test', 'memory');
const open: Runtime[] = [];

interface Node {
  readonly runtime: Runtime;
  readonly events: CoreEvent[];
  readonly syncs: SyncOutcome[];
}

interface NodeExtras {
  readonly codec?: PacketCodec;
  /** Receives the size of every datagram the node sends. */
  readonly datagramSizes?: number[];
}

function node(network: MemoryNetwork, id: string, seed: number, extras: NodeExtras = {}): Node {
  const events: CoreEvent[] = [];
  const syncs: SyncOutcome[] = [];
  const address = `10.1.0.${seed}:7946`;
  const transport = network.transport(address);
  const sizes = extras.datagramSizes;
  if (sizes !== undefined) {
    const send = transport.sendDatagram.bind(transport);
    transport.sendDatagram = (to, bytes) => {
      sizes.push(bytes.length);
      return send(to, bytes);
    };
  }
  const runtime = new Runtime({
    id,
    address,
    threads: 1,
    metadata: {},
    config,
    label,
    transport,
    limits: defaultTransportLimits(config),
    logger: silentLogger,
    random: new SeededRandom(seed),
    ...(extras.codec === undefined ? {} : { codec: extras.codec }),
    onEvent: (event) => events.push(event),
    onSync: (outcome) => syncs.push(outcome),
  });
  open.push(runtime);
  runtime.start();
  return { runtime, events, syncs };
}

const viewIds = (n: Node) => n.runtime.core.view().members.map((m) => m.id);

afterEach(async () => {
  await Promise.all(open.splice(0).map((runtime) => runtime.close()));
});

describe('Runtime over an in-memory transport', () => {
  it('two runtimes join: the seed serves one sync, and both views hold both nodes', async () => {
    const network = new MemoryNetwork();
    const a = node(network, 'a', 1);
    const b = node(network, 'b', 2);
    b.runtime.join([a.runtime.core.member('a')?.address as string]);
    await until(() => viewIds(a).length === 2 && viewIds(b).length === 2, 5000);
    expect(viewIds(a)).toEqual(['a', 'b']);
    expect(viewIds(b)).toEqual(['a', 'b']);
    expect(b.syncs).toEqual([{ to: '10.1.0.1:7946', join: true, ok: true }]);
    expect(a.runtime.counters.syncsServed).toBe(1);
    expect(b.runtime.counters.syncsServed).toBe(0);
    expect(a.events).toContainEqual(
      expect.objectContaining({ type: 'member', kind: 'join', member: expect.objectContaining({ id: 'b' }) }),
    );
  });

  it('a join through an address nobody holds fails with the transport reason', async () => {
    const network = new MemoryNetwork();
    const a = node(network, 'a', 1);
    a.runtime.join(['10.1.0.99:7946']);
    await until(() => a.syncs.length === 1);
    expect(a.syncs).toEqual([{ to: '10.1.0.99:7946', join: true, ok: false, reason: 'ECONNREFUSED' }]);
    expect(a.runtime.core.stats().syncsFailed).toBe(1);
  });

  it('serves a state too large for one step: decoded and answered through the stepped path', async () => {
    const network = new MemoryNetwork();
    const a = node(network, 'a', 1);
    const peer = network.transport('10.1.0.60:7946');
    peer.open({
      onDatagram: () => {},
      onStreamPacket: () => {},
      onStateRequest: () => undefined,
      onDrop: () => {},
      onStreamBytes: () => {},
    });
    const members = Array.from({ length: 2500 }, (_, i) => ({
      id: `p${i}`,
      address: `10.2.${i >> 8}.${i & 0xff}:7946`,
      incarnation: 1,
      state: 'alive' as const,
      threads: 1,
      metadata: {},
      viewDelayMs: 0,
    }));
    const codec = new MsgpackCodec({
      label,
      packetLimits: { packetBytesMax: config.packetBytesMax, metadataBytesMax: config.metadataBytesMax },
      stateLimits: { stateBytesMax: 1 << 30, membersMax: 1_000_000, metadataBytesMax: 512 },
    });
    const request = codec.encodeState({ type: 'state', join: false, fromId: 'p0', members });
    const answer = codec.decodeState(await peer.exchangeState('10.1.0.1:7946', request));
    // Which of the 2,500 the core takes in is its own affair; the answer carries this node.
    expect(answer.ok && answer.state.members.map((m) => m.id)).toContain('a');
    expect(a.runtime.counters.syncsServed).toBe(1);
    expect(a.runtime.counters.drops).toEqual({});
  });

  it('drops and counts a garbage datagram before the core sees it', async () => {
    const network = new MemoryNetwork();
    const a = node(network, 'a', 1);
    const stranger = network.transport('10.1.0.50:1');
    stranger.sendDatagram('10.1.0.1:7946', Uint8Array.of(1, 2, 3));
    await until(() => a.runtime.counters.packetsIn === 1);
    expect(a.runtime.counters.drops).toEqual({ 'too-short': 1 });
    expect(a.runtime.core.members().map((m) => m.id)).toEqual(['a']);
  });

  it('suspects a member once the network cuts it off', async () => {
    const network = new MemoryNetwork();
    const a = node(network, 'a', 1);
    const b = node(network, 'b', 2);
    b.runtime.join(['10.1.0.1:7946']);
    await until(() => viewIds(a).length === 2, 5000);
    network.isolate('10.1.0.2:7946');
    const suspected = () =>
      a.events.some((e) => e.type === 'member' && e.kind === 'suspect' && e.member.id === 'b');
    await until(suspected, 5000);
    expect(a.runtime.core.member('b')?.state).toBe('suspect');
  });

  it('close() closes the transport: its address is free again', async () => {
    const network = new MemoryNetwork();
    const a = node(network, 'a', 1);
    expect(() => network.transport('10.1.0.1:7946')).toThrow(RangeError);
    await a.runtime.close();
    expect(network.transport('10.1.0.1:7946').localAddress).toBe('10.1.0.1:7946');
  });

  it('a codec that adds bytes to every packet plugs in without touching the runtime', async () => {
    const network = new MemoryNetwork();
    const sizes: number[] = [];
    const a = node(network, 'a', 1, { codec: new TrailerCodec(), datagramSizes: sizes });
    const b = node(network, 'b', 2, { codec: new TrailerCodec(), datagramSizes: sizes });
    b.runtime.join(['10.1.0.1:7946']);
    await until(() => viewIds(a).length === 2 && viewIds(b).length === 2, 5000);
    await until(() => sizes.length >= 4, 5000);
    expect(a.runtime.counters.drops).toEqual({});
    expect(b.runtime.counters.drops).toEqual({});
    // Every datagram went through the codec: at least a header, an empty array and the trailer.
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(8 + 1 + 28);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(config.packetBytesMax);
  });
});

/**
 * Stands in for a sealing codec: appends a 28-byte trailer (a nonce and a
 * tag's worth) to every packet and state and refuses input without it.
 */
class TrailerCodec implements PacketCodec {
  static readonly TRAILER = new Uint8Array(28).fill(0xa5);
  readonly format = new MsgpackWireFormat({ sealBytes: 28 });
  private readonly inner = new MsgpackCodec({
    label,
    packetLimits: { packetBytesMax: config.packetBytesMax, metadataBytesMax: config.metadataBytesMax },
    stateLimits: {
      stateBytesMax: 1 << 20,
      membersMax: config.membersMax,
      metadataBytesMax: config.metadataBytesMax,
    },
  });

  encodePacket(messages: Parameters<PacketCodec['encodePacket']>[0]): Uint8Array {
    return withTrailer(this.inner.encodePacket(messages));
  }
  decodePacket(bytes: Uint8Array): ReturnType<PacketCodec['decodePacket']> {
    const body = withoutTrailer(bytes);
    return body === undefined ? { ok: false, reason: 'malformed' } : this.inner.decodePacket(body);
  }
  encodeState(state: Parameters<PacketCodec['encodeState']>[0]): Uint8Array {
    return withTrailer(this.inner.encodeState(state));
  }
  decodeState(bytes: Uint8Array): ReturnType<PacketCodec['decodeState']> {
    const body = withoutTrailer(bytes);
    return body === undefined ? { ok: false, reason: 'malformed' } : this.inner.decodeState(body);
  }
}

function withTrailer(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + TrailerCodec.TRAILER.length);
  out.set(body);
  out.set(TrailerCodec.TRAILER, body.length);
  return out;
}

function withoutTrailer(bytes: Uint8Array): Uint8Array | undefined {
  const end = bytes.length - TrailerCodec.TRAILER.length;
  if (end < 0) return undefined;
  for (let i = 0; i < TrailerCodec.TRAILER.length; i++) {
    if (bytes[end + i] !== TrailerCodec.TRAILER[i]) return undefined;
  }
  return bytes.subarray(0, end);
}
