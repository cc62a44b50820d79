/**
 * The status API under careless or hostile callers, over real loopback
 * sockets: the connection cap (logged), header and idle timeouts, the Host
 * check, and what an unauthorized caller sees.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../src/status/responses.js';
import { type StatusServer, type StatusServerOptions, startStatusServer } from '../../src/status/server.js';
import { fakeSource, rawRequest, recordingLogger } from './helpers.js';

const servers: StatusServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: StatusServerOptions = {}): Promise<StatusServer> {
  const server = await startStatusServer(fakeSource(), '127.0.0.1', 0, options);
  servers.push(server);
  return server;
}

function openSocket(address: string): Promise<Socket> {
  const port = Number(address.split(':').pop());
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    sockets.push(socket);
    socket.once('error', reject);
  });
}

/** Resolves when the peer closes the socket; rejects after `timeoutMs`. */
function closedByPeer(socket: Socket, timeoutMs: number): Promise<string> {
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

describe('status API limits', () => {
  it('refuses connections over maxConnections, logs it once, and serves again when one closes', async () => {
    const logger = recordingLogger();
    const server = await start({ maxConnections: 3, logger });
    const idle = await Promise.all([1, 2, 3].map(() => openSocket(server.address)));
    const extra = await openSocket(server.address);
    await closedByPeer(extra, 5000);
    await expect(rawRequest(server.address, '/healthz')).rejects.toThrow();
    expect(server.connectionsRefused).toBeGreaterThanOrEqual(2);
    expect(logger.warnings.filter((w) => w.includes('connection limit reached'))).toHaveLength(1);

    (idle[0] as Socket).destroy();
    // The server counts the closed socket once its close is processed: retry a bounded number of times.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await rawRequest(server.address, '/healthz').then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(200);
  });

  it('closes a connection whose request headers do not arrive in time', async () => {
    const server = await start({ headersTimeoutMs: 200 });
    const socket = await openSocket(server.address);
    socket.write('GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const received = await closedByPeer(socket, 5000);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a kept-alive connection that stays idle', async () => {
    const server = await start({ idleTimeoutMs: 200 });
    const socket = await openSocket(server.address);
    // Under Node's default keep-alive timeout (5 s) this would still be open.
    const closed = closedByPeer(socket, 3000);
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    expect(await closed).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('Host check', () => {
  it('answers 403 to a Host that is not this host on a loopback connection (DNS rebinding)', async () => {
    const server = await start();
    for (const path of ['/v1/status', '/', '/v1/events']) {
      const response = await rawRequest(server.address, path, { host: 'rebind.attacker.example' });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'host_not_allowed' } });
    }
    for (const host of ['localhost', server.address, `localhost:${server.address.split(':')[1]}`]) {
      expect((await rawRequest(server.address, '/healthz', { host })).status).toBe(200);
    }
  });
});

describe('private fields', () => {
  const token = 'a-token-of-32-characters-0123456';

  it('are hidden from a caller without the token once a token is set, and shown with it', async () => {
    const server = await start({ token });
    const anonymous = JSON.parse((await rawRequest(server.address, '/v1/status')).body) as StatusResponse;
    expect(anonymous).toMatchObject({
      id: 'a',
      env: 'dev',
      key: null,
      pid: null,
      redacted: true,
      join: { state: 'joined', seeds: null, lastError: null },
    });
    const wrong = await rawRequest(server.address, '/v1/status', { authorization: `Bearer ${token}x` });
    expect(JSON.parse(wrong.body)).toMatchObject({ key: null, redacted: true });
    const authorized = await rawRequest(server.address, '/v1/status', { authorization: `Bearer ${token}` });
    expect(JSON.parse(authorized.body)).toMatchObject({
      key: 'k',
      pid: process.pid,
      redacted: false,
      join: { seeds: ['127.0.0.1:7002'] },
    });
  });

  it('are shown to loopback callers when no token is set', async () => {
    const server = await start();
    const body = JSON.parse((await rawRequest(server.address, '/v1/status')).body) as StatusResponse;
    expect(body).toMatchObject({ key: 'k', pid: process.pid, redacted: false });
  });
});
