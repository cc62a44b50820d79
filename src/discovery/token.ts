/**
 * Join tokens (after Bib's): one string an operator hands a new node, holding
 * the cluster key, the environment, seed addresses and an expiry.
 *
 *   mn1.<base64url of {"v":1,"key":...,"env":...,"seeds":[...],"exp":<epoch s>}>
 *
 * Anyone holding a token can read the cluster key and the seeds from it. A
 * token made with `--with-key` also holds a gossip encryption key
 * (`"gossipKey"`, base64): such a token is a secret, as the key is.
 *
 * Everything here is pure: no I/O, and the time is always passed in.
 * decodeToken() and readToken() take untrusted text and never throw: every
 * problem comes back as a TokenError with a reason. encodeToken() and
 * parseTtl() throw a TokenError for bad input.
 */
import { formatAddress, parseAddress } from '../core/address.js';
import { MeshError } from '../core/errors.js';
import { formatSeed, parseSeed } from '../node/seed-syntax.js';

/** Prefix of every token: "mn" and the format version, then a dot. */
export const TOKEN_PREFIX = 'mn1.';
/** The `v` field of the tokens this code reads and writes. */
export const TOKEN_VERSION = 1;
/** Longest token accepted or produced, in characters (4 KiB). */
export const TOKEN_CHARS_MAX = 4096;
/** Most seeds in one token. */
export const TOKEN_SEEDS_MAX = 64;
/** Longest key and env, as for `meshnode agent -k / -e`. */
export const TOKEN_NAME_CHARS_MAX = 256;
/** Shortest and longest lifetime of a token, in seconds (1 s .. 365 d). */
export const TOKEN_TTL_MIN_S = 1;
export const TOKEN_TTL_MAX_S = 365 * 24 * 3600;
/** Lifetime when none is given (Bib's tokens are valid for 24 hours too). */
export const TOKEN_TTL_DEFAULT_S = 24 * 3600;

/** The decoded content of a token. */
export interface JoinToken {
  readonly v: typeof TOKEN_VERSION;
  readonly key: string;
  readonly env: string;
  /** Canonical "host:port" / "[v6]:port" addresses; hostnames are kept as written. */
  readonly seeds: readonly string[];
  /** Expiry, epoch seconds: the token is expired from this second on. */
  readonly exp: number;
  /** A gossip encryption key (base64), in tokens made with --with-key only: then the token is a secret. */
  readonly gossipKey?: string;
}

/** What is wrong with a token (or with the input to make one). */
export type TokenErrorReason =
  | 'too-long'
  | 'prefix'
  | 'base64'
  | 'json'
  | 'version'
  | 'missing-field'
  | 'bad-field'
  | 'seed'
  | 'expired'
  | 'ttl';

export class TokenError extends MeshError {
  readonly reason: TokenErrorReason;
  constructor(reason: TokenErrorReason, message: string) {
    super('ERR_MESH_TOKEN', message);
    this.reason = reason;
  }
}

export type TokenResult =
  | { readonly ok: true; readonly token: JoinToken }
  | { readonly ok: false; readonly error: TokenError };

const FIELDS = ['v', 'key', 'env', 'seeds', 'exp'] as const;
const OPTIONAL_FIELDS = ['gossipKey'] as const;
/** 32 bytes in standard base64; the keyring checks the bytes again when it installs the key. */
const GOSSIP_KEY = /^[A-Za-z0-9+/]{43}=$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function fail(reason: TokenErrorReason, message: string): TokenResult {
  return { ok: false, error: new TokenError(reason, message) };
}

/**
 * Checks one seed the way `meshnode agent --seeds` does: "host:port",
 * "[v6]:port" or "hostname:port" with a non-zero port, or "srv:name".
 * Returns the canonical form, or why it is refused.
 */
export function checkSeed(seed: unknown): { ok: true; seed: string } | { ok: false; why: string } {
  if (typeof seed !== 'string') return { ok: false, why: `${JSON.stringify(seed)} is not a string` };
  const spec = parseSeed(seed);
  if (spec?.kind === 'srv') return { ok: true, seed: formatSeed(spec) };
  const parsed = parseAddress(seed);
  if (parsed === undefined)
    return { ok: false, why: `${JSON.stringify(seed)} is not "host:port" (IPv6: "[::1]:7946")` };
  if (parsed.port === 0) return { ok: false, why: `${JSON.stringify(seed)} needs a non-zero port` };
  return { ok: true, seed: formatAddress(parsed.host, parsed.port) };
}

function checkName(field: 'key' | 'env', value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${field} must be a non-empty string`;
  if (value.length > TOKEN_NAME_CHARS_MAX)
    return `${field} must be at most ${TOKEN_NAME_CHARS_MAX} characters`;
  return undefined;
}

/** Seeds of a token: 1..TOKEN_SEEDS_MAX valid addresses, canonical, without duplicates. */
function checkSeeds(value: unknown): { ok: true; seeds: string[] } | { ok: false; error: TokenError } {
  if (!Array.isArray(value)) {
    return { ok: false, error: new TokenError('bad-field', 'seeds must be an array of "host:port" strings') };
  }
  if (value.length === 0 || value.length > TOKEN_SEEDS_MAX) {
    return {
      ok: false,
      error: new TokenError(
        'bad-field',
        `seeds must hold 1 to ${TOKEN_SEEDS_MAX} addresses, not ${value.length}`,
      ),
    };
  }
  const seeds: string[] = [];
  for (const [i, item] of value.entries()) {
    const checked = checkSeed(item);
    if (!checked.ok) return { ok: false, error: new TokenError('seed', `seed ${i + 1}: ${checked.why}`) };
    if (!seeds.includes(checked.seed)) seeds.push(checked.seed);
  }
  return { ok: true, seeds };
}

/**
 * Decodes a token's structure: prefix, base64url, UTF-8 JSON, version and
 * every field. Does not look at the expiry (see readToken). Never throws.
 * Surrounding whitespace (a pasted newline) is ignored.
 */
export function decodeToken(input: unknown): TokenResult {
  if (typeof input !== 'string') return fail('prefix', `a token is a string starting with "${TOKEN_PREFIX}"`);
  const text = input.trim();
  if (text.length > TOKEN_CHARS_MAX) {
    return fail(
      'too-long',
      `token is ${text.length} characters long; at most ${TOKEN_CHARS_MAX} are accepted`,
    );
  }
  if (!text.startsWith(TOKEN_PREFIX)) {
    const shown = text.length > 12 ? `${text.slice(0, 12)}...` : text;
    return fail(
      'prefix',
      `not a meshnode join token: it must start with "${TOKEN_PREFIX}", got ${JSON.stringify(shown)}`,
    );
  }
  const body = text.slice(TOKEN_PREFIX.length);
  if (body.length === 0) return fail('base64', `nothing after "${TOKEN_PREFIX}"`);
  if (!BASE64URL.test(body)) {
    const bad = [...body].find((c) => !BASE64URL.test(c)) ?? '';
    return fail('base64', `the part after "${TOKEN_PREFIX}" is not base64url: ${JSON.stringify(bad)} found`);
  }
  if (body.length % 4 === 1)
    return fail('base64', 'the base64url part has an impossible length (truncated?)');
  const bytes = Buffer.from(body, 'base64url');
  // Buffer ignores stray trailing bits: a token that does not re-encode to itself was altered.
  if (bytes.toString('base64url') !== body)
    return fail('base64', 'the base64url part is not canonical (truncated or altered?)');

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    return fail('json', `the decoded payload is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('json', 'the decoded payload must be a JSON object');
  }
  const fields = json as Record<string, unknown>;
  if (!Object.hasOwn(fields, 'v')) return fail('missing-field', 'the payload has no "v" (version) field');
  if (fields.v !== TOKEN_VERSION) {
    return fail(
      'version',
      `token version ${JSON.stringify(fields.v)} is not supported (this meshnode reads version ${TOKEN_VERSION})`,
    );
  }
  for (const name of FIELDS) {
    if (!Object.hasOwn(fields, name)) return fail('missing-field', `the payload has no "${name}" field`);
  }
  for (const name of Object.keys(fields)) {
    if (
      !(FIELDS as readonly string[]).includes(name) &&
      !(OPTIONAL_FIELDS as readonly string[]).includes(name)
    )
      return fail('bad-field', `unknown field "${name}"`);
  }
  const gossipKey = fields.gossipKey;
  if (gossipKey !== undefined && (typeof gossipKey !== 'string' || !GOSSIP_KEY.test(gossipKey)))
    return fail('bad-field', 'gossipKey must be a 32-byte key in base64');
  for (const name of ['key', 'env'] as const) {
    const problem = checkName(name, fields[name]);
    if (problem !== undefined) return fail('bad-field', problem);
  }
  const seeds = checkSeeds(fields.seeds);
  if (!seeds.ok) return seeds;
  const exp = fields.exp;
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp) || exp <= 0) {
    return fail('bad-field', `exp must be a positive integer (epoch seconds), got ${JSON.stringify(exp)}`);
  }
  return {
    ok: true,
    token: {
      v: TOKEN_VERSION,
      key: fields.key as string,
      env: fields.env as string,
      seeds: seeds.seeds,
      exp,
      ...(gossipKey === undefined ? {} : { gossipKey: gossipKey as string }),
    },
  };
}

/** True from the token's `exp` second on. */
export function tokenExpired(token: Pick<JoinToken, 'exp'>, nowMs: number): boolean {
  return nowMs >= token.exp * 1000;
}

/** decodeToken, then the expiry against `nowMs` (epoch milliseconds). Never throws. */
export function readToken(input: unknown, nowMs: number): TokenResult {
  const decoded = decodeToken(input);
  if (!decoded.ok || !tokenExpired(decoded.token, nowMs)) return decoded;
  const at = new Date(decoded.token.exp * 1000).toISOString();
  return fail('expired', `token expired at ${at}; make a new one with "meshnode token create"`);
}

const TTL_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 24 * 3600 };

/** "90s", "90m", "24h", "7d" -> seconds, within TOKEN_TTL_MIN_S..TOKEN_TTL_MAX_S. Throws TokenError('ttl'). */
export function parseTtl(text: string): number {
  const match = /^([0-9]{1,9})([smhd])$/.exec(text.trim());
  if (match === null) {
    throw new TokenError(
      'ttl',
      `ttl must be a whole number with a unit s, m, h or d (e.g. 3600s, 90m, 24h), got ${JSON.stringify(text)}`,
    );
  }
  const seconds = Number(match[1]) * (TTL_UNITS[match[2] as string] as number);
  if (seconds < TOKEN_TTL_MIN_S || seconds > TOKEN_TTL_MAX_S) {
    throw new TokenError('ttl', `ttl must be between 1s and 365d, got ${JSON.stringify(text)}`);
  }
  return seconds;
}

export interface TokenInput {
  readonly key: string;
  readonly env: string;
  readonly seeds: readonly string[];
  readonly ttlSeconds: number;
  /** Creation time, epoch milliseconds. */
  readonly nowMs: number;
  /** Embeds a gossip key (base64): the token becomes a secret. */
  readonly gossipKey?: string;
}

/**
 * Makes a token that expires `ttlSeconds` after `nowMs`. Seeds are checked
 * and written in canonical form, without duplicates. Throws a TokenError
 * naming the problem (bad key, env, seed or ttl; too many seeds; too long).
 */
export function encodeToken(input: TokenInput): string {
  for (const name of ['key', 'env'] as const) {
    const problem = checkName(name, input[name]);
    if (problem !== undefined) throw new TokenError('bad-field', problem);
  }
  const { ttlSeconds, nowMs } = input;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < TOKEN_TTL_MIN_S || ttlSeconds > TOKEN_TTL_MAX_S) {
    throw new TokenError('ttl', `ttl must be whole seconds between 1s and 365d, got ${ttlSeconds}`);
  }
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new TokenError('bad-field', `bad creation time ${nowMs}`);
  const seeds = checkSeeds(input.seeds);
  if (!seeds.ok) throw seeds.error;
  if (input.gossipKey !== undefined && !GOSSIP_KEY.test(input.gossipKey))
    throw new TokenError('bad-field', 'gossipKey must be a 32-byte key in base64');
  const payload = {
    v: TOKEN_VERSION,
    key: input.key,
    env: input.env,
    seeds: seeds.seeds,
    exp: Math.floor(nowMs / 1000) + ttlSeconds,
    ...(input.gossipKey === undefined ? {} : { gossipKey: input.gossipKey }),
  };
  const token = TOKEN_PREFIX + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  if (token.length > TOKEN_CHARS_MAX) {
    throw new TokenError(
      'too-long',
      `the token would be ${token.length} characters; at most ${TOKEN_CHARS_MAX} (use fewer or shorter seeds)`,
    );
  }
  return token;
}
