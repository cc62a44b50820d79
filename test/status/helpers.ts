/** A fake agent for the status server, raw HTTP on loopback, and a reader of server-sent events. */
import { request } from 'node:http';
import type { Indices, MemberInfo, NodeStats } from '../../src/node/types.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { AgentLifecycle, StatusSource } from '../../src/status/types.js';

export const member = (
  id: string,
  index: number,
  threads: number,
  extra: Partial<MemberInfo> = {},
): MemberInfo => ({
  id,
  address: `127.0.0.1:${7000 + index}`,
  threads,
  index,
  state: 'alive',
  incarnation: 0,
  metadata: {},
  rttMs: id === 'a' ? undefined : 0.4321,
  ...extra,
});

export const stats: NodeStats = {
  packetsIn: 10,
  packetsOut: 12,
  bytesIn: 1000,
  bytesOut: 1200,
  streamBytesIn: 5,
  streamBytesOut: 6,
  streamPacketsIn: 1,
  streamPacketsOut: 2,
  drops: { 'foreign-cluster': 3, malformed: 1 },
  probes: 7,
  probesFailed: 1,
  indirectProbes: 2,
  nacksReceived: 0,
  suspicions: 1,
  refutations: 0,
  syncs: 1,
  syncsFailed: 0,
  idConflicts: 0,
  userEventsSent: 0,
  userEventsReceived: 0,
  userEventsDuplicate: 0,
  syncsServed: 2,
  awareness: 0,
  membersKnown: 4,
  viewSize: 3,
  rttMs: { b: 0.5, c: 1.5 },
};

export function fakeSource(lifecycle: AgentLifecycle = 'running'): StatusSource & { state: AgentLifecycle } {
  const view = [
    member('a', 0, 2),
    member('b', 2, 1, { metadata: { role: 'web' } }),
    member('c', 3, 4, { state: 'suspect' }),
  ];
  const dead = member('d', -1, 1, { state: 'dead' });
  const indices: Indices = { index: 0, threads: 2, total: 7, viewId: 0xabc, settled: true };
  const source = {
    state: lifecycle,
    key: 'k',
    env: 'dev',
    startedAt: Date.now() - 1000,
    node: {
      id: 'a',
      address: '127.0.0.1:7000',
      isStatic: false,
      indices: () => indices,
      members: () => view,
      member: (id: string) => [...view, dead].find((m) => m.id === id),
      stats: () => stats,
    },
    lifecycle: () => source.state,
    join: () => ({ state: 'joined', attempts: 1, seeds: ['127.0.0.1:7002'], lastError: undefined }),
    departed: () => [dead],
  };
  return source;
}

/** A logger that keeps the warnings, for asserting that a limit was logged. */
export function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return { warnings, debug: noop, info: noop, error: noop, warn: (_obj, msg) => warnings.push(msg ?? '') };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** GET (or another method) with headers fetch() would not send as given (Host), bounded in time. */
export function rawRequest(
  address: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  const url = new URL(`http://${address}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method, headers, timeout: 5000, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${address}${path} within 5000 ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface SseFrame {
  readonly id: string | undefined;
  readonly data: string | undefined;
  readonly comment: string | undefined;
  readonly retry: string | undefined;
}

/** An open /v1/events stream, split into frames as they arrive. */
export class SseReader {
  readonly frames: SseFrame[] = [];
  status = 0;
  private buffer = '';
  private readonly waiters = new Set<() => void>();
  private closeStream: () => void = () => {};
  ended = false;

  static open(address: string, path: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    const url = new URL(`http://${address}${path}`);
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path, headers, agent: false }, (res) => {
        reader.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => reader.push(chunk));
        res.on('close', () => {
          reader.ended = true;
          reader.wake();
        });
        resolve(reader);
      });
      reader.closeStream = () => req.destroy();
      req.on('error', (error) => {
        reader.ended = true;
        reader.wake();
        reject(error);
      });
      req.end();
    });
  }

  /** Event payloads (parsed `data:` lines) seen so far. */
  get events(): Record<string, unknown>[] {
    return this.frames.filter((f) => f.data !== undefined).map((f) => JSON.parse(f.data as string));
  }

  /** Waits until `done()` holds over the frames seen, at most `timeoutMs`. */
  async until(what: string, done: (reader: SseReader) => boolean, timeoutMs = 5000): Promise<void> {
    if (done(this)) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  close(): void {
    this.closeStream();
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        else {
          const colon = line.indexOf(':');
          frame[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
        }
      }
      this.frames.push({ id: frame.id, data: frame.data, comment: frame.comment, retry: frame.retry });
      end = this.buffer.indexOf('\n\n');
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
