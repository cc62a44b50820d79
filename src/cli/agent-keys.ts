/**
 * Where an agent's gossip keys come from, first match wins:
 *
 *   --keyring-file PATH   a JSON array of base64 keys, the first primary;
 *                         read again on every SIGHUP
 *   MESHNODE_KEYS         comma-separated base64 keys, the first primary
 *
 * and a join token made with --with-key adds its key (the primary when
 * nothing else gives one). MESHNODE_KEYS is removed from the environment
 * once read, so event handlers and other children never inherit it.
 * Messages name a key by its position or id, never by its value.
 */
import { readFileSync } from 'node:fs';
import { KEY_BYTES, KEYS_MAX, keyBytes, keyId } from '../codec/keyring.js';
import type { MeshNode } from '../node/node.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { AgentLogger } from './logger.js';

export const KEYS_ENV = 'MESHNODE_KEYS';
/** A keyring file larger than this is refused before it is parsed. */
const KEYRING_FILE_BYTES_MAX = 64 * 1024;

function checked(keys: readonly unknown[], where: string): Buffer[] {
  if (keys.length === 0) throw new CliError(ExitCode.config, `${where}: holds no key`);
  if (keys.length > KEYS_MAX)
    throw new CliError(ExitCode.config, `${where}: at most ${KEYS_MAX} keys, got ${keys.length}`);
  return keys.map((key, i) => {
    if (typeof key !== 'string')
      throw new CliError(ExitCode.config, `${where}: key ${i + 1} is not a string`);
    try {
      return keyBytes(key.trim());
    } catch {
      throw new CliError(
        ExitCode.config,
        `${where}: key ${i + 1} is not ${KEY_BYTES} bytes of base64 (make one with "meshnode keygen")`,
      );
    }
  });
}

/** The keys of a keyring file; every problem is a config error (exit 3) naming the file. */
export function readKeyringFile(path: string): Buffer[] {
  const where = `keyring file ${path}`;
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > KEYRING_FILE_BYTES_MAX)
      throw new CliError(ExitCode.config, `${where}: larger than ${KEYRING_FILE_BYTES_MAX} bytes`);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      ExitCode.config,
      `${where}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text, which holds keys.
    throw new CliError(ExitCode.config, `${where}: not valid JSON (a JSON array of base64 keys)`);
  }
  if (!Array.isArray(json))
    throw new CliError(ExitCode.config, `${where}: must hold a JSON array of base64 keys`);
  return checked(json, where);
}

/** The keys of MESHNODE_KEYS, if set, removing it from the environment. */
export function takeKeysFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer[] | undefined {
  const text = env[KEYS_ENV];
  delete env[KEYS_ENV];
  if (text === undefined || text.trim() === '') return undefined;
  return checked(text.split(','), KEYS_ENV);
}

/** The agent's starting keys: the file, else the environment, plus the token's key. */
export function startingKeys(options: {
  readonly keyringFile: string | undefined;
  readonly fromEnv: readonly Buffer[] | undefined;
  readonly tokenKey: string | undefined;
}): Buffer[] {
  const keys =
    options.keyringFile !== undefined ? readKeyringFile(options.keyringFile) : [...(options.fromEnv ?? [])];
  if (options.tokenKey !== undefined) {
    const key = checked([options.tokenKey], 'the join token')[0] as Buffer;
    if (!keys.some((known) => known.equals(key))) keys.push(key);
  }
  return keys;
}

/** SIGHUP: the keyring file again, swapped in whole; false (logged) when it cannot be used. */
export function reloadKeyringFile(node: MeshNode, path: string, logger: AgentLogger): boolean {
  try {
    const keys = readKeyringFile(path);
    const before = node.keyring.list().map((key) => key.id);
    const after = keys.map((key) => keyId(key));
    if (JSON.stringify(before) === JSON.stringify(after)) return false;
    node.keyring.replace(keys);
    return true;
  } catch (error) {
    logger.warn(
      { path, err: (error as Error).message },
      'reload: the keyring file is unusable; keys unchanged',
    );
    return false;
  }
}
