/** GET /v1/events over real loopback sockets: framing, replay, reconnects, limits and slow readers. */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub } from '../../src/status/events.js';
import { type StatusServer, type StatusServerOptions, startStatusServer } from '../../src/status/server.js';
import { fakeSource, rawRequest, recordingLogger, SseReader } from './helpers.js';

const servers: StatusServer[] = [];
const readers: SseReader[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: StatusServerOptions = {}): Promise<StatusServer> {
  const server = await startStatusServer(fakeSource(), '127.0.0.1', 0, options);
  servers.push(server);
  return server;
}

async function open(server: StatusServer, path: string, headers: Record<string, string> = {}) {
  const reader = await SseReader.open(server.address, path, headers);
  readers.push(reader);
  return reader;
}

const dataCount = (n: number) => (r: SseReader) => r.events.length >= n;

describe('GET /v1/events', () => {
  it('streams each event as one JSON data line with its type, numbered, after a retry hint', async () => {
    const events = new EventHub({ streamId: 'run1' });
    const server = await start({ events });
    const reader = await open(server, '/v1/events');
    expect(reader.status).toBe(200);
    await reader.until('the retry hint', (r) => r.frames.some((f) => f.retry === '3000'));
    events.publishLine({ event: 'join', id: 'b', address: '127.0.0.1:7001', ts: 1 });
    events.publishLine({ event: 'suspect', id: 'b', address: '127.0.0.1:7001', ts: 2 });
    await reader.until('two events', dataCount(2));
    expect(reader.frames.filter((f) => f.data !== undefined).map((f) => f.id)).toEqual(['run1-1', 'run1-2']);
    expect(reader.events).toEqual([
      { type: 'join', id: 'b', address: '127.0.0.1:7001', ts: 1 },
      { type: 'suspect', id: 'b', address: '127.0.0.1:7001', ts: 2 },
    ]);
  });

  it('replays the newest kept events with ?history and rejects a bad count', async () => {
    const events = new EventHub({ streamId: 'run1' });
    for (const type of ['a', 'b', 'c']) events.publish({ type });
    const server = await start({ events });
    const reader = await open(server, '/v1/events?history=2');
    events.publish({ type: 'd' });
    await reader.until('three events', dataCount(3));
    expect(reader.events.map((e) => e.type)).toEqual(['b', 'c', 'd']);
    const bad = await rawRequest(server.address, '/v1/events?history=-1');
    expect(bad.status).toBe(400);
  });

  it('after a reconnect replays what was missed, or says resync when it is gone or from another run', async () => {
    const events = new EventHub({ streamId: 'run1', historyMax: 3 });
    for (const type of ['a', 'b', 'c', 'd', 'e']) events.publish({ type });
    const server = await start({ events });

    const caughtUp = await open(server, '/v1/events', { 'last-event-id': 'run1-3' });
    await caughtUp.until('two events', dataCount(2));
    expect(caughtUp.events.map((e) => e.type)).toEqual(['d', 'e']);

    const tooOld = await open(server, '/v1/events', { 'last-event-id': 'run1-1' });
    await tooOld.until('four events', dataCount(4));
    expect(tooOld.events.map((e) => e.type)).toEqual(['resync', 'c', 'd', 'e']);

    const otherRun = await open(server, '/v1/events?history=1', { 'last-event-id': 'run0-99' });
    await otherRun.until('two events', dataCount(2));
    expect(otherRun.events.map((e) => e.type)).toEqual(['resync', 'e']);
  });

  it('sends a keepalive comment every heartbeat', async () => {
    const server = await start({ heartbeatMs: 50 });
    const reader = await open(server, '/v1/events');
    await reader.until(
      'two heartbeats',
      (r) => r.frames.filter((f) => f.comment === 'keepalive').length >= 2,
    );
  });

  it('refuses a stream over the cap with 503 and a log line', async () => {
    const logger = recordingLogger();
    const server = await start({ eventStreamsMax: 1, logger });
    await open(server, '/v1/events');
    const refused = await rawRequest(server.address, '/v1/events');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'too_many_streams' } });
    expect(logger.warnings.some((w) => w.includes('event stream limit'))).toBe(true);
    expect(server.streams.refused).toBe(1);
  });

  it('leaves the private fields out of events for a caller without the token', async () => {
    const events = new EventHub({ streamId: 'run1' });
    const token = 'stream-token-0123456789abcdef';
    const server = await start({ events, token });
    const anonymous = await open(server, '/v1/events');
    const authorized = await open(server, '/v1/events', { authorization: `Bearer ${token}` });
    events.publishLine({ event: 'start', id: 'a', key: 'secret-key', env: 'dev', pid: 42, ts: 1 });
    events.publishLine({ event: 'joined', through: ['seed.internal:7946'], attempts: 1, ts: 2 });
    await anonymous.until('two events', dataCount(2));
    await authorized.until('two events', dataCount(2));
    expect(anonymous.events).toEqual([
      { type: 'start', id: 'a', env: 'dev', ts: 1 },
      { type: 'joined', attempts: 1, ts: 2 },
    ]);
    expect(authorized.events[0]).toMatchObject({ key: 'secret-key', pid: 42 });
    expect(authorized.events[1]).toMatchObject({ through: ['seed.internal:7946'] });
  });

  it('drops a reader that stops reading instead of buffering for it without end', async () => {
    const logger = recordingLogger();
    const events = new EventHub({ streamId: 'run1', historyMax: 0 });
    const server = await start({ events, eventBufferBytesMax: 64 * 1024, logger });
    const port = Number(server.address.split(':')[1]);
    const socket = await new Promise<Socket>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    });
    sockets.push(socket);
    socket.write('GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // Never read: the kernel buffers fill, then the server-side buffer, then the reader is dropped.
    socket.pause();
    const waitForStream = async () => {
      for (let i = 0; i < 100 && server.streams.open === 0; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await waitForStream();
    expect(server.streams.open).toBe(1);
    const payload = 'x'.repeat(8 * 1024);
    // At most 8,000 events of 8 KiB (64 MiB) in bounded batches: far more than loopback buffers hold.
    for (let batch = 0; batch < 400 && server.streams.dropped === 0; batch++) {
      for (let i = 0; i < 20; i++) events.publish({ type: 'user', payload });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.streams.dropped).toBe(1);
    expect(logger.warnings.some((w) => w.includes('not keeping up'))).toBe(true);
    for (let i = 0; i < 100 && server.streams.open > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.streams.open).toBe(0);
  });

  it('drops a reader whose socket stays blocked for more than two heartbeats, even under the byte bound', async () => {
    const events = new EventHub({ streamId: 'run1', historyMax: 0 });
    const server = await start({ events, eventBufferBytesMax: 256 * 1024 * 1024, heartbeatMs: 50 });
    const port = Number(server.address.split(':')[1]);
    const socket = await new Promise<Socket>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    });
    sockets.push(socket);
    socket.write('GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    socket.pause();
    for (let i = 0; i < 100 && server.streams.open === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.streams.open).toBe(1);
    // 32 MiB: more than loopback socket buffers take, far less than the byte bound.
    const payload = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 512; i++) events.publish({ type: 'user', payload });
    expect(server.streams.dropped).toBe(0);
    for (let i = 0; i < 200 && server.streams.dropped === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.streams.dropped).toBe(1);
  });
});
