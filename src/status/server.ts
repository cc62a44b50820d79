/**
 * The status API: a small node:http server (loopback unless told otherwise).
 *
 *   GET /v1/members  the sorted view (index, threads, state, incarnation, metadata, rttMs)
 *                    and the departed members still remembered
 *   GET /v1/status   this node, its indices, settled, counts by state, join state, uptime
 *   GET /metrics     Prometheus text format
 *   GET /healthz     200 while running, 503 while leaving or left
 *
 * Anything else is a JSON error: 404 for an unknown path, 405 for another method.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { formatAddress } from '../core/address.js';
import type { MemberInfo } from '../node/types.js';
import { countByState, createMetricsRegistry } from './metrics.js';
import { formatViewId, type StatusSource } from './types.js';
import { packageVersion } from './version.js';

export interface MemberJson {
  readonly id: string;
  readonly address: string;
  readonly threads: number;
  readonly index: number;
  readonly state: string;
  readonly incarnation: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly rttMs: number | null;
  readonly self: boolean;
}

export interface MembersResponse {
  readonly id: string;
  readonly viewId: string;
  readonly total: number;
  readonly settled: boolean;
  readonly members: readonly MemberJson[];
  readonly departed: readonly MemberJson[];
}

export interface StatusResponse {
  readonly id: string;
  readonly address: string;
  readonly key: string;
  readonly env: string;
  readonly static: boolean;
  readonly lifecycle: string;
  readonly index: number;
  readonly threads: number;
  readonly total: number;
  readonly viewId: string;
  readonly settled: boolean;
  readonly viewSize: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly join: {
    readonly state: string;
    readonly attempts: number;
    readonly seeds: readonly string[];
    readonly lastError: string | null;
  };
  readonly awareness: number;
  readonly startedAt: string;
  readonly uptimeMs: number;
  readonly pid: number;
  readonly version: string;
}

function memberJson(member: MemberInfo, selfId: string): MemberJson {
  return {
    id: member.id,
    address: member.address,
    threads: member.threads,
    index: member.index,
    state: member.state,
    incarnation: member.incarnation,
    metadata: member.metadata,
    rttMs: member.rttMs === undefined ? null : Math.round(member.rttMs * 1000) / 1000,
    self: member.id === selfId,
  };
}

export function membersResponse(source: StatusSource): MembersResponse {
  const { node } = source;
  const indices = node.indices();
  return {
    id: node.id,
    viewId: formatViewId(indices.viewId),
    total: indices.total,
    settled: indices.settled,
    members: node.members().map((m) => memberJson(m, node.id)),
    departed: source.departed().map((m) => memberJson(m, node.id)),
  };
}

export function statusResponse(source: StatusSource): StatusResponse {
  const { node } = source;
  const indices = node.indices();
  const stats = node.stats();
  const join = source.join();
  return {
    id: node.id,
    address: node.address,
    key: source.key,
    env: source.env,
    static: node.isStatic,
    lifecycle: source.lifecycle(),
    index: indices.index,
    threads: indices.threads,
    total: indices.total,
    viewId: formatViewId(indices.viewId),
    settled: indices.settled,
    viewSize: stats.viewSize,
    counts: countByState(source),
    join: {
      state: join.state,
      attempts: join.attempts,
      seeds: join.seeds,
      lastError: join.lastError ?? null,
    },
    awareness: stats.awareness,
    startedAt: new Date(source.startedAt).toISOString(),
    uptimeMs: Date.now() - source.startedAt,
    pid: process.pid,
    version: packageVersion(),
  };
}

export interface StatusServer {
  /** "host:port" actually bound (the port is real even when 0 was asked for). */
  readonly address: string;
  readonly registry: Registry;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers = {}): void {
  send(res, status, { error: { code, message } }, headers);
}

/** Request handler over a source; exported for tests that do not need a socket. */
export function createHandler(source: StatusSource, registry: Registry) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://status.invalid').pathname.replace(/\/+$/, '') || '/';
    const routes: Record<string, () => Promise<void> | void> = {
      '/v1/members': () => send(res, 200, membersResponse(source)),
      '/v1/status': () => send(res, 200, statusResponse(source)),
      '/healthz': () => {
        const lifecycle = source.lifecycle();
        const ok = lifecycle === 'running' || lifecycle === 'starting';
        send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', lifecycle });
      },
      '/metrics': async () => {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
    };
    const route = routes[path];
    if (route === undefined) {
      sendError(
        res,
        404,
        'not_found',
        `no such endpoint: ${path} (try /v1/status, /v1/members, /metrics, /healthz)`,
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${path}`, {
        allow: 'GET, HEAD',
      });
      return;
    }
    try {
      await route();
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, 'internal', (error as Error).message ?? 'internal error');
      else res.destroy();
    }
  };
}

/** Starts the status server on host:port (port 0: any free port). Rejects with the listen error. */
export async function startStatusServer(
  source: StatusSource,
  host: string,
  port: number,
): Promise<StatusServer> {
  const registry = createMetricsRegistry(source);
  const handler = createHandler(source, registry);
  const server: Server = createServer((req, res) => {
    void handler(req, res);
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: formatAddress(bound.address, bound.port),
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
