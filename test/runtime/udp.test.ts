import { afterEach, describe, expect, it } from 'vitest';
import { type BoundSockets, bindSockets, closeSockets } from '../../src/runtime/bind.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { DatagramTransport } from '../../src/runtime/udp.js';
import { until } from './until.js';

interface End {
  sockets: BoundSockets;
  transport: DatagramTransport;
  got: { bytes: number[]; from: string }[];
  drops: string[];
}

const ends: End[] = [];

async function end(host: string): Promise<End | undefined> {
  let sockets: BoundSockets;
  try {
    sockets = await bindSockets({ host, port: 0 });
  } catch {
    return undefined; // family not available on this machine
  }
  const e: End = { sockets, transport: undefined as unknown as DatagramTransport, got: [], drops: [] };
  e.transport = new DatagramTransport(
    sockets.udp,
    sockets.family,
    {
      onPacket: (bytes, from) => e.got.push({ bytes: [...bytes], from }),
      onDrop: (reason) => e.drops.push(reason),
    },
    silentLogger,
  );
  ends.push(e);
  return e;
}

afterEach(async () => {
  for (const e of ends.splice(0)) {
    e.transport.close();
    await closeSockets(e.sockets);
  }
});

describe('DatagramTransport', () => {
  it('sends and receives on IPv4 loopback, reporting the sender as host:port', async () => {
    const a = (await end('127.0.0.1')) as End;
    const b = (await end('127.0.0.1')) as End;
    expect(a.transport.send(`127.0.0.1:${b.sockets.port}`, Uint8Array.from([1, 2]))).toBe(true);
    await until(() => b.got.length === 1);
    expect(b.got[0]).toEqual({ bytes: [1, 2], from: `127.0.0.1:${a.sockets.port}` });
  });

  it('sends and receives on IPv6 loopback with bracketed addresses', async () => {
    const a = await end('::1');
    const b = await end('::1');
    if (a === undefined || b === undefined) return;
    a.transport.send(`[::1]:${b.sockets.port}`, Uint8Array.from([3]));
    await until(() => b.got.length === 1);
    expect(b.got[0]).toEqual({ bytes: [3], from: `[::1]:${a.sockets.port}` });
  });

  it('reaches IPv4 peers from a dual-stack socket and reports them unmapped', async () => {
    const dual = await end('::');
    if (dual === undefined) return;
    const v4 = (await end('127.0.0.1')) as End;
    dual.transport.send(`127.0.0.1:${v4.sockets.port}`, Uint8Array.from([4]));
    await until(() => v4.got.length === 1);
    v4.transport.send(`127.0.0.1:${dual.sockets.port}`, Uint8Array.from([5]));
    await until(() => dual.got.length === 1);
    expect(dual.got[0]?.from).toBe(`127.0.0.1:${v4.sockets.port}`);
  });

  it('counts instead of throwing: bad addresses, wrong family, sends after close', async () => {
    const a = (await end('127.0.0.1')) as End;
    expect(a.transport.send('garbage', Uint8Array.from([1]))).toBe(false);
    expect(a.transport.send('[::1]:9', Uint8Array.from([1]))).toBe(false);
    expect(a.drops).toEqual(['bad-address', 'address-family']);
    a.transport.close();
    expect(a.transport.send('127.0.0.1:9', Uint8Array.from([1]))).toBe(false);
  });

  it('counts a bad address on every send, and sends to a good one after thousands of bad ones', async () => {
    const a = (await end('127.0.0.1')) as End;
    const b = (await end('127.0.0.1')) as End;
    for (let i = 0; i < 3; i++) a.transport.send('garbage', Uint8Array.from([1]));
    expect(a.drops).toEqual(['bad-address', 'bad-address', 'bad-address']);
    const badSends = 5000;
    for (let i = 0; i < badSends; i++) a.transport.send(`bad host ${i}:7946`, Uint8Array.from([1]));
    expect(a.drops.length).toBe(3 + badSends);
    expect(a.transport.send(`127.0.0.1:${b.sockets.port}`, Uint8Array.from([6]))).toBe(true);
    expect(a.transport.send(`127.0.0.1:${b.sockets.port}`, Uint8Array.from([7]))).toBe(true);
    await until(() => b.got.length === 2);
    expect(b.got.map((got) => got.bytes)).toEqual([[6], [7]]);
  });
});
