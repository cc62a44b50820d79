import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuthorizer,
  createHostCheck,
  hostOfHeader,
  isLoopbackAddress,
  readTokenFile,
  TokenFileError,
} from '../../src/status/access.js';

describe('loopback addresses', () => {
  it('are 127.0.0.0/8, ::1 and their IPv4-mapped form', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      expect(isLoopbackAddress(address)).toBe(true);
    }
    for (const address of [
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '::',
      '0.0.0.0',
      'localhost',
      '128.0.0.1',
      undefined,
    ]) {
      expect(isLoopbackAddress(address)).toBe(false);
    }
  });
});

describe('Host check', () => {
  const check = createHostCheck('build-box');

  it('takes the host out of a Host header', () => {
    expect(hostOfHeader('localhost:7947')).toBe('localhost');
    expect(hostOfHeader('[::1]:7947')).toBe('::1');
    expect(hostOfHeader('Example.COM')).toBe('example.com');
  });

  it('on a loopback connection accepts loopback names, addresses and the machine name only', () => {
    for (const host of [
      'localhost:7947',
      '127.0.0.1:7947',
      '127.0.0.5',
      '[::1]:7947',
      'BUILD-BOX:7947',
      undefined,
    ]) {
      expect(check.allowed('127.0.0.1', host)).toBe(true);
    }
    for (const host of [
      'attacker.example:7947',
      'localhost.attacker.example',
      '10.0.0.1:7947',
      '[::2]:7947',
    ]) {
      expect(check.allowed('127.0.0.1', host)).toBe(false);
      expect(check.allowed('::1', host)).toBe(false);
    }
  });

  it('does not judge requests that arrive on another interface', () => {
    expect(check.allowed('10.0.0.7', 'status.internal.example')).toBe(true);
  });
});

describe('authorization', () => {
  it('without a token trusts loopback callers only', () => {
    const auth = createAuthorizer(undefined);
    expect(auth.authorized('127.0.0.1', undefined)).toBe(true);
    expect(auth.authorized('::1', undefined)).toBe(true);
    expect(auth.authorized('10.0.0.2', 'Bearer anything-at-all-here')).toBe(false);
  });

  it('with a token wants exactly that bearer token, from anywhere, loopback included', () => {
    const auth = createAuthorizer('0123456789abcdef-secret');
    expect(auth.authorized('127.0.0.1', undefined)).toBe(false);
    expect(auth.authorized('10.0.0.2', 'Bearer 0123456789abcdef-secret')).toBe(true);
    expect(auth.authorized('127.0.0.1', 'bearer 0123456789abcdef-secret')).toBe(true);
    expect(auth.authorized('127.0.0.1', 'Bearer 0123456789abcdef-secreT')).toBe(false);
    expect(auth.authorized('127.0.0.1', 'Bearer 0123456789abcdef')).toBe(false);
    expect(auth.authorized('127.0.0.1', 'Basic 0123456789abcdef-secret')).toBe(false);
  });
});

describe('token file', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshnode-token-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, content: string) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  it('reads the token without the surrounding whitespace', async () => {
    expect(readTokenFile(await file('ok', '  c0ffee-c0ffee-c0ffee\n'))).toBe('c0ffee-c0ffee-c0ffee');
  });

  it('refuses a missing, short, spaced or oversized token with a clear error', async () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing'), /no such file/],
      [await file('short', 'abc\n'), /at least 16 characters/],
      [await file('spaced', 'abcdefgh ijklmnopq'), /printable ASCII without spaces/],
      [await file('huge', 'x'.repeat(5000)), /larger than 4096 bytes/],
    ];
    for (const [path, message] of cases) {
      let error: unknown;
      try {
        readTokenFile(path);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TokenFileError);
      expect(error).toMatchObject({ code: 'ERR_MESH_TOKEN_FILE', message: expect.stringMatching(message) });
    }
  });
});
