/** Where an agent's keys come from: the keyring file, MESHNODE_KEYS and a join token. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyringFile, startingKeys, takeKeysFromEnv } from '../../src/cli/agent-keys.js';
import { CliError } from '../../src/cli/exit-codes.js';

const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const B1 = K1.toString('base64');
const B2 = K2.toString('base64');

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshnode-keys-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function configError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(3);
    return error as CliError;
  }
  throw new Error('expected a config error');
}

describe('readKeyringFile', () => {
  it('reads a JSON array of base64 keys, first primary', async () => {
    expect(readKeyringFile(await file('ok.json', JSON.stringify([B2, B1])))).toEqual([K2, K1]);
  });

  it('refuses what is not a list of keys, naming the file but never the content', async () => {
    const cases: [string, RegExp][] = [
      [`[${JSON.stringify(B1)}`, /not valid JSON/],
      [JSON.stringify({ keys: [B1] }), /must hold a JSON array/],
      ['[]', /holds no key/],
      [JSON.stringify([B1, B1.slice(1)]), /key 2 is not 32 bytes/],
      [JSON.stringify([B1, 7]), /key 2 is not a string/],
      [JSON.stringify(Array.from({ length: 17 }, () => B1)), /at most 16 keys/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const error = configError(() => readKeyringFile(join(dir, `bad-${i}.json`)));
      expect(error.message).toMatch(/no such file/);
      await file(`bad-${i}.json`, text);
      const parsed = configError(() => readKeyringFile(join(dir, `bad-${i}.json`)));
      expect(parsed.message).toMatch(message);
      expect(parsed.message).toContain(`bad-${i}.json`);
      expect(parsed.message).not.toContain(B1.slice(1, 20));
    }
  });
});

describe('MESHNODE_KEYS', () => {
  it('parses comma-separated keys and removes the variable, so children never inherit it', () => {
    const env: NodeJS.ProcessEnv = { MESHNODE_KEYS: ` ${B1} , ${B2}`, OTHER: 'x' };
    expect(takeKeysFromEnv(env)).toEqual([K1, K2]);
    expect(env).toEqual({ OTHER: 'x' });
    expect(takeKeysFromEnv(env)).toBeUndefined();
  });

  it('a bad entry is a config error naming its position', () => {
    expect(configError(() => takeKeysFromEnv({ MESHNODE_KEYS: `${B1},nope` })).message).toMatch(
      /MESHNODE_KEYS: key 2 is not 32 bytes/,
    );
  });
});

describe('startingKeys', () => {
  it('the keyring file wins over the environment; a token key is added once, last', async () => {
    const path = await file('start.json', JSON.stringify([B1]));
    expect(startingKeys({ keyringFile: path, fromEnv: [K2], tokenKey: undefined })).toEqual([K1]);
    expect(startingKeys({ keyringFile: undefined, fromEnv: [K2], tokenKey: B1 })).toEqual([K2, K1]);
    expect(startingKeys({ keyringFile: path, fromEnv: undefined, tokenKey: B1 })).toEqual([K1]);
    expect(startingKeys({ keyringFile: undefined, fromEnv: undefined, tokenKey: undefined })).toEqual([]);
  });
});
