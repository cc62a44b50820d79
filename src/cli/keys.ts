/**
 * Gossip keys from the command line:
 *
 *   meshnode keygen                     prints a new random key (base64)
 *   meshnode keys list                  the running agent's keys, by id, and its switches
 *   meshnode keys install KEY           adds a key the agent decrypts with
 *   meshnode keys use KEY|ID            makes an installed key the primary (encrypts)
 *   meshnode keys remove KEY|ID         removes a key other than the primary
 *   meshnode keys verify [--incoming B] [--outgoing B]   the rollout switches
 *
 * The `keys` commands go through the agent's status API control endpoints
 * (loopback callers only, the bearer token when it has one). A key given on
 * the command line is visible to other local users in the process list:
 * `-` reads it from stdin instead.
 */
import { Command } from 'commander';
import { generateKey } from '../node/keyring.js';
import type { KeysStatus } from '../status/keys-control.js';
import { AgentApiError, AgentClient, type ClientFlags, hasFields, withClientFlags } from './agent-client.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { parseBoolean, ValueError } from './values.js';

const EXIT_NOTE =
  'Exit codes: 0 ok, 1 refused by the agent, 2 bad flags, 3 bad token file, 6 no agent answered.';
/** Longest stdin accepted for a key: one key and some whitespace. */
const STDIN_CHARS_MAX = 1024;

export function keygenCommand(): Command {
  const command = new Command('keygen')
    .summary('print a new random gossip encryption key (32 bytes, base64)')
    .description(
      [
        'Print a new AES-256 key in base64 for --keyring-file, MESHNODE_KEYS or',
        '"meshnode keys install". It is a secret: anyone holding it can read and',
        'forge the cluster traffic.',
      ].join('\n'),
    )
    .action(async () => {
      await runToExit('keygen', async () => {
        await writeOut(`${generateKey()}\n`);
        return ExitCode.ok;
      });
    });
  return withUsageExit(command);
}

export function keysCommand(): Command {
  const command = new Command('keys')
    .summary("change a running agent's gossip keys and encryption switches")
    .description(
      [
        'Rotate keys without downtime: install the new key on every agent, then "use" it',
        'on every agent, then remove the old one. Keys are shown by id only. A key',
        'argument of "-" is read from stdin (an argument is visible in the process list).',
        EXIT_NOTE,
      ].join('\n'),
    );
  command.addCommand(clientCommand('list', 'show the keys (by id) and the switches', undefined));
  command.addCommand(clientCommand('install', 'install a key (base64, or - for stdin)', '<key>'));
  command.addCommand(clientCommand('use', 'make an installed key (key or id) the primary', '<key-or-id>'));
  command.addCommand(
    clientCommand('remove', 'remove an installed key other than the primary', '<key-or-id>'),
  );
  const verify = new Command('verify')
    .summary('turn the rollout switches on or off')
    .option('--incoming <bool>', 'drop unencrypted packets')
    .option('--outgoing <bool>', 'encrypt what the agent sends')
    .option('--json', 'print the answer as JSON');
  withClientFlags(verify).action(
    async (flags: ClientFlags & { incoming?: string; outgoing?: string; json?: boolean }) => {
      await runToExit('keys verify', () => runVerify(flags));
    },
  );
  command.addCommand(withUsageExit(verify));
  return withUsageExit(command);
}

function clientCommand(
  name: 'list' | 'install' | 'use' | 'remove',
  summary: string,
  argument: string | undefined,
) {
  const command = new Command(name).summary(summary).option('--json', 'print the answer as JSON');
  if (argument !== undefined) command.argument(argument);
  withClientFlags(command).action(async (...args: unknown[]) => {
    const key = argument === undefined ? undefined : (args[0] as string);
    const flags = (argument === undefined ? args[0] : args[1]) as ClientFlags & { json?: boolean };
    await runToExit(`keys ${name}`, () => runKeys(name, key, flags));
  });
  return withUsageExit(command);
}

async function readKeyArgument(key: string): Promise<string> {
  if (key !== '-') return key;
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > STDIN_CHARS_MAX) throw new UsageError('stdin holds more than one key');
  }
  return text.trim();
}

const isStatus = (body: unknown) =>
  hasFields(body, { keys: 'object', verifyIncoming: 'boolean', verifyOutgoing: 'boolean' });

async function runKeys(
  name: 'list' | 'install' | 'use' | 'remove',
  key: string | undefined,
  flags: ClientFlags & { json?: boolean },
): Promise<number> {
  const client = AgentClient.fromFlags(flags);
  const body = key === undefined ? {} : { key: await readKeyArgument(key) };
  const answer = await refusedAsFailure(() =>
    client.post<KeysStatus & { key?: { id: string; primary: boolean } }>(
      `/v1/agent/keys/${name}`,
      body,
      isStatus,
    ),
  );
  await print(
    answer,
    flags.json === true,
    answer.key === undefined ? undefined : `${name}: key ${answer.key.id}`,
  );
  return ExitCode.ok;
}

async function runVerify(flags: ClientFlags & { incoming?: string; outgoing?: string; json?: boolean }) {
  const change: { incoming?: boolean; outgoing?: boolean } = {};
  try {
    if (flags.incoming !== undefined) change.incoming = parseBoolean('--incoming', flags.incoming);
    if (flags.outgoing !== undefined) change.outgoing = parseBoolean('--outgoing', flags.outgoing);
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
  if (change.incoming === undefined && change.outgoing === undefined)
    throw new UsageError('give --incoming true|false and/or --outgoing true|false');
  const client = AgentClient.fromFlags(flags);
  const answer = await refusedAsFailure(() =>
    client.post<KeysStatus>('/v1/agent/keys/verify', change, isStatus),
  );
  await print(answer, flags.json === true, undefined);
  return ExitCode.ok;
}

async function refusedAsFailure<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AgentApiError) throw new CliError(ExitCode.failure, `refused: ${error.message}`);
    throw error;
  }
}

async function print(status: KeysStatus, json: boolean, headline: string | undefined): Promise<void> {
  if (json) {
    await writeOut(`${JSON.stringify(status)}\n`);
    return;
  }
  const lines = headline === undefined ? [] : [headline];
  for (const key of status.keys) lines.push(`${key.id}${key.primary ? '  primary' : ''}`);
  if (status.keys.length === 0) lines.push('(no keys: traffic is not encrypted)');
  lines.push(`verify-incoming: ${status.verifyIncoming}`, `verify-outgoing: ${status.verifyOutgoing}`);
  await writeOut(`${lines.join('\n')}\n`);
}
