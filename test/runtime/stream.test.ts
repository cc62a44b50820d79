import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameKind } from '../../src/runtime/framing.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { type StreamHandlers, type StreamLimits, StreamTransport } from '../../src/runtime/stream.js';
import { until } from './until.js';

const limits: StreamLimits = {
  stateBytesMax: 1024,
  packetBytesMax: 64,
  syncsMax: 2,
  streamsMax: 2,
  syncTimeoutMs: 300,
  streamTimeoutMs: 300,
  connectionsPerSourceMax: 16,
  syncsPerSourceMax: 2,
  firstByteTimeoutMs: 300,
};

interface Peer {
  server: Server;
  transport: StreamTransport;
  address: string;
  drops: string[];
  packets: { payload: number[]; from: string }[];
  requests: { payload: number[]; remote: string }[];
}

const open: Peer[] = [];
const rawServers: Server[] = [];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function peer(
  overrides: Partial<StreamHandlers> = {},
  custom: Partial<StreamLimits> = {},
): Promise<Peer> {
  const server = createServer();
  const port = await listen(server);
  const p: Peer = {
    server,
    transport: undefined as unknown as StreamTransport,
    address: `127.0.0.1:${port}`,
    drops: [],
    packets: [],
    requests: [],
  };
  p.transport = new StreamTransport(
    server,
    { ...limits, ...custom },
    {
      onStateRequest: (payload, remote) => {
        p.requests.push({ payload: [...payload], remote });
        return Uint8Array.from([9, 9, 9]);
      },
      onPacket: (payload, from) => p.packets.push({ payload: [...payload], from }),
      onDrop: (reason) => p.drops.push(reason),
      onBytes: () => {},
      ...overrides,
    },
    silentLogger,
  );
  open.push(p);
  return p;
}

/** A listener that accepts and reads but never answers; its address. */
async function silentServer(): Promise<string> {
  const server = createServer((socket) => socket.on('error', () => {}).resume());
  rawServers.push(server);
  return `127.0.0.1:${await listen(server)}`;
}

const rawSockets: Socket[] = [];

/** A plain TCP connection to `address`, from `localAddress` (another loopback source) when given. */
async function rawClient(address: string, localAddress?: string): Promise<Socket> {
  const [host, port] = address.split(':') as [string, string];
  const socket = connect({ host, port: Number(port), ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => {});
  rawSockets.push(socket);
  await new Promise((resolve) => socket.on('connect', resolve));
  return socket;
}

/** The payload of the first frame `socket` receives. */
function answerOf(socket: Socket): Promise<number[]> {
  const decoder = new FrameDecoder(1024);
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      const frame = decoder.push(chunk).frames[0];
      if (frame !== undefined) resolve([...frame.payload]);
    });
    socket.on('close', () => reject(new Error('closed before an answer')));
  });
}

afterEach(async () => {
  for (const socket of rawSockets.splice(0)) socket.destroy();
  for (const p of open.splice(0)) {
    p.transport.close();
    await new Promise((resolve) => p.server.close(resolve));
  }
  for (const s of rawServers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

describe('StreamTransport', () => {
  it('exchanges full states: one request frame, one answer frame', async () => {
    const a = await peer();
    const b = await peer();
    const answer = await a.transport.exchangeState(b.address, Uint8Array.from([1, 2, 3]));
    expect([...answer]).toEqual([9, 9, 9]);
    expect(b.requests).toHaveLength(1);
    expect(b.requests[0]?.payload).toEqual([1, 2, 3]);
    await until(() => a.transport.activeConnections === 0 && b.transport.activeConnections === 0);
  });

  it('fails a sync to a closed port with the socket error code', async () => {
    const a = await peer();
    const dead = createServer();
    const port = await listen(dead);
    await new Promise((resolve) => dead.close(resolve));
    await expect(a.transport.exchangeState(`127.0.0.1:${port}`, Uint8Array.from([1]))).rejects.toMatchObject({
      reason: 'ECONNREFUSED',
    });
  });

  it('times out a sync to a peer that never answers', async () => {
    const a = await peer();
    const silent = createServer((socket) => socket.on('error', () => {}).resume());
    rawServers.push(silent);
    const port = await listen(silent);
    // Timers of equal duration fire in the order they were set: the sync must time out after a
    // timer of syncTimeoutMs set just before it and before one set just after it.
    const order: string[] = [];
    const before = setTimeout(() => order.push('before'), limits.syncTimeoutMs);
    const sync = a.transport
      .exchangeState(`127.0.0.1:${port}`, Uint8Array.from([1]))
      .catch((error: unknown) => {
        order.push('timeout');
        return error;
      });
    const after = new Promise((resolve) => setTimeout(resolve, limits.syncTimeoutMs)).then(() =>
      order.push('after'),
    );
    const [error] = await Promise.all([sync, after]);
    clearTimeout(before);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(order).toEqual(['before', 'timeout', 'after']);
    await until(() => a.transport.activeConnections === 0);
  });

  it('hangs up on an oversize declared frame without reading it', async () => {
    const b = await peer();
    const [host, port] = b.address.split(':') as [string, string];
    const socket = connect({ host, port: Number(port) });
    socket.on('error', () => {});
    const header = Buffer.alloc(5);
    header.writeUInt32BE(1 << 30, 0);
    header.writeUInt8(FrameKind.state, 4);
    socket.write(header);
    await new Promise((resolve) => socket.on('close', resolve));
    expect(b.drops).toContain('frame-too-large');
    expect(b.requests).toHaveLength(0);
  });

  it('rejects an answer larger than the local frame limit', async () => {
    const a = await peer({}, { stateBytesMax: 16 });
    const b = await peer({ onStateRequest: () => new Uint8Array(64) }, { stateBytesMax: 1024 });
    await expect(a.transport.exchangeState(b.address, Uint8Array.from([1]))).rejects.toMatchObject({
      reason: 'frame-too-large',
    });
  });

  it('hangs up when the state handler refuses (foreign cluster, garbage)', async () => {
    const a = await peer();
    const b = await peer({ onStateRequest: () => undefined });
    await expect(a.transport.exchangeState(b.address, Uint8Array.from([1]))).rejects.toMatchObject({
      reason: 'closed',
    });
  });

  it('bounds concurrent outbound syncs', async () => {
    const a = await peer();
    const [one, two, three] = await Promise.all([silentServer(), silentServer(), silentServer()]);
    const first = a.transport.exchangeState(one, Uint8Array.from([1]));
    const second = a.transport.exchangeState(two, Uint8Array.from([1]));
    await expect(a.transport.exchangeState(three, Uint8Array.from([1]))).rejects.toMatchObject({
      reason: 'sync-limit',
    });
    await Promise.allSettled([first, second]);
    expect(a.drops).toContain('sync-limit');
  });

  it('runs one outbound sync per peer at a time', async () => {
    const a = await peer();
    const to = await silentServer();
    const first = a.transport.exchangeState(to, Uint8Array.from([1]));
    await expect(a.transport.exchangeState(to, Uint8Array.from([1]))).rejects.toMatchObject({
      reason: 'sync-busy',
    });
    expect(a.drops).toEqual(['sync-busy']);
    await expect(first).rejects.toMatchObject({ reason: 'timeout' });
    // Once the first is over, the peer can be synced with again.
    const b = await peer();
    await a.transport.exchangeState(b.address, Uint8Array.from([1]));
    await expect(a.transport.exchangeState(b.address, Uint8Array.from([1]))).resolves.toBeDefined();
  });

  it('closes a connection that sends nothing within firstByteTimeoutMs', async () => {
    const b = await peer({}, { firstByteTimeoutMs: 50 });
    const socket = await rawClient(b.address);
    await new Promise((resolve) => socket.on('close', resolve));
    expect(b.drops).toEqual(['first-byte-timeout']);
  });

  it('silent connections hold no reading slot: a sync goes through while they stay open', async () => {
    const b = await peer({}, { syncsMax: 1, firstByteTimeoutMs: 5000, syncTimeoutMs: 5000 });
    const a = await peer();
    const silent = await Promise.all([1, 2, 3].map(() => rawClient(b.address)));
    const closed: number[] = [];
    for (const [i, socket] of silent.entries()) socket.on('close', () => closed.push(i));
    expect([...(await a.transport.exchangeState(b.address, Uint8Array.from([5])))]).toEqual([9, 9, 9]);
    expect(closed).toEqual([]);
    for (const socket of silent) socket.destroy();
  });

  it('makes room at the connection cap by closing the oldest silent connection', async () => {
    // syncsMax 2 and streamsMax 2: a budget of 16 connections, all taken by silent ones.
    const b = await peer({}, { firstByteTimeoutMs: 5000, syncTimeoutMs: 5000 });
    const a = await peer();
    const silent = [];
    for (let i = 0; i < 16; i++) silent.push(await rawClient(b.address, '127.0.0.2'));
    await until(() => b.transport.activeConnections === 16);
    const closed: number[] = [];
    for (const [i, socket] of silent.entries()) socket.on('close', () => closed.push(i));
    expect([...(await a.transport.exchangeState(b.address, Uint8Array.from([5])))]).toEqual([9, 9, 9]);
    await until(() => closed.length === 1);
    expect(closed).toEqual([0]);
    expect(b.drops).toEqual(['connection-limit']);
  });

  it('asks about a state frame from its first bytes and hangs up, unread, when refused', async () => {
    const heads: { prefix: number[]; totalBytes: number }[] = [];
    const b = await peer({
      stateHeadBytes: 4,
      onStateHead: (prefix, totalBytes) => {
        heads.push({ prefix: [...prefix], totalBytes });
        return prefix[0] === 1;
      },
    });
    const refused = await rawClient(b.address);
    refused.write(Buffer.from([0, 0, 3, 0xe8, FrameKind.state, 7, 7]));
    refused.write(Buffer.from([7, 7, 7]));
    await new Promise((resolve) => refused.on('close', resolve));
    expect(heads).toEqual([{ prefix: [7, 7, 7, 7], totalBytes: 1000 }]);
    expect(b.requests).toEqual([]);
    // An accepted head is read to its end and served as usual.
    const accepted = await rawClient(b.address);
    accepted.write(encodeFrame(FrameKind.state, Uint8Array.from([1, 2, 3, 4, 5, 6])).subarray(0, 9));
    await until(() => heads.length === 2);
    accepted.write(Uint8Array.from([5, 6]));
    expect(await answerOf(accepted)).toEqual([9, 9, 9]);
    expect(b.requests.map((r) => r.payload)).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  it('refuses connections over the per-source cap, and only from that source', async () => {
    const b = await peer({}, { connectionsPerSourceMax: 2, firstByteTimeoutMs: 5000 });
    const held = [await rawClient(b.address), await rawClient(b.address)];
    await until(() => b.transport.activeConnections === 2);
    const third = await rawClient(b.address);
    await new Promise((resolve) => third.on('close', resolve));
    expect(b.drops).toEqual(['source-limit']);
    const other = await rawClient(b.address, '127.0.0.2');
    await until(() => b.transport.activeConnections === 3);
    expect(b.drops).toEqual(['source-limit']);
    for (const socket of [...held, other]) socket.destroy();
  });

  it('reads at most syncsPerSourceMax syncs from one source; other sources are not held up', async () => {
    const b = await peer({}, { syncsPerSourceMax: 1, syncTimeoutMs: 5000 });
    // A partial state frame from 127.0.0.1 takes that source's only reading slot.
    const hog = await rawClient(b.address);
    hog.write(Buffer.from([0, 0, 0, 100, FrameKind.state]));
    await until(() => b.transport.activeConnections === 1);
    const queued = await rawClient(b.address);
    queued.write(encodeFrame(FrameKind.state, Uint8Array.from([1])));
    const queuedAnswer = answerOf(queued);
    const other = await rawClient(b.address, '127.0.0.2');
    other.write(encodeFrame(FrameKind.state, Uint8Array.from([2])));
    expect(await answerOf(other)).toEqual([9, 9, 9]);
    expect(b.requests.map((r) => r.payload)).toEqual([[2]]);
    hog.destroy();
    expect(await queuedAnswer).toEqual([9, 9, 9]);
    expect(b.requests.map((r) => r.payload)).toEqual([[2], [1]]);
  });

  it('queues inbound syncs beyond the limit instead of refusing them', async () => {
    const b = await peer({}, { syncsMax: 1 });
    const a = await peer();
    const [host, port] = b.address.split(':') as [string, string];
    // A client that started a state frame and stalls takes the only reading slot.
    const hog = connect({ host, port: Number(port) });
    hog.on('error', () => {});
    await new Promise((resolve) => hog.on('connect', resolve));
    hog.write(Buffer.from([0, 0, 0, 100, FrameKind.state]));
    let answered = false;
    const pending = a.transport.exchangeState(b.address, Uint8Array.from([5])).then((answer) => {
      answered = true;
      return answer;
    });
    await until(() => b.transport.activeConnections === 2);
    expect(answered).toBe(false);
    expect(b.requests).toHaveLength(0);
    hog.destroy();
    expect([...(await pending)]).toEqual([9, 9, 9]);
    expect(b.drops).toEqual([]);
  });

  it('answers a stream packet on the connection it came from', async () => {
    let bTransport: StreamTransport | undefined;
    const b = await peer({
      onPacket: (payload, from) => bTransport?.sendPacket(from, Uint8Array.from([...payload, 42])),
    });
    bTransport = b.transport;
    const a = await peer();
    a.transport.sendPacket(b.address, Uint8Array.from([7]));
    await until(() => a.packets.length === 1);
    expect(a.packets[0]).toEqual({ payload: [7, 42], from: b.address });
  });

  it('holds packet frames to the packet limit, well below the state limit', async () => {
    const b = await peer();
    const [host, port] = b.address.split(':') as [string, string];
    const socket = connect({ host, port: Number(port) });
    socket.on('error', () => {});
    socket.write(encodeFrame(FrameKind.packet, new Uint8Array(65)));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(b.drops).toContain('frame-too-large');
    expect(b.packets).toHaveLength(0);
  });

  it('refuses a state frame on a stream-probe connection', async () => {
    const b = await peer();
    const [host, port] = b.address.split(':') as [string, string];
    const socket = connect({ host, port: Number(port) });
    socket.on('error', () => {});
    socket.write(encodeFrame(FrameKind.packet, Uint8Array.from([1])));
    socket.write(encodeFrame(FrameKind.state, Uint8Array.from([2])));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(b.packets).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
    expect(b.drops).toContain('frame-kind');
  });

  it('rejects an unknown frame kind from a client', async () => {
    const b = await peer();
    const [host, port] = b.address.split(':') as [string, string];
    const socket = connect({ host, port: Number(port) });
    socket.on('error', () => {});
    const frame = encodeFrame(FrameKind.packet, Uint8Array.from([1]));
    frame.writeUInt8(77, 4);
    socket.write(frame);
    await new Promise((resolve) => socket.on('close', resolve));
    expect(b.drops).toContain('frame-kind');
  });

  it('close() destroys open connections and refuses new work', async () => {
    const a = await peer();
    const silent = createServer((socket) => socket.on('error', () => {}).resume());
    rawServers.push(silent);
    const port = await listen(silent);
    const pending = a.transport.exchangeState(`127.0.0.1:${port}`, Uint8Array.from([1]));
    await until(() => a.transport.activeConnections === 1);
    a.transport.close();
    await expect(pending).rejects.toBeInstanceOf(Error);
    expect(a.transport.activeConnections).toBe(0);
    await expect(a.transport.exchangeState(`127.0.0.1:${port}`, Uint8Array.from([1]))).rejects.toMatchObject({
      reason: 'closed',
    });
  });
});
