/**
 * The state-changing endpoints of the status API (what `meshnode leave`,
 * `force-leave` and `tags` call):
 *
 *   POST /v1/agent/leave        {}                                  -> 202 { leaving: true }
 *   POST /v1/agent/force-leave  { "id": "b" }                       -> 200 { id, left }
 *   POST /v1/agent/tags         { "set": {"k":"v"}, "delete": ["x"] } -> 200 { metadata }
 *   POST /v1/agent/event        { "name": "deploy", "payload": "v2" }   -> 200 { name, ltime }
 *
 * Who may call them: only a caller on this host (a loopback peer address),
 * wherever the API is bound, and, when the agent has a token file, only
 * with `Authorization: Bearer <token>`. A web page cannot call them either:
 * the body must be `application/json` (which a cross-site form or a no-cors
 * fetch cannot send) and a request with an Origin header is refused.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeshError } from '../core/errors.js';
import type { Metadata } from '../core/types.js';
import { KeyringError } from '../node/keyring.js';
import { isLoopbackAddress } from './access.js';
import { KEYS_PATHS, type KeysControl, keyringErrorStatus, serveKeys } from './keys-control.js';
import { sendJson, sendJsonError } from './reply.js';

/** What the agent lets the API change. Errors are MeshErrors with stable codes. */
export interface AgentControl {
  /** Starts a graceful leave; the agent exits once it is done. */
  leave(): void;
  /** Marks a failed member left; false when it had already left. */
  forceLeave(id: string): boolean;
  /** Sets and deletes metadata entries; resolves with the metadata now published. */
  updateTags(set: Readonly<Record<string, string>>, remove: readonly string[]): Promise<Metadata>;
  /** The keyring endpoints (keys-control.ts); absent: they answer 404. */
  readonly keys?: KeysControl;
  /** Sends a user event (payload as UTF-8 text); returns its Lamport time. */
  broadcast(name: string, payload: string): number;
}

/** A request body larger than this is refused before it is read. */
export const CONTROL_BODY_BYTES_MAX = 16 * 1024;

export const CONTROL_PATHS = [
  '/v1/agent/leave',
  '/v1/agent/force-leave',
  '/v1/agent/tags',
  ...KEYS_PATHS,
  '/v1/agent/event',
] as const;

/** HTTP status per MeshError code; anything else is a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ERR_MESH_MEMBER_ALIVE: 409,
  ERR_MESH_UNKNOWN_MEMBER: 404,
  ERR_MESH_INVALID: 400,
  ERR_MESH_METADATA_TOO_LARGE: 413,
  ERR_MESH_STATE: 409,
  ERR_MESH_EVENT_TOO_LARGE: 413,
  ERR_MESH_EVENT_RATE: 429,
};

/** A control request the API refuses; `apiCode` is what the JSON error body names. */
export class BadRequestError extends MeshError {
  readonly status: number;
  readonly apiCode: string;
  constructor(status: number, apiCode: string, message: string) {
    super('ERR_MESH_BAD_REQUEST', message);
    this.status = status;
    this.apiCode = apiCode;
  }
}

export interface ControlAccess {
  /** True when the request carries the configured bearer token (always true without one). */
  readonly tokenAccepted: (req: IncomingMessage) => boolean;
  readonly usesToken: boolean;
}

/** Serves one control request; the caller has routed a CONTROL_PATHS path here. */
export async function serveControl(
  control: AgentControl | undefined,
  access: ControlAccess,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'POST') {
    sendJsonError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${path}`, {
      allow: 'POST',
    });
    return;
  }
  if (control === undefined) {
    sendJsonError(res, 404, 'not_found', 'this server has no agent to control');
    return;
  }
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    sendJsonError(res, 403, 'loopback_only', 'state-changing endpoints answer callers on this host only');
    return;
  }
  if (req.headers.origin !== undefined) {
    sendJsonError(res, 403, 'origin_refused', 'state-changing endpoints do not answer web pages');
    return;
  }
  if (!access.tokenAccepted(req)) {
    sendJsonError(
      res,
      401,
      'unauthorized',
      'this agent has a token file: send "Authorization: Bearer <token>" (meshnode commands: --http-token-file)',
      { 'www-authenticate': 'Bearer' },
    );
    return;
  }
  try {
    const body = await readJsonBody(req);
    if (path === '/v1/agent/leave') {
      control.leave();
      sendJson(res, 202, { leaving: true });
    } else if (path === '/v1/agent/force-leave') {
      const id = body.id;
      if (typeof id !== 'string' || id === '')
        throw new BadRequestError(400, 'bad_request', 'body needs "id"');
      sendJson(res, 200, { id, left: control.forceLeave(id) });
    } else if ((KEYS_PATHS as readonly string[]).includes(path)) {
      if (control.keys === undefined)
        throw new BadRequestError(404, 'not_found', 'this agent has no keyring');
      sendJson(res, 200, serveKeys(control.keys, path, body));
    } else if (path === '/v1/agent/event') {
      const { name, payload } = userEventOf(body);
      sendJson(res, 200, { name, ltime: control.broadcast(name, payload) });
    } else {
      const { set, remove } = tagsOf(body);
      sendJson(res, 200, { metadata: await control.updateTags(set, remove) });
    }
  } catch (error) {
    if (error instanceof BadRequestError) {
      sendJsonError(res, error.status, error.apiCode, error.message);
    } else if (error instanceof KeyringError) {
      sendJsonError(res, keyringErrorStatus(error), error.code, error.message);
    } else if (error instanceof MeshError) {
      sendJsonError(res, STATUS_BY_CODE[error.code] ?? 500, error.code, error.message);
    } else {
      sendJsonError(res, 500, 'internal', (error as Error)?.message ?? 'internal error');
    }
  }
}

function tagsOf(body: Record<string, unknown>): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const rawSet = body.set ?? {};
  if (typeof rawSet !== 'object' || rawSet === null || Array.isArray(rawSet))
    throw new BadRequestError(400, 'bad_request', '"set" must be an object of strings');
  for (const [key, value] of Object.entries(rawSet)) {
    if (typeof value !== 'string')
      throw new BadRequestError(400, 'bad_request', `"set.${key}" must be a string`);
    set[key] = value;
  }
  const rawDelete = body.delete ?? [];
  if (!Array.isArray(rawDelete) || rawDelete.some((key) => typeof key !== 'string'))
    throw new BadRequestError(400, 'bad_request', '"delete" must be an array of strings');
  return { set, remove: rawDelete as string[] };
}

function userEventOf(body: Record<string, unknown>): { name: string; payload: string } {
  const { name, payload = '' } = body;
  if (typeof name !== 'string' || name === '')
    throw new BadRequestError(400, 'bad_request', 'body needs "name"');
  if (typeof payload !== 'string')
    throw new BadRequestError(400, 'bad_request', '"payload" must be a string');
  return { name, payload };
}

/** Reads a JSON object body of at most CONTROL_BODY_BYTES_MAX bytes; an empty body is {}. */
async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new BadRequestError(415, 'unsupported_media_type', 'send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > CONTROL_BODY_BYTES_MAX)
    throw new BadRequestError(413, 'too_large', `the body must be at most ${CONTROL_BODY_BYTES_MAX} bytes`);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > CONTROL_BODY_BYTES_MAX)
      throw new BadRequestError(413, 'too_large', `the body must be at most ${CONTROL_BODY_BYTES_MAX} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError(400, 'bad_request', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new BadRequestError(400, 'bad_request', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}
