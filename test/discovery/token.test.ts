import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeToken,
  encodeToken,
  type JoinToken,
  parseTtl,
  readToken,
  TOKEN_CHARS_MAX,
  TOKEN_PREFIX,
  TOKEN_SEEDS_MAX,
  TokenError,
  type TokenErrorReason,
  type TokenResult,
  tokenExpired,
} from '../../src/discovery/token.js';

/** A fixed clock: 2023-11-14T22:13:20.500Z. */
const NOW = 1_700_000_000_500;
const NOW_S = 1_700_000_000;

const REASONS: readonly TokenErrorReason[] = [
  'too-long',
  'prefix',
  'base64',
  'json',
  'version',
  'missing-field',
  'bad-field',
  'seed',
  'expired',
  'ttl',
];

/** A token around any payload, valid or not, the way encodeToken would wrap it. */
const wrap = (payload: unknown): string =>
  TOKEN_PREFIX + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');

const good = { v: 1, key: 'mycluster', env: 'prod', seeds: ['10.0.0.1:7946'], exp: NOW_S + 3600 };

function decoded(result: TokenResult): JoinToken {
  if (!result.ok) throw new Error(`expected a token, got ${result.error.reason}: ${result.error.message}`);
  return result.token;
}

function refused(result: TokenResult, reason: TokenErrorReason, message: RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error).toBeInstanceOf(TokenError);
  expect({ reason: result.error.reason, message: result.error.message }).toEqual({
    reason,
    message: expect.stringMatching(message),
  });
}

describe('encodeToken / decodeToken', () => {
  it('round-trips key, env, IPv4, IPv6, hostname and SRV seeds, with exp = now + ttl in epoch seconds', () => {
    const seeds = [
      '10.0.0.1:7946',
      '[::1]:7946',
      '[fd00::1:2]:7000',
      'seed-1.example.com:7946',
      'localhost:1',
      'srv:_meshnode._udp.example.internal',
    ];
    const token = encodeToken({ key: 'mycluster', env: 'prod', seeds, ttlSeconds: 86_400, nowMs: NOW });
    expect(token.startsWith('mn1.')).toBe(true);
    expect(token.slice(4)).toMatch(/^[A-Za-z0-9_-]+$/);
    const payload = JSON.parse(Buffer.from(token.slice(4), 'base64url').toString('utf8'));
    expect(payload).toEqual({ v: 1, key: 'mycluster', env: 'prod', seeds, exp: NOW_S + 86_400 });
    expect(Object.keys(payload)).toEqual(['v', 'key', 'env', 'seeds', 'exp']);
    expect(decoded(decodeToken(token))).toEqual(payload);
  });

  it('writes seeds in canonical form without duplicates, and carries no secret', () => {
    const token = encodeToken({
      key: 'k',
      env: 'e',
      seeds: ['a.example:7946', 'a.example:07946', '[::1]:1', '[::1]:1'],
      ttlSeconds: 60,
      nowMs: NOW,
    });
    const content = decoded(decodeToken(token));
    expect(content.seeds).toEqual(['a.example:7946', '[::1]:1']);
    expect(Object.keys(content).sort()).toEqual(['env', 'exp', 'key', 'seeds', 'v']);
  });

  it('ignores whitespace around a pasted token', () => {
    const token = encodeToken({ key: 'k', env: 'e', seeds: ['h:1'], ttlSeconds: 60, nowMs: NOW });
    expect(decoded(decodeToken(`  ${token}\n`)).key).toBe('k');
  });

  it('round-trips any key and env (any Unicode) and any valid seed list (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    const host = fc.oneof(
      fc.ipV4(),
      fc.ipV6().map((v6) => `[${v6}]`),
      fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
    );
    const seed = fc.tuple(host, fc.integer({ min: 1, max: 65_535 })).map(([h, p]) => `${h}:${p}`);
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.uniqueArray(seed, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 365 * 86_400 }),
        (key, env, seeds, ttlSeconds) => {
          const token = encodeToken({ key, env, seeds, ttlSeconds, nowMs: NOW });
          const content = decoded(readToken(token, NOW));
          expect(content).toMatchObject({ v: 1, key, env, exp: NOW_S + ttlSeconds });
          // IPv6 literals come back in the form parseAddress accepts; the count is kept.
          expect(content.seeds).toHaveLength(seeds.length);
          expect(decoded(decodeToken(encodeToken({ ...content, ttlSeconds, nowMs: NOW })))).toEqual(content);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decodeToken on untrusted input', () => {
  const expectTyped = (input: unknown): void => {
    const result = decodeToken(input);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(TokenError);
      expect(REASONS).toContain(result.error.reason);
      expect(result.error.message.length).toBeGreaterThan(0);
    }
  };

  it('never throws on arbitrary strings and values: a result or a typed error (property)', () => {
    const base64urlBody = fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/);
    const anyPayload = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          v: fc.oneof(fc.constant(1), fc.jsonValue()),
          key: fc.oneof(fc.string(), fc.jsonValue()),
          env: fc.oneof(fc.string(), fc.jsonValue()),
          seeds: fc.oneof(fc.array(fc.string()), fc.array(fc.jsonValue()), fc.jsonValue()),
          exp: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    );
    const valid = encodeToken({ key: 'k', env: 'e', seeds: ['h:1', '[::1]:2'], ttlSeconds: 60, nowMs: NOW });
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.string({ unit: 'binary', maxLength: 3 }))
      .map(([at, text]) => valid.slice(0, at) + text + valid.slice(at + 1));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary', maxLength: 300 }),
          base64urlBody.map((body) => TOKEN_PREFIX + body),
          fc.uint8Array({ maxLength: 200 }).map((b) => TOKEN_PREFIX + Buffer.from(b).toString('base64url')),
          anyPayload.map(wrap),
          mutated,
          fc.anything(),
        ),
        (input) => {
          expect(() => expectTyped(input)).not.toThrow();
          expect(() => readToken(input, NOW)).not.toThrow();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('bad prefix', () => {
    refused(decodeToken('abc'), 'prefix', /must start with "mn1\."/);
    refused(decodeToken(''), 'prefix', /must start with "mn1\."/);
    refused(decodeToken(`MN1.${wrap(good).slice(4)}`), 'prefix', /"MN1\./);
    refused(decodeToken(`mn2.${wrap(good).slice(4)}`), 'prefix', /not a meshnode join token/);
    // A Bib token is plain base64 JSON.
    refused(
      decodeToken(Buffer.from(JSON.stringify({ cluster_name: 'x' })).toString('base64')),
      'prefix',
      /mn1/,
    );
    refused(decodeToken(undefined), 'prefix', /a token is a string/);
    refused(decodeToken(42), 'prefix', /a token is a string/);
  });

  it('too long', () => {
    refused(decodeToken(`mn1.${'A'.repeat(TOKEN_CHARS_MAX)}`), 'too-long', /at most 4096/);
  });

  it('bad base64', () => {
    refused(decodeToken('mn1.'), 'base64', /nothing after "mn1\."/);
    refused(decodeToken('mn1.abc$def'), 'base64', /not base64url: "\$" found/);
    refused(decodeToken(`${wrap(good)}==`), 'base64', /not base64url: "=" found/);
    // Standard base64 ("+", "/") instead of base64url.
    refused(decodeToken(`mn1.${Buffer.from([0xfb, 0xff]).toString('base64')}`), 'base64', /"\+" found/);
    refused(decodeToken('mn1.abcde'), 'base64', /impossible length/);
    // "ab" decodes to one byte that re-encodes as "aQ": stray bits, the token was cut or altered.
    refused(decodeToken('mn1.ab'), 'base64', /not canonical/);
  });

  it('bad JSON', () => {
    const raw = (bytes: Buffer | string) => `mn1.${Buffer.from(bytes).toString('base64url')}`;
    refused(decodeToken(raw('not json')), 'json', /not UTF-8 JSON/);
    refused(decodeToken(raw(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]))), 'json', /not UTF-8 JSON/);
    refused(decodeToken(raw('[1,2]')), 'json', /must be a JSON object/);
    refused(decodeToken(raw('"mn1"')), 'json', /must be a JSON object/);
    refused(decodeToken(raw('null')), 'json', /must be a JSON object/);
  });

  it('wrong version', () => {
    refused(decodeToken(wrap({ ...good, v: 2 })), 'version', /version 2 is not supported/);
    refused(decodeToken(wrap({ ...good, v: '1' })), 'version', /version "1" is not supported/);
  });

  it('missing field, each of them', () => {
    for (const name of ['v', 'key', 'env', 'seeds', 'exp'] as const) {
      const { [name]: _dropped, ...rest } = good;
      refused(decodeToken(wrap(rest)), 'missing-field', new RegExp(`no "${name}"`));
    }
  });

  it('bad field values and unknown fields', () => {
    refused(decodeToken(wrap({ ...good, key: '' })), 'bad-field', /key must be a non-empty string/);
    refused(decodeToken(wrap({ ...good, key: 'k'.repeat(257) })), 'bad-field', /key must be at most 256/);
    refused(decodeToken(wrap({ ...good, env: 5 })), 'bad-field', /env must be a non-empty string/);
    refused(decodeToken(wrap({ ...good, seeds: '10.0.0.1:7946' })), 'bad-field', /seeds must be an array/);
    refused(decodeToken(wrap({ ...good, seeds: [] })), 'bad-field', /1 to 64 addresses, not 0/);
    const many = Array.from({ length: TOKEN_SEEDS_MAX + 1 }, (_, i) => `h:${i + 1}`);
    refused(decodeToken(wrap({ ...good, seeds: many })), 'bad-field', /not 65/);
    refused(decodeToken(wrap({ ...good, exp: 1.5 })), 'bad-field', /exp must be a positive integer/);
    refused(decodeToken(wrap({ ...good, exp: -1 })), 'bad-field', /exp must be a positive integer/);
    refused(decodeToken(wrap({ ...good, exp: '1700000000' })), 'bad-field', /exp must be/);
    refused(decodeToken(wrap({ ...good, secret: 'x' })), 'bad-field', /unknown field "secret"/);
  });

  it('bad seed, naming which one', () => {
    const cases: [unknown, RegExp][] = [
      ['nohost', /seed 1: "nohost" is not "host:port"/],
      ['h:0', /seed 1: "h:0" needs a non-zero port/],
      ['h:65536', /"h:65536" is not "host:port"/],
      ['::1:7946', /"::1:7946" is not "host:port" \(IPv6: "\[::1\]:7946"\)/],
      ['a b:1', /"a b:1" is not/],
      [42, /seed 1: 42 is not a string/],
    ];
    for (const [seed, message] of cases) {
      refused(decodeToken(wrap({ ...good, seeds: [seed] })), 'seed', message);
    }
    refused(decodeToken(wrap({ ...good, seeds: ['h:1', 'bad'] })), 'seed', /^seed 2: /);
  });
});

describe('expiry with an injected clock', () => {
  // Created at NOW (…000.500 s) with 90 s: exp is NOW_S + 90, so it expires 89.5 s after NOW.
  const token = encodeToken({ key: 'k', env: 'e', seeds: ['h:1'], ttlSeconds: 90, nowMs: NOW });
  const exp = (NOW_S + 90) * 1000;

  it('is valid up to the last millisecond before exp, expired from exp on', () => {
    expect(decoded(readToken(token, NOW)).exp).toBe(NOW_S + 90);
    expect(readToken(token, exp - 1).ok).toBe(true);
    refused(readToken(token, exp), 'expired', /token expired at 2023-11-14T22:14:50\.000Z/);
    refused(readToken(token, exp + 86_400_000), 'expired', /meshnode token create/);
    expect(tokenExpired({ exp: NOW_S + 90 }, exp - 1)).toBe(false);
    expect(tokenExpired({ exp: NOW_S + 90 }, exp)).toBe(true);
  });

  it('decodeToken ignores the expiry (inspect shows expired tokens); readToken checks structure first', () => {
    expect(decoded(decodeToken(token)).exp).toBe(NOW_S + 90);
    refused(readToken(wrap({ ...good, exp: 1 }), NOW), 'expired', /1970-01-01T00:00:01\.000Z/);
    refused(readToken(wrap({ ...good, exp: 1, seeds: ['x'] }), NOW), 'seed', /seed 1/);
  });
});

describe('encodeToken refuses bad input', () => {
  const base = { key: 'k', env: 'e', seeds: ['h:1'], ttlSeconds: 60, nowMs: NOW };
  const reasonOf = (run: () => unknown): TokenErrorReason | undefined => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(TokenError);
      return (error as TokenError).reason;
    }
    return undefined;
  };

  it('names the problem', () => {
    expect(reasonOf(() => encodeToken({ ...base, key: '' }))).toBe('bad-field');
    expect(reasonOf(() => encodeToken({ ...base, env: 'e'.repeat(257) }))).toBe('bad-field');
    expect(reasonOf(() => encodeToken({ ...base, seeds: [] }))).toBe('bad-field');
    expect(reasonOf(() => encodeToken({ ...base, seeds: ['h:1', 'h'] }))).toBe('seed');
    const many = Array.from({ length: 65 }, (_, i) => `h:${i + 1}`);
    expect(reasonOf(() => encodeToken({ ...base, seeds: many }))).toBe('bad-field');
    expect(reasonOf(() => encodeToken({ ...base, ttlSeconds: 0 }))).toBe('ttl');
    expect(reasonOf(() => encodeToken({ ...base, ttlSeconds: 365 * 86_400 + 1 }))).toBe('ttl');
    expect(reasonOf(() => encodeToken({ ...base, ttlSeconds: 1.5 }))).toBe('ttl');
    expect(reasonOf(() => encodeToken({ ...base, nowMs: Number.NaN }))).toBe('bad-field');
  });

  it('refuses a token over 4 KiB (64 long hostnames)', () => {
    const seeds = Array.from({ length: 64 }, (_, i) => `seed-${i}.${'a'.repeat(40)}.example.com:7946`);
    expect(() => encodeToken({ ...base, seeds })).toThrow(/would be \d+ characters; at most 4096/);
    expect(reasonOf(() => encodeToken({ ...base, seeds }))).toBe('too-long');
    // 64 short seeds fit.
    const short = Array.from({ length: 64 }, (_, i) => `10.0.0.${i}:7946`);
    expect(decoded(decodeToken(encodeToken({ ...base, seeds: short }))).seeds).toHaveLength(64);
  });
});

describe('parseTtl', () => {
  it('takes whole numbers with s, m, h or d', () => {
    expect(parseTtl('24h')).toBe(86_400);
    expect(parseTtl('90m')).toBe(5400);
    expect(parseTtl('3600s')).toBe(3600);
    expect(parseTtl('1s')).toBe(1);
    expect(parseTtl('365d')).toBe(365 * 86_400);
    expect(parseTtl(' 7d ')).toBe(7 * 86_400);
  });

  it('refuses anything else, and values outside 1 s .. 365 d', () => {
    for (const text of ['', '10', '1.5h', '-1h', '1w', 'h', '24 h', '1e3s']) {
      expect(() => parseTtl(text)).toThrow(/whole number with a unit/);
    }
    for (const text of ['0s', '0d', '366d', '8761h', '999999999s']) {
      expect(() => parseTtl(text)).toThrow(/between 1s and 365d/);
    }
  });
});
