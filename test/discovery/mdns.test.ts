/**
 * mDNS on loopback only: every instance is pinned to 127.0.0.1 (multicast
 * membership and outgoing interface) and uses a free port instead of 5353,
 * so nothing leaves the machine and no real responder answers. Any
 * multicast-dns warning fails the test.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeTxt, instanceLabel, MdnsDiscovery, type MdnsPeer } from '../../src/discovery/mdns.js';

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const started: MdnsDiscovery[] = [];
const warnings: Error[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
  expect(warnings.splice(0)).toEqual([]);
});

async function discovery(
  port: number,
  id: string,
  env = 'dev',
  key = 'k',
  address = `127.0.0.1:${40_000 + started.length}`,
): Promise<MdnsDiscovery> {
  const d = new MdnsDiscovery({
    key,
    env,
    id,
    address,
    threads: 2,
    interface: '127.0.0.1',
    port,
    intervalMs: 200,
  });
  d.on('warning', (error) => warnings.push(error));
  d.on('error', (error) => warnings.push(error));
  await d.start();
  started.push(d);
  return d;
}

function nextPeer(d: MdnsDiscovery, id: string, timeoutMs = 5000): Promise<MdnsPeer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no mDNS answer from ${id} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onPeer = (peer: MdnsPeer) => {
      if (peer.id !== id) return;
      clearTimeout(timer);
      d.off('peer', onPeer);
      resolve(peer);
    };
    d.on('peer', onPeer);
  });
}

describe('MdnsDiscovery on loopback', () => {
  it('finds the other instances of the same cluster, in both directions', async () => {
    const port = await freeUdpPort();
    const a = await discovery(port, 'node-a');
    const aSeesB = nextPeer(a, 'node-b');
    const b = await discovery(port, 'node-b');
    expect(b).toBe(started[1]);
    const bSeesA = nextPeer(b, 'node-a');
    const [peerB, peerA] = await Promise.all([aSeesB, bSeesA]);
    expect(peerB).toEqual({ id: 'node-b', address: '127.0.0.1:40001', threads: 2 });
    expect(peerA).toEqual({ id: 'node-a', address: '127.0.0.1:40000', threads: 2 });
  });

  it('ignores itself and instances of another env or key', async () => {
    const port = await freeUdpPort();
    const seen: string[] = [];
    const a = await discovery(port, 'node-a', 'dev');
    a.on('peer', (peer) => seen.push(peer.id));
    await discovery(port, 'other-env', 'prod');
    await discovery(port, 'other-key', 'dev', 'k2');
    const same = nextPeer(a, 'node-d');
    await discovery(port, 'node-d', 'dev');
    await same;
    // The foreign instances announced before node-d did, and a fresh browse is answered
    // by all of them again: still only node-d is reported.
    a.browse();
    await nextPeer(a, 'node-d');
    expect(new Set(seen)).toEqual(new Set(['node-d']));
  });
});

describe('addresses from mDNS', () => {
  it('a peer announcing a hostname is ignored: names from the network are never looked up', async () => {
    const port = await freeUdpPort();
    const seen: string[] = [];
    const a = await discovery(port, 'node-a');
    a.on('peer', (peer) => seen.push(peer.address));
    await discovery(port, 'named', 'dev', 'k', 'named-peer.example:40009');
    const plain = nextPeer(a, 'node-p');
    await discovery(port, 'node-p', 'dev', 'k', '127.0.0.1:40010');
    await plain;
    a.browse();
    await nextPeer(a, 'node-p');
    expect(new Set(seen)).toEqual(new Set(['127.0.0.1:40010']));
  });
});

describe('mDNS helpers', () => {
  it('uses the id as the instance label when it is a DNS label, else a digest', () => {
    expect(instanceLabel('node-1')).toBe('node-1');
    expect(instanceLabel('a.b c')).toMatch(/^mn-[0-9a-f]{24}$/);
    expect(instanceLabel('x'.repeat(64))).toMatch(/^mn-/);
  });

  it('decodes TXT data given as buffers or strings', () => {
    expect(decodeTxt([Buffer.from('key=k'), 'env=a=b', Buffer.from('junk')])).toEqual({
      key: 'k',
      env: 'a=b',
    });
  });
});
