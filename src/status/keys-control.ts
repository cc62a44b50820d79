/**
 * The keyring endpoints of the status API (what `meshnode keys` calls),
 * under the same rules as every control endpoint (control.ts: loopback
 * callers only, the bearer token when the agent has one, JSON bodies):
 *
 *   POST /v1/agent/keys/list     {}                                      -> 200 status
 *   POST /v1/agent/keys/install  { "key": "<base64>" }                   -> 200 { key, ...status }
 *   POST /v1/agent/keys/use      { "key": "<base64 or key id>" }         -> 200 { key, ...status }
 *   POST /v1/agent/keys/remove   { "key": "<base64 or key id>" }         -> 200 { key, ...status }
 *   POST /v1/agent/keys/verify   { "incoming": bool, "outgoing": bool }  -> 200 status
 *
 * where status is { keys: [{ id, primary }], verifyIncoming, verifyOutgoing }.
 * Even listing is a control call: key ids are not secret, but the answer
 * says how this node can be talked to. No answer ever holds a key.
 */

import { ValidationError } from '../core/errors.js';
import type { KeyringError } from '../node/keyring.js';

export const KEYS_PATHS = [
  '/v1/agent/keys/list',
  '/v1/agent/keys/install',
  '/v1/agent/keys/use',
  '/v1/agent/keys/remove',
  '/v1/agent/keys/verify',
] as const;

export interface KeyIdentity {
  readonly id: string;
  readonly primary: boolean;
}

export interface KeysStatus {
  readonly keys: readonly KeyIdentity[];
  readonly verifyIncoming: boolean;
  readonly verifyOutgoing: boolean;
}

/** What the agent lets the keyring endpoints do; errors are KeyringErrors. */
export interface KeysControl {
  status(): KeysStatus;
  install(key: string): KeyIdentity;
  use(keyOrId: string): KeyIdentity;
  remove(keyOrId: string): KeyIdentity;
  verify(change: { incoming?: boolean; outgoing?: boolean }): void;
}

const STATUS_BY_REASON: Readonly<Record<KeyringError['reason'], number>> = {
  'invalid-key': 400,
  'unknown-key': 404,
  'primary-key': 409,
  'keys-max': 409,
  empty: 409,
};

/** The HTTP status of a refused keyring change. */
export function keyringErrorStatus(error: KeyringError): number {
  return STATUS_BY_REASON[error.reason];
}

/**
 * The answer to one keyring request. Throws a KeyringError for a refused
 * change (see keyringErrorStatus) and a ValidationError for a bad body.
 */
export function serveKeys(keys: KeysControl, path: string, body: Record<string, unknown>): object {
  switch (path) {
    case '/v1/agent/keys/list':
      return keys.status();
    case '/v1/agent/keys/install':
      return { key: keys.install(keyOf(body)), ...keys.status() };
    case '/v1/agent/keys/use':
      return { key: keys.use(keyOf(body)), ...keys.status() };
    case '/v1/agent/keys/remove':
      return { key: keys.remove(keyOf(body)), ...keys.status() };
    default:
      keys.verify(switchesOf(body));
      return keys.status();
  }
}

function keyOf(body: Record<string, unknown>): string {
  const key = body.key;
  if (typeof key !== 'string' || key === '')
    throw new ValidationError('body needs "key" (a base64 key, or a key id)');
  return key;
}

function switchesOf(body: Record<string, unknown>): { incoming?: boolean; outgoing?: boolean } {
  const out: { incoming?: boolean; outgoing?: boolean } = {};
  for (const name of ['incoming', 'outgoing'] as const) {
    const value = body[name];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new ValidationError(`"${name}" must be a boolean`);
    out[name] = value;
  }
  if (out.incoming === undefined && out.outgoing === undefined)
    throw new ValidationError('body needs "incoming" and/or "outgoing" (booleans)');
  return out;
}
