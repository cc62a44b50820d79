/**
 * When a join token's expiry counts. A token lets a new node find its
 * cluster once; a node that already knows its cluster does not need it. So
 * an expired --token stops a first join (exit 3), but not the restart of a
 * node whose view file lists members of the token's cluster: such a node
 * rejoins through those members, with a warning that the token has expired.
 */
import { decodeToken, type JoinToken, readToken } from '../discovery/token.js';
import { readViewFile } from '../discovery/view-file.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { readConfigFile, TokenSettings } from './settings.js';

export interface TokenDecision {
  readonly settings: TokenSettings;
  /** Set when an expired token was accepted because the view file knows the cluster. */
  readonly warning: string | undefined;
  /** The gossip key of a token made with --with-key; kept out of the settings, which are shown. */
  readonly gossipKey?: string;
}

export async function tokenSettingsFor(
  text: string,
  nowMs: number,
  known: {
    /** --view-file (flag or config file), if any. */
    readonly viewFile: string | undefined;
    /** -k / -e when given: they win over the token's. */
    readonly key: string | undefined;
    readonly env: string | undefined;
    readonly id: string | undefined;
  },
): Promise<TokenDecision> {
  const read = readToken(text, nowMs);
  if (read.ok) return { settings: pick(read.token), warning: undefined, ...keyOf(read.token) };
  const decoded = decodeToken(text);
  if (read.error.reason !== 'expired' || !decoded.ok)
    throw new CliError(ExitCode.config, `--token: ${read.error.message}`);
  const key = known.key ?? decoded.token.key;
  const env = known.env ?? decoded.token.env;
  if (known.viewFile !== undefined && (await viewFileKnowsCluster(known.viewFile, key, env, known.id))) {
    return {
      settings: pick(decoded.token),
      warning: `${read.error.message}; rejoining through the members in the view file ${known.viewFile}`,
      ...keyOf(decoded.token),
    };
  }
  throw new CliError(
    ExitCode.config,
    `--token: ${read.error.message} (an expired token only stops a first join: a node whose --view-file lists members of its cluster restarts with it)`,
  );
}

function keyOf(token: JoinToken): { gossipKey?: string } {
  return token.gossipKey === undefined ? {} : { gossipKey: token.gossipKey };
}

function pick(token: TokenSettings): TokenSettings {
  return { key: token.key, env: token.env, seeds: token.seeds };
}

async function viewFileKnowsCluster(
  path: string,
  key: string,
  env: string,
  selfId: string | undefined,
): Promise<boolean> {
  try {
    const read = await readViewFile(path);
    if (read.kind !== 'ok' || read.content.key !== key || read.content.env !== env) return false;
    return read.content.members.some((member) => member.id !== selfId);
  } catch {
    // An unusable view file knows nothing; the agent reports it on its own when it loads it.
    return false;
  }
}

/** The --token of the agent's flags (if any), judged against its --view-file (flag or config file). */
export async function tokenForFlags(
  flags: Readonly<Record<string, unknown>>,
  file: ReturnType<typeof readConfigFile>,
  nowMs: number,
): Promise<TokenDecision> {
  if (typeof flags.token !== 'string') return { settings: {}, warning: undefined };
  const flag = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  return tokenSettingsFor(flags.token, nowMs, {
    viewFile: flag('viewFile') ?? file.viewFile,
    key: flag('key'),
    env: flag('env'),
    id: flag('id') ?? file.id,
  });
}
