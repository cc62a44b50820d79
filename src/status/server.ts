/**
 * The status API: a small node:http server (loopback unless told otherwise).
 *
 *   GET /, /ui       the status page (ui/ and its libraries, see ui-assets.ts)
 *   GET /v1/members  the sorted view (index, threads, state, incarnation, metadata, rttMs)
 *                    and the departed members still remembered
 *   GET /v1/status   this node, its indices, settled, counts by state, join state, uptime
 *   GET /v1/events   the agent's events as server-sent events (event-stream.ts)
 *   GET /metrics     Prometheus text format
 *   GET /healthz     200 while running, 503 while leaving or left
 *   POST /v1/agent/leave, /v1/agent/force-leave, /v1/agent/tags
 *                    change the agent: callers on this host only, with the
 *                    bearer token when there is one (control.ts)
 *
 * Anything else is a JSON error: 404 for an unknown path, 405 for another
 * method, 403 for a Host header that does not name this host on a loopback
 * connection (access.ts). Connections are capped and idle ones closed soon,
 * so a flood of sockets costs the API, never the mesh.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { formatAddress } from '../core/address.js';
import { type Logger, silentLogger } from '../runtime/logger.js';
import { createAuthorizer, createHostCheck, type HostCheck } from './access.js';
import { CONTROL_PATHS, type ControlAccess, serveControl } from './control.js';
import { EventStreams } from './event-stream.js';
import { EventHub } from './events.js';
import { createMetricsRegistry } from './metrics.js';
import { sendJson, sendJsonError } from './reply.js';
import { membersResponse, statusResponse } from './responses.js';
import { SSE_CLIENT_BUFFER_BYTES_DEFAULT } from './sse.js';
import type { StatusSource } from './types.js';
import { type Asset, AssetStore, PAGE_SECURITY_HEADERS } from './ui-assets.js';

export type { MemberJson, MembersResponse, StatusResponse } from './responses.js';
export { membersResponse, statusResponse } from './responses.js';

export interface StatusServerOptions {
  /** Open connections at most; more are closed at once (and logged). Default 256. */
  readonly maxConnections?: number;
  /** Time a client has to send its request headers. Default 5000. */
  readonly headersTimeoutMs?: number;
  /** Time a kept-alive connection may sit idle between requests. Default 5000. */
  readonly idleTimeoutMs?: number;
  /** The agent's events for /v1/events; without one the stream only sends heartbeats. */
  readonly events?: EventHub;
  /** Event streams open at once at most. Default 32. */
  readonly eventStreamsMax?: number;
  /** Bytes waiting for one slow event reader before it is dropped. Default 64 KiB. */
  readonly eventBufferBytesMax?: number;
  /** Period of the stream's keepalive comment. Default 15000. */
  readonly heartbeatMs?: number;
  /** Bearer token that authorizes callers to see private fields; without one, loopback callers may. */
  readonly token?: string;
  readonly logger?: Logger;
  /** For tests: the host name the Host check accepts besides loopback names. */
  readonly machineName?: string;
}

export const STATUS_DEFAULTS = {
  maxConnections: 256,
  headersTimeoutMs: 5000,
  idleTimeoutMs: 5000,
  eventStreamsMax: 32,
  heartbeatMs: 15_000,
} as const;

/** A request, headers included, must be complete this long after it starts. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests that sit idle for this long with a response pending are closed (a stalled reader). */
const SOCKET_IDLE_MS = 30_000;
/** Logged at most once per this period while connections are being refused, with the count. */
const DROP_LOG_PERIOD_MS = 10_000;

export interface StatusServer {
  /** "host:port" actually bound (the port is real even when 0 was asked for). */
  readonly address: string;
  readonly registry: Registry;
  /** Connections refused at maxConnections since start. */
  readonly connectionsRefused: number;
  readonly streams: EventStreams;
  close(): Promise<void>;
}

export interface HandlerContext {
  readonly source: StatusSource;
  readonly registry: Registry;
  readonly streams: EventStreams;
  readonly hostCheck: HostCheck;
  readonly authorized: (req: IncomingMessage) => boolean;
  readonly assets: AssetStore;
  /** Who may call the state-changing endpoints; without it they always refuse (401). */
  readonly control?: ControlAccess;
}

/** Request handler over a source; exported for tests that do not need a socket. */
export function createHandler(ctx: HandlerContext) {
  const { source, registry } = ctx;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!ctx.hostCheck.allowed(req.socket.localAddress, req.headers.host)) {
      sendJsonError(
        res,
        403,
        'host_not_allowed',
        'the status API on loopback answers only Host: localhost, a loopback address or this host name',
      );
      return;
    }
    const url = new URL(req.url ?? '/', 'http://status.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const routes: Record<string, () => Promise<void> | void> = {
      '/v1/members': () => sendJson(res, 200, membersResponse(source)),
      '/v1/status': () => sendJson(res, 200, statusResponse(source, ctx.authorized(req))),
      '/v1/events': () => ctx.streams.serve(req, res, url, ctx.authorized(req)),
      '/healthz': () => {
        const lifecycle = source.lifecycle();
        const ok = lifecycle === 'running' || lifecycle === 'starting';
        sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', lifecycle });
      },
      '/metrics': async () => {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
    };
    if ((CONTROL_PATHS as readonly string[]).includes(path)) {
      const access = ctx.control ?? { usesToken: true, tokenAccepted: () => false };
      await serveControl(source.control, access, path, req, res);
      return;
    }
    const asset = ctx.assets.get(path);
    const route = routes[path] ?? (asset !== undefined ? () => sendAsset(asset, res) : undefined);
    if (route === undefined) {
      sendJsonError(
        res,
        404,
        'not_found',
        `no such endpoint: ${path} (try /, /v1/status, /v1/members, /v1/events, /metrics, /healthz)`,
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJsonError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${path}`, {
        allow: 'GET, HEAD',
      });
      return;
    }
    try {
      await route();
    } catch (error) {
      if (!res.headersSent) sendJsonError(res, 500, 'internal', (error as Error).message ?? 'internal error');
      else res.destroy();
    }
  };
}

async function sendAsset(pending: Promise<Asset>, res: ServerResponse): Promise<void> {
  const asset = await pending;
  res.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': asset.body.length,
    'cache-control': 'no-cache',
    ...PAGE_SECURITY_HEADERS,
  });
  res.end(asset.body);
}

/** Starts the status server on host:port (port 0: any free port). Rejects with the listen error. */
export async function startStatusServer(
  source: StatusSource,
  host: string,
  port: number,
  options: StatusServerOptions = {},
): Promise<StatusServer> {
  const logger = options.logger ?? silentLogger;
  const registry = createMetricsRegistry(source);
  const streams = new EventStreams(options.events ?? new EventHub(), {
    clientsMax: options.eventStreamsMax ?? STATUS_DEFAULTS.eventStreamsMax,
    bufferBytesMax: options.eventBufferBytesMax ?? SSE_CLIENT_BUFFER_BYTES_DEFAULT,
    heartbeatMs: options.heartbeatMs ?? STATUS_DEFAULTS.heartbeatMs,
    stalledHeartbeatsMax: 2,
    logger,
  });
  const authorizer = createAuthorizer(options.token);
  const handler = createHandler({
    source,
    registry,
    streams,
    hostCheck: createHostCheck(options.machineName),
    authorized: (req) => authorizer.authorized(req.socket.remoteAddress, req.headers.authorization),
    assets: new AssetStore(),
    control: {
      usesToken: authorizer.usesToken,
      tokenAccepted: (req) =>
        !authorizer.usesToken || authorizer.authorized(req.socket.remoteAddress, req.headers.authorization),
    },
  });
  const headersTimeoutMs = options.headersTimeoutMs ?? STATUS_DEFAULTS.headersTimeoutMs;
  const server: Server = createServer(
    {
      // How often Node checks headersTimeout and requestTimeout; its default (30 s) would stretch both.
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
      headersTimeout: headersTimeoutMs,
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersTimeoutMs),
      keepAliveTimeout: options.idleTimeoutMs ?? STATUS_DEFAULTS.idleTimeoutMs,
    },
    (req, res) => {
      void handler(req, res);
    },
  );
  server.timeout = SOCKET_IDLE_MS;
  server.maxConnections = options.maxConnections ?? STATUS_DEFAULTS.maxConnections;
  let refused = 0;
  let refusedLogged = 0;
  let lastDropLogMs = Number.NEGATIVE_INFINITY;
  server.on('drop', () => {
    refused += 1;
    const now = Date.now();
    if (now - lastDropLogMs < DROP_LOG_PERIOD_MS) return;
    lastDropLogMs = now;
    logger.warn(
      { maxConnections: server.maxConnections, refused: refused - refusedLogged },
      'status API connection limit reached; refusing new connections (the mesh is not affected)',
    );
    refusedLogged = refused;
  });
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
    streams,
    get connectionsRefused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        streams.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
