/**
 * `meshnode token create | inspect`: Bib-style join tokens. `create` packs the
 * cluster key, env and seeds into one `mn1.` string with an expiry; `inspect`
 * shows what a token holds; `meshnode agent --token` joins with it. The format
 * and its checks live in src/discovery/token.ts.
 */
import { Command } from 'commander';
import {
  decodeToken,
  encodeToken,
  type JoinToken,
  parseTtl,
  TOKEN_SEEDS_MAX,
  TOKEN_TTL_DEFAULT_S,
  TokenError,
  tokenExpired,
} from '../discovery/token.js';
import { keyId } from '../node/keyring.js';
import { KEYS_ENV, readKeyringFile, takeKeysFromEnv } from './agent-keys.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { parseSeedList, parseString, ValueError } from './values.js';

const NO_SECRET = [
  'A plain token holds no secret: its cluster key only keeps clusters apart;',
  'anyone who can reach the seeds and knows the key can join an unencrypted',
  'cluster. With --with-key the token also holds the primary gossip',
  'encryption key: then it is a secret, to be handled like the key itself.',
].join('\n');

export function tokenCommand(): Command {
  const command = new Command('token')
    .summary('create or inspect a join token (key, env, seeds, expiry in one string)')
    .description(
      [
        'Join tokens, like Bib\'s: one "mn1." string with the cluster key, env,',
        'seed addresses and an expiry, for "meshnode agent --token".',
        '',
        NO_SECRET,
      ].join('\n'),
    );
  command.addCommand(createCommand());
  command.addCommand(inspectCommand());
  return usageExit(command, 'token');
}

/** withUsageExit, with the help hint naming the full subcommand. */
function usageExit(command: Command, full: string): Command {
  return withUsageExit(command).showHelpAfterError(`(run "meshnode ${full} --help" for the flags)`);
}

interface CreateOptions {
  key: string;
  env?: string;
  seeds: string;
  ttl?: string;
  json?: boolean;
  withKey?: boolean;
  keyringFile?: string;
}

function createCommand(): Command {
  const command = new Command('create')
    .summary('print a join token for "meshnode agent --token"')
    .description(
      [
        'Print a join token: "mn1." and the base64url of',
        '{"v":1,"key":...,"env":...,"seeds":[...],"exp":<epoch seconds>}.',
        'Give it to a new node: meshnode agent --token <token>.',
        '',
        NO_SECRET,
        '',
        'Exit codes: 0 ok, 2 bad flags.',
      ].join('\n'),
    )
    .requiredOption('-k, --key <key>', 'cluster key')
    .option('-e, --env <env>', 'cluster environment (default "default")')
    .requiredOption(
      '--seeds <list>',
      `comma-separated host:port seeds, [v6]:port and hostnames allowed (at most ${TOKEN_SEEDS_MAX})`,
    )
    .option('--ttl <duration>', 'lifetime: Ns, Nm, Nh or Nd, from 1s to 365d (default 24h)')
    .option('--json', 'print {"token", "key", "env", "seeds", "exp", "expiresAt"} as JSON')
    .option(
      '--with-key',
      `embed the primary gossip key (from --keyring-file, else ${KEYS_ENV}): the token becomes a secret`,
    )
    .option('--keyring-file <path>', 'with --with-key: the keyring file whose first key is embedded')
    .action(async (options: CreateOptions) => {
      await runToExit('token create', () => runCreate(options, Date.now()));
    });
  return usageExit(command, 'token create');
}

async function runCreate(options: CreateOptions, nowMs: number): Promise<number> {
  let token: string;
  try {
    const key = parseString('-k/--key', options.key, 256);
    const env = options.env === undefined ? 'default' : parseString('-e/--env', options.env, 256);
    const seeds = parseSeedList('--seeds', options.seeds);
    if (seeds.length === 0) throw new ValueError('--seeds must name at least one host:port');
    const ttlSeconds = options.ttl === undefined ? TOKEN_TTL_DEFAULT_S : parseTtl(options.ttl);
    const gossipKey = options.withKey === true ? primaryKeyFor(options) : undefined;
    token = encodeToken({
      key,
      env,
      seeds,
      ttlSeconds,
      nowMs,
      ...(gossipKey === undefined ? {} : { gossipKey }),
    });
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    if (error instanceof TokenError) throw new UsageError(flagMessage(error));
    throw error;
  }
  if (!options.json) {
    await writeOut(`${token}\n`);
    return ExitCode.ok;
  }
  const content = decodeToken(token);
  if (!content.ok) throw content.error;
  await writeOut(`${JSON.stringify({ token, ...describe(content.token, nowMs) })}\n`);
  return ExitCode.ok;
}

/** The primary key to embed: the keyring file's first key, else MESHNODE_KEYS's first. */
function primaryKeyFor(options: CreateOptions): string {
  const keys =
    options.keyringFile !== undefined
      ? readKeyringFile(options.keyringFile)
      : takeKeysFromEnv({ ...process.env });
  const primary = keys?.[0];
  if (primary === undefined)
    throw new UsageError(`--with-key needs a key: give --keyring-file or set ${KEYS_ENV}`);
  return primary.toString('base64');
}

/** A TokenError about create's input, in terms of its flags. */
function flagMessage(error: TokenError): string {
  if (error.reason === 'ttl') return `--${error.message}`;
  const aboutSeeds =
    error.reason === 'seed' || error.reason === 'too-long' || error.message.startsWith('seeds');
  return aboutSeeds ? `--seeds: ${error.message}` : error.message;
}

function inspectCommand(): Command {
  const command = new Command('inspect')
    .summary('show what a join token holds and whether it has expired')
    .description(
      [
        'Decode a join token and print its key, env, seeds and expiry.',
        'Exit codes: 0 ok, 2 bad flags, 3 malformed or expired token (the',
        'message names what is wrong; an expired token is still printed).',
      ].join('\n'),
    )
    .argument('<token>', 'the "mn1." token')
    .option('--json', 'print {"v", "key", "env", "seeds", "exp", "expiresAt", "expired"} as JSON')
    .action(async (text: string, options: { json?: boolean }) => {
      await runToExit('token inspect', () => runInspect(text, options, Date.now()));
    });
  return usageExit(command, 'token inspect');
}

async function runInspect(text: string, options: { json?: boolean }, nowMs: number): Promise<number> {
  const decoded = decodeToken(text);
  if (!decoded.ok) throw new CliError(ExitCode.config, `bad token: ${decoded.error.message}`);
  const info = describe(decoded.token, nowMs);
  if (options.json) {
    await writeOut(`${JSON.stringify(info)}\n`);
  } else {
    const until = info.expired
      ? `expired ${formatSpan(nowMs / 1000 - info.exp)} ago`
      : `in ${formatSpan(info.exp - nowMs / 1000)}`;
    const lines = [
      `key:     ${info.key}`,
      `env:     ${info.env}`,
      `seeds:   ${info.seeds.join(', ')}`,
      `expires: ${info.expiresAt} (${until})`,
      `expired: ${info.expired ? 'yes' : 'no'}`,
      ...(info.gossipKeyId === undefined
        ? []
        : [`gossip key: id ${info.gossipKeyId} (this token is a secret: it holds an encryption key)`]),
    ];
    await writeOut(`${lines.join('\n')}\n`);
  }
  if (info.expired) {
    throw new CliError(
      ExitCode.config,
      `token expired at ${info.expiresAt}; make a new one with "meshnode token create"`,
    );
  }
  return ExitCode.ok;
}

function describe(token: JoinToken, nowMs: number) {
  return {
    v: token.v,
    key: token.key,
    env: token.env,
    seeds: [...token.seeds],
    exp: token.exp,
    expiresAt: new Date(token.exp * 1000).toISOString(),
    expired: tokenExpired(token, nowMs),
    // The key itself is never printed: its id tells which one the token holds.
    ...(token.gossipKey === undefined ? {} : { gossipKeyId: keyId(token.gossipKey) }),
  };
}

/** Seconds for people, at a token's scale: "45 s", "1 h 30 min", "2 d 3 h". */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
  if (s < 86_400) {
    const minutes = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${minutes === 0 ? '' : ` ${minutes} min`}`;
  }
  const hours = Math.floor((s % 86_400) / 3600);
  return `${Math.floor(s / 86_400)} d${hours === 0 ? '' : ` ${hours} h`}`;
}
