import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BindError, createNode } from '../../src/index.js';
import { bindSockets, closeSockets } from '../../src/runtime/bind.js';

function freeUdpPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () =>
      resolve({ port: socket.address().port, close: () => new Promise((r) => socket.close(() => r())) }),
    );
  });
}

describe('binding', () => {
  it('binds UDP and TCP on the same ephemeral port and releases both', async () => {
    const sockets = await bindSockets({ host: '127.0.0.1', port: 0 });
    expect(sockets.port).toBeGreaterThan(0);
    expect(sockets.udp.address().port).toBe(sockets.port);
    const tcp = sockets.tcp.address();
    expect(typeof tcp === 'object' && tcp?.port).toBe(sockets.port);
    await closeSockets(sockets);
    // Both are free again.
    const again = await bindSockets({ host: '127.0.0.1', port: sockets.port });
    await closeSockets(again);
  });

  it('rejects a UDP port in use with a BindError naming the address', async () => {
    const taken = await freeUdpPort();
    try {
      const error = await createNode({ key: 'k', bind: { host: '127.0.0.1', port: taken.port } }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(BindError);
      expect(error).toMatchObject({ code: 'ERR_MESH_BIND', address: `127.0.0.1:${taken.port}` });
      expect(String(error.message)).toContain('in use');
    } finally {
      await taken.close();
    }
  });

  it('rejects a TCP port in use with a BindError', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const error = await createNode({ key: 'k', bind: { host: '127.0.0.1', port } }).catch((e) => e);
      expect(error).toBeInstanceOf(BindError);
      expect(error.address).toBe(`127.0.0.1:${port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects an unknown host and an address this machine does not have', async () => {
    const unknown = await createNode({ key: 'k', bind: { host: 'no-such-host.invalid', port: 0 } }).catch(
      (e) => e,
    );
    expect(unknown).toBeInstanceOf(BindError);
    expect(unknown.address).toBe('no-such-host.invalid:0');
    const foreign = await createNode({ key: 'k', bind: { host: '192.0.2.1', port: 0 } }).catch((e) => e);
    expect(foreign).toBeInstanceOf(BindError);
    expect(foreign.message).toContain('192.0.2.1:0');
  });

  it('binds IPv6 loopback when the machine has it', async () => {
    let sockets: Awaited<ReturnType<typeof bindSockets>>;
    try {
      sockets = await bindSockets({ host: '::1', port: 0 });
    } catch (error) {
      expect(error).toBeInstanceOf(BindError); // no IPv6 here: still a typed error
      return;
    }
    expect(sockets.family).toBe(6);
    expect(sockets.udp.address().family).toBe('IPv6');
    await closeSockets(sockets);
  });
});
