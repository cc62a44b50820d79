/**
 * The attacker toolkit itself, against plain sockets: its packets carry the
 * cluster's label, it sends from its own loopback source, it reads back what
 * is sent to it, and close() releases every socket.
 */
import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterLabel, decodePacket, encodePacket } from '../../src/codec/index.js';
import { Attacker } from './attacker.js';
import { eventually } from './bed.js';

const attackers: Attacker[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const attacker of attackers.splice(0)) attacker.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('Attacker', () => {
  it('sends labelled datagrams from its source and decodes what comes back', async () => {
    const attacker = new Attacker({ key: 'k', env: 'e', source: '127.66.9.1' });
    attackers.push(attacker);
    const label = clusterLabel('k', 'e');
    const peer = createSocket('udp4');
    cleanups.push(() => peer.close());
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const seen: { bytes: Buffer; from: string; port: number }[] = [];
    peer.on('message', (bytes, remote) => {
      seen.push({ bytes, from: remote.address, port: remote.port });
      peer.send(encodePacket([{ type: 'nack', seq: 7 }], label), remote.port, remote.address);
    });
    await attacker.udp(`127.0.0.1:${peer.address().port}`, attacker.packet([{ type: 'nack', seq: 5 }]));
    await eventually(() => attacker.datagrams.length === 1, 'the answer');
    const limits = { packetBytesMax: 1400, metadataBytesMax: 512 };
    expect(seen.map((s) => [s.from, decodePacket(s.bytes, label, limits)])).toEqual([
      ['127.66.9.1', { ok: true, messages: [{ type: 'nack', seq: 5 }] }],
    ]);
    expect(await attacker.udpAddress()).toBe(`127.66.9.1:${seen[0]?.port}`);
    expect(attacker.datagrams).toEqual([
      { from: `127.0.0.1:${peer.address().port}`, messages: [{ type: 'nack', seq: 7 }] },
    ]);
  });

  it('opens TCP connections from its source and closes them all', async () => {
    const attacker = new Attacker({ key: 'k', env: 'e', source: '127.66.9.2' });
    attackers.push(attacker);
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket.on('error', () => {})));
    cleanups.push(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const to = `127.0.0.1:${(server.address() as { port: number }).port}`;
    await attacker.silent(to, 3);
    await eventually(() => accepted.length === 3, 'three connections');
    expect(accepted.map((s) => s.remoteAddress)).toEqual(['127.66.9.2', '127.66.9.2', '127.66.9.2']);
    expect(attacker.openConnections).toBe(3);
    const closed = Promise.all(accepted.map((s) => new Promise((resolve) => s.on('close', resolve))));
    attacker.close();
    await closed;
    expect(attacker.openConnections).toBe(0);
  });
});
