import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, converged, FAST, nextEvent, waitUntil } from './helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.closeAll());

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

function sendUdp(address: string, bytes: Uint8Array): Promise<void> {
  const [host, port] = address.split(':') as [string, string];
  const socket = createSocket('udp4');
  return new Promise((resolve) =>
    socket.send(bytes, Number(port), host, () => socket.close(() => resolve())),
  );
}

describe('robustness', () => {
  it('leaves no socket or timer alive after close()', async () => {
    const before = resourceCounts();
    const a = await cluster.start({ id: 'a' });
    const b = await cluster.start({ id: 'b' });
    await b.join([a.address]);
    await waitUntil([a, b], () => converged([a, b], 2), 'two nodes to settle');
    await Promise.all([a.close(), b.close()]);
    // Closed handles are released within a few turns of the loop.
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    const after = resourceCounts();
    for (const name of ['UDPWRAP', 'TCPServerWrap', 'TCPSocketWrap', 'Timeout']) {
      expect(after.get(name) ?? 0, name).toBeLessThanOrEqual(before.get(name) ?? 0);
    }
    // Calls after close answer without throwing: the last view (a and b, one thread each), no longer vouched for.
    expect(a.indices()).toMatchObject({ total: 2, settled: false });
    await a.close();
    await expect(a.join([b.address])).rejects.toMatchObject({ code: 'ERR_MESH_STATE' });
  });

  it('drops and counts garbage on both ports without disturbing the node', async () => {
    const a = await cluster.start({ id: 'a' });
    const b = await cluster.start({ id: 'b' });
    await b.join([a.address]);
    await sendUdp(a.address, Uint8Array.from([1]));
    await sendUdp(a.address, new Uint8Array(64).fill(0x4d));
    await sendUdp(a.address, new Uint8Array(9000));
    const [host, port] = a.address.split(':') as [string, string];
    const tcp = connect({ host, port: Number(port) });
    tcp.on('error', () => {});
    tcp.end(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await new Promise((resolve) => tcp.on('close', resolve));
    const dropped = () => Object.values(a.stats().drops).reduce((x, y) => x + y, 0);
    await waitUntil([a], () => dropped() >= 4, 'the garbage to be counted');
    await waitUntil([a, b], () => converged([a, b], 2), 'the cluster to stay healthy');
    // One drop per piece of garbage, each under its own reason, and nothing else dropped:
    // 1 byte is shorter than the envelope, 64 x 0x4d fails the magic, 9000 bytes exceed
    // packetBytesMax (1400), and "GET " starts with no known TCP frame kind.
    expect(a.stats().drops).toEqual({ 'too-short': 1, 'bad-magic': 1, 'too-large': 1, 'frame-kind': 1 });
  });

  it('keeps running when an event listener throws', async () => {
    const a = await cluster.start({ id: 'a' });
    a.on('join', () => {
      throw new Error('listener bug');
    });
    const joined = nextEvent(a, 'join', (m) => m.id === 'b');
    const b = await cluster.start({ id: 'b' });
    await b.join([a.address]);
    await joined;
    await waitUntil([a, b], () => converged([a, b], 2), 'two nodes to settle despite the listener');
  });

  it('works over IPv6 loopback', async () => {
    let a: Awaited<ReturnType<Cluster['start']>>;
    try {
      a = await cluster.start({ id: 'a6', bind: { host: '::1', port: 0 } });
    } catch {
      return; // no IPv6 on this machine
    }
    expect(a.address).toMatch(/^\[::1\]:\d+$/);
    const b = await cluster.start({ id: 'b6', bind: { host: '::1', port: 0 }, threads: 3 });
    await b.join([a.address]);
    await waitUntil([a, b], () => converged([a, b], 4), 'an IPv6 pair to settle');
    expect(b.indices().index).toBe(1);
  });

  it('advertises the given address instead of the bound one', async () => {
    const a = await cluster.start({ id: 'a', advertise: { host: '127.0.0.1', port: 1234 } });
    expect(a.address).toBe('127.0.0.1:1234');
  });

  it('advertises an IP literal when given a name: peers accept no names from the wire', async () => {
    const a = await cluster.start({ id: 'a', advertise: { host: 'localhost', port: 1234 } });
    expect(['127.0.0.1:1234', '[::1]:1234']).toContain(a.address);
  });

  it('rejects a second leave while one is in progress and is idempotent afterwards', async () => {
    const a = await cluster.start({ id: 'a' });
    const first = a.leave();
    await expect(a.leave()).rejects.toMatchObject({ code: 'ERR_MESH_STATE' });
    await first;
    await a.leave();
    expect(a.indices().index).toBe(-1);
    await expect(a.setMetadata({})).rejects.toMatchObject({ code: 'ERR_MESH_STATE' });
  });
});

/** White-box: makes a node deaf to UDP (as behind a firewall that passes only TCP). */
function blockInboundUdp(node: object): void {
  type Reachable = { runtime: { options: { transport: { sockets: { udp: import('node:dgram').Socket } } } } };
  (node as Reachable).runtime.options.transport.sockets.udp.removeAllListeners('message');
}

describe('UDP filtered, TCP open', () => {
  it('keeps a node alive through stream probes', async () => {
    // A little more room than FAST between the probe timeout and the end of the
    // period, for the TCP connect of the stream probe on a loaded test machine.
    const config = { ...FAST, probeIntervalMs: 150, probeTimeoutMs: 40 };
    const a = await cluster.start({ id: 'a', config });
    const b = await cluster.start({ id: 'b', config });
    await b.join([a.address]);
    await waitUntil([a, b], () => converged([a, b], 2), 'two nodes to settle');
    const failures: string[] = [];
    a.on('fail', (m) => failures.push(m.id));
    b.on('fail', (m) => failures.push(m.id));
    blockInboundUdp(b);
    const before = a.stats();
    // Twenty probe periods of A and B probing each other.
    await waitUntil([a], () => a.stats().probes >= before.probes + 20, 'twenty probes', 10_000);
    const after = a.stats();
    expect(failures).toEqual([]);
    expect(a.member('b')?.state).not.toBe('dead');
    expect(b.member('a')?.state).not.toBe('dead');
    // B hears no UDP and there is no third member to relay, so each of A's probes of B that
    // completed (all but the one in flight) either failed or was answered over TCP.
    const failedDuring = after.probesFailed - before.probesFailed;
    expect(after.streamPacketsIn - before.streamPacketsIn).toBeGreaterThanOrEqual(20 - 1 - failedDuring);
    expect(a.indices().total).toBe(2);
  });

  it('suspects a node that cannot hear UDP when stream probes are off', async () => {
    const config = { streamProbe: false } as const;
    const a = await cluster.start({ id: 'a', config: { ...FAST, ...config } });
    const b = await cluster.start({ id: 'b', config: { ...FAST, ...config } });
    await b.join([a.address]);
    await waitUntil([a, b], () => converged([a, b], 2), 'two nodes to settle');
    blockInboundUdp(b);
    await nextEvent(a, 'suspect', (m) => m.id === 'b', 5000);
  });
});
