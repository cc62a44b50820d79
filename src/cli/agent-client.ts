/**
 * How the commands that talk to a running agent (status, members, leave,
 * force-leave, tags, monitor) reach its status API: the shared flags
 * (--http, --http-token-file, --timeout), the exit code 6 when no agent
 * answers, and a clear "not a meshnode agent" when something else does.
 */
import type { Command } from 'commander';
import { formatAddress } from '../core/address.js';
import { readTokenFile } from '../status/access.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { DEFAULT_HTTP } from './settings.js';
import { parseHostPort, parseInteger, ValueError } from './values.js';

export interface ClientFlags {
  http?: string;
  httpTokenFile?: string;
  timeout?: string;
}

/** Adds --http, --http-token-file and --timeout to a command. */
export function withClientFlags(command: Command): Command {
  return command
    .option(
      '--http <host:port|port>',
      `the agent's status API (default ${formatAddress(DEFAULT_HTTP.host, DEFAULT_HTTP.port)})`,
    )
    .option(
      '--http-token-file <path>',
      "file with the agent's bearer token (when the agent runs with --http-token-file)",
    )
    .option('--timeout <ms>', 'how long to wait for the agent (default 3000)');
}

/** The body of a status API error: `{ error: { code, message } }`. */
interface ApiErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
}

/** An answer of the agent that is an API error (4xx / 5xx with the API's error shape). */
export class AgentApiError extends CliError {
  readonly status: number;
  /** The API's own error code (e.g. "member-alive"); `code` stays this class's stable one. */
  readonly apiCode: string;
  constructor(status: number, apiCode: string, message: string) {
    super(ExitCode.failure, message, { code: 'ERR_MESH_AGENT_API' });
    this.status = status;
    this.apiCode = apiCode;
  }
}

export class AgentClient {
  readonly base: string;
  readonly timeoutMs: number;
  private readonly token: string | undefined;

  constructor(base: string, timeoutMs: number, token?: string) {
    this.base = base;
    this.timeoutMs = timeoutMs;
    this.token = token;
  }

  /** From the shared flags; bad values are usage errors (exit 2), an unreadable token file exit 3. */
  static fromFlags(flags: ClientFlags): AgentClient {
    let base: string;
    let timeoutMs: number;
    try {
      const target =
        flags.http === undefined ? DEFAULT_HTTP : parseHostPort('--http', flags.http, DEFAULT_HTTP.host);
      if (target.port === 0) throw new ValueError('--http needs the port the agent listens on');
      base = `http://${formatAddress(target.host, target.port)}`;
      timeoutMs = flags.timeout === undefined ? 3000 : parseInteger('--timeout', flags.timeout, 1, 600_000);
    } catch (error) {
      if (error instanceof ValueError) throw new UsageError(error.message);
      throw error;
    }
    let token: string | undefined;
    if (flags.httpTokenFile !== undefined) {
      try {
        token = readTokenFile(flags.httpTokenFile);
      } catch (error) {
        throw new CliError(ExitCode.config, `--http-token-file: ${(error as Error).message}`);
      }
    }
    return new AgentClient(base, timeoutMs, token);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token !== undefined ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /** GET a JSON document; `looksRight` tells a meshnode answer from another server's. */
  async get<T>(path: string, looksRight: (body: unknown) => boolean): Promise<T> {
    return this.request<T>('GET', path, undefined, looksRight);
  }

  async post<T>(path: string, body: unknown, looksRight: (body: unknown) => boolean): Promise<T> {
    return this.request<T>('POST', path, body, looksRight);
  }

  /** Opens a streaming GET (the event stream); connection failures exit 6. */
  async open(path: string, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    timeout.addEventListener('abort', onAbort);
    signal?.addEventListener('abort', onAbort);
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        headers: this.headers({ accept: 'text/event-stream' }),
        signal: controller.signal,
      });
    } catch (error) {
      throw this.unreachable(error, timeout.aborted);
    } finally {
      // Only the wait for the headers is bounded: the stream itself runs until stopped.
      timeout.removeEventListener('abort', onAbort);
    }
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok) await this.failWith(response, path);
    if (!type.startsWith('text/event-stream')) throw this.notMeshnode(path, `content-type ${type || 'none'}`);
    return response;
  }

  private async request<T>(
    method: string,
    path: string,
    body: unknown,
    looksRight: (body: unknown) => boolean,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: timeout,
      });
      text = await response.text();
    } catch (error) {
      throw this.unreachable(error, timeout.aborted);
    }
    const parsed = parseJson(text);
    if (!response.ok) {
      const apiError = (parsed as ApiErrorBody | undefined)?.error;
      if (apiError !== undefined && typeof apiError.message === 'string') {
        throw new AgentApiError(response.status, String(apiError.code ?? 'error'), apiError.message);
      }
      throw this.notMeshnode(path, `HTTP ${response.status}`);
    }
    if (parsed === undefined || !looksRight(parsed)) throw this.notMeshnode(path, 'unexpected answer');
    return parsed as T;
  }

  private async failWith(response: Response, path: string): Promise<never> {
    const parsed = parseJson(await response.text().catch(() => ''));
    const apiError = (parsed as ApiErrorBody | undefined)?.error;
    if (apiError !== undefined && typeof apiError.message === 'string')
      throw new AgentApiError(response.status, String(apiError.code ?? 'error'), apiError.message);
    throw this.notMeshnode(path, `HTTP ${response.status}`);
  }

  private unreachable(error: unknown, timedOut: boolean): CliError {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    // llhttp's parse errors: something answered, but not in HTTP.
    if (cause.startsWith('HPE_')) return this.notMeshnode('/', `not HTTP (${cause})`);
    // Accepted, then closed without an answer: a TCP service that is not HTTP, such as the mesh port.
    if (cause === 'UND_ERR_SOCKET')
      return this.notMeshnode('/', 'the connection closed without an answer; is that the mesh port?');
    const why = timedOut || cause === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : cause;
    return new CliError(
      ExitCode.unreachable,
      `no agent answered at ${this.base} (${why}); is "meshnode agent" running with --http at that address?`,
    );
  }

  private notMeshnode(path: string, why: string): CliError {
    return new CliError(
      ExitCode.unreachable,
      `${this.base} is not a meshnode agent's status API (${path}: ${why}); check --http`,
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A plain object with these fields of these typeof kinds ("array" for arrays). */
export function hasFields(body: unknown, fields: Readonly<Record<string, string>>): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  return Object.entries(fields).every(([name, kind]) =>
    kind === 'array' ? Array.isArray(record[name]) : typeof record[name] === kind,
  );
}

export const looksLikeStatus = (body: unknown): boolean =>
  hasFields(body, { id: 'string', total: 'number', counts: 'object', join: 'object' });
export const looksLikeMembers = (body: unknown): boolean =>
  hasFields(body, { id: 'string', members: 'array', departed: 'array' });
