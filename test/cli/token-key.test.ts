/** Join tokens that carry a gossip key (`token create --with-key`). */
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, TOKEN_PREFIX } from '../../src/discovery/token.js';
import { runCli } from './helpers.js';

const KEY = Buffer.alloc(32, 0x77).toString('base64');
const BASE = { key: 'k', env: 'e', seeds: ['10.0.0.1:7946'], ttlSeconds: 60, nowMs: 1_764_590_000_000 };

function rawToken(payload: object): string {
  return TOKEN_PREFIX + Buffer.from(JSON.stringify(payload)).toString('base64url');
}

describe('tokens with a gossip key', () => {
  it('round-trip the key; a token without one has no gossipKey field', () => {
    const withKey = decodeToken(encodeToken({ ...BASE, gossipKey: KEY }));
    expect(withKey.ok && withKey.token.gossipKey).toBe(KEY);
    const plain = decodeToken(encodeToken(BASE));
    expect(plain.ok && 'gossipKey' in plain.token).toBe(false);
  });

  it('refuse a gossipKey that is not 32 bytes of base64, on encode and decode', () => {
    expect(() => encodeToken({ ...BASE, gossipKey: KEY.slice(4) })).toThrow(/gossipKey/);
    const decoded = decodeToken(
      rawToken({ v: 1, key: 'k', env: 'e', seeds: ['10.0.0.1:7946'], exp: 2e9, gossipKey: 5 }),
    );
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.error.reason).toBe('bad-field');
    expect(!decoded.ok && decoded.error.message).not.toContain('5');
  });

  it('token create --with-key without any key source is a usage error', async () => {
    const env = { ...process.env };
    delete env.MESHNODE_KEYS;
    const result = await runCli(
      ['token', 'create', '-k', 'k', '--seeds', '10.0.0.1:7946', '--with-key'],
      undefined,
      { env },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--with-key needs a key/);
  });

  it('token create --with-key takes the first key of MESHNODE_KEYS', async () => {
    const other = Buffer.alloc(32, 0x78).toString('base64');
    const env = { ...process.env, MESHNODE_KEYS: `${KEY},${other}` };
    const result = await runCli(
      ['token', 'create', '-k', 'k', '--seeds', '10.0.0.1:7946', '--with-key'],
      undefined,
      { env },
    );
    expect(result.code, result.stderr).toBe(0);
    const decoded = decodeToken(result.stdout.trim());
    expect(decoded.ok && decoded.token.gossipKey).toBe(KEY);
  });
});
