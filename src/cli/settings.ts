/**
 * The agent's settings: one table (SETTINGS) from which the flags, their help
 * and the JSON config-file keys (camelCase) are made, a parser per setting,
 * and the merge (defaults < config file < join token < flags). Mistakes in flags
 * are usage errors (exit 2); mistakes in the file are config errors (exit 3).
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { type PresetName, type ProtocolConfig, presets } from '../core/config.js';
import { STATUS_DEFAULTS } from '../status/server.js';
import { type HandlerSpec, parseHandlerSpecs } from './event-handler-spec.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import {
  type HostPort,
  parseBoolean,
  parseChoice,
  parseDnsServers,
  parseHostPort,
  parseInteger,
  parseMetadata,
  parseSeedList,
  parseString,
  ValueError,
} from './values.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const JOIN_RETRY_MODES = ['background', 'exit'] as const;
export type JoinRetryMode = (typeof JOIN_RETRY_MODES)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];
const PRESET_NAMES = Object.keys(presets) as PresetName[];

/** memberlist's port for the mesh, and the next one for the status API. */
export const DEFAULT_BIND: HostPort = { host: '0.0.0.0', port: 7946 };
export const DEFAULT_HTTP: HostPort = { host: '127.0.0.1', port: 7947 };
export const DEFAULT_MDNS_PORT = 5353;

export interface AgentSettings {
  readonly key: string | undefined;
  readonly env: string | undefined;
  readonly id: string | undefined;
  readonly threads: number;
  /** libcluster static mode (-I / -T): no network. */
  readonly static: { readonly index: number; readonly total: number } | undefined;
  readonly bind: HostPort;
  readonly advertise: HostPort | undefined;
  readonly seeds: readonly string[];
  /** DNS servers for seed names; undefined: the system resolver. */
  readonly dnsServers: readonly string[] | undefined;
  readonly mdns: boolean;
  /** IPv4 address of the interface mDNS uses (a name like "lo" is resolved); undefined: all. */
  readonly mdnsInterface: string | undefined;
  readonly mdnsPort: number;
  readonly mdnsIntervalMs: number;
  readonly viewFile: string | undefined;
  /** Status API address; undefined when turned off. */
  readonly http: HostPort | undefined;
  /** False when http is the default: a busy default port falls back to an ephemeral one. */
  readonly httpExplicit: boolean;
  /** Status API connections open at once at most; undefined: the server's default. */
  readonly httpMaxConnections: number | undefined;
  /** File holding the status API's bearer token; undefined: loopback callers are trusted. */
  readonly httpTokenFile: string | undefined;
  readonly preset: PresetName;
  readonly protocol: Partial<ProtocolConfig>;
  readonly logLevel: LogLevel;
  readonly json: boolean;
  readonly joinTimeoutMs: number | undefined;
  readonly joinAttempts: number;
  readonly joinRetry: JoinRetryMode;
  readonly joinBackoffMaxMs: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly eventHandlers: readonly HandlerSpec[];
  readonly eventHandlerTimeoutMs: number;
  readonly eventHandlerConcurrency: number;
  readonly logFormat: LogFormatSetting;
  /** JSON array of base64 gossip keys, read at start and on every SIGHUP. */
  readonly keyringFile: string | undefined;
  /** Undefined: the library's default (on when the agent starts with keys). */
  readonly verifyIncoming: boolean | undefined;
  readonly verifyOutgoing: boolean | undefined;
}

type Parsed = { -readonly [K in keyof AgentSettings]?: AgentSettings[K] };

type FieldParser = (value: unknown, name: string) => Partial<Parsed>;

/** What a join token (`--token`, already checked) sets. */
export type TokenSettings = Pick<Parsed, 'key' | 'env' | 'seeds'>;

/**
 * One agent setting: its command-line flag (commander's spelling) and help,
 * and how a value (a flag string or JSON from the config file) is parsed.
 * The key is the setting's config-file name.
 */
export interface SettingSpec {
  /** Absent: the setting exists only in the config file. */
  readonly flag?: string;
  readonly help?: string;
  /** The flag may be given several times; its values are collected into a list. */
  readonly repeatable?: boolean;
  readonly parse: FieldParser;
}

/**
 * Every agent setting, in the order of `meshnode agent --help`: the flags,
 * their help, the config-file keys and the flag names in messages all come
 * from this table.
 */
export const SETTINGS: Readonly<Record<string, SettingSpec>> = {
  key: {
    flag: '-k, --key <key>',
    help: 'cluster key: clusters with other keys never mix (required unless static)',
    parse: (v, n) => ({ key: parseString(n, v, 256) }),
  },
  env: {
    flag: '-e, --env <env>',
    help: 'cluster environment within the key, e.g. dev or prod (default "default")',
    parse: (v, n) => ({ env: parseString(n, v, 256) }),
  },
  id: {
    flag: '-i, --id <id>',
    help: 'instance id, unique in the cluster (default: random 128-bit hex)',
    parse: (v, n) => ({ id: parseString(n, v, 128) }),
  },
  threads: {
    flag: '-n, --threads <count>',
    help: 'thread count of this instance (default 1)',
    parse: (v, n) => ({ threads: parseInteger(n, v, 1, 65_535) }),
  },
  index: {
    flag: '-I, --index <index>',
    help: 'static mode: this instance base index (with -T, no network)',
    parse: (v, n) => ({ static: { index: parseInteger(n, v, 0, Number.MAX_SAFE_INTEGER), total: -1 } }),
  },
  total: {
    flag: '-T, --total <count>',
    help: 'static mode: the cluster total thread count',
    parse: (v, n) => ({ static: { index: -1, total: parseInteger(n, v, 1, Number.MAX_SAFE_INTEGER) } }),
  },
  bind: {
    flag: '--bind <host:port>',
    help: 'mesh address, UDP and TCP (default 0.0.0.0:7946; port 0 picks one)',
    parse: (v, n) => ({ bind: parseHostPort(n, v, DEFAULT_BIND.host) }),
  },
  advertise: {
    flag: '--advertise <host:port>',
    help: 'address peers should use when it differs from --bind (NAT, containers)',
    parse: (v, n) => ({ advertise: parseHostPort(n, v) }),
  },
  seeds: {
    flag: '--seeds <list>',
    help: 'comma-separated seeds to join through: host:port (a hostname: every A/AAAA record) or srv:name (DNS SRV); looked up again on every attempt',
    parse: (v, n) => ({ seeds: parseSeedList(n, v) }),
  },
  dnsServers: {
    flag: '--dns-servers <list>',
    help: 'comma-separated DNS servers (ip or ip:port) for seed names (default: the system resolver)',
    parse: (v, n) => ({ dnsServers: parseDnsServers(n, v) }),
  },
  mdns: {
    flag: '--mdns',
    help: 'discover peers of the same key/env with mDNS (_meshnode._udp.local)',
    parse: (v, n) => ({ mdns: parseBoolean(n, v) }),
  },
  mdnsInterface: {
    flag: '--mdns-interface <ip|name>',
    help: 'pin mDNS to one interface (default: all)',
    parse: (v, n) => ({ mdnsInterface: interfaceAddress(n, parseString(n, v, 64)) }),
  },
  mdnsPort: {
    flag: '--mdns-port <port>',
    help: 'mDNS UDP port (default 5353)',
    parse: (v, n) => ({ mdnsPort: parseInteger(n, v, 1, 65_535) }),
  },
  mdnsIntervalMs: {
    flag: '--mdns-interval <ms>',
    help: 'time between mDNS browse queries (default 10000, 2000 with --preset local)',
    parse: (v, n) => ({ mdnsIntervalMs: parseInteger(n, v, 100, 3_600_000) }),
  },
  viewFile: {
    flag: '--view-file <path>',
    help: 'join through the members listed in this file and keep it current',
    parse: (v, n) => ({ viewFile: parseString(n, v, 4096) }),
  },
  http: {
    flag: '--http <host:port|port|off>',
    help: 'status API address (default 127.0.0.1:7947, loopback)',
    parse: (v, n) =>
      v === false || v === 'off' || v === 'false'
        ? { http: undefined, httpExplicit: true }
        : { http: parseHostPort(n, v, DEFAULT_HTTP.host), httpExplicit: true },
  },
  httpMaxConnections: {
    flag: '--http-max-connections <n>',
    help: `status API connections open at once at most (default ${STATUS_DEFAULTS.maxConnections})`,
    parse: (v, n) => ({ httpMaxConnections: parseInteger(n, v, 1, 65_535) }),
  },
  httpTokenFile: {
    flag: '--http-token-file <path>',
    help: 'bearer token for the status API: only callers that send it see the key, pid and seeds',
    parse: (v, n) => ({ httpTokenFile: parseString(n, v, 4096) }),
  },
  preset: {
    flag: '--preset <name>',
    help: 'protocol timers: lan (default), local (one host) or wan',
    parse: (v, n) => ({ preset: parseChoice(n, v, PRESET_NAMES) }),
  },
  logLevel: {
    flag: '-v, --log-level <level>',
    help: 'stderr log level: fatal, error, warn, info (default), debug, trace, silent',
    parse: (v, n) => ({ logLevel: parseChoice(n, v, LOG_LEVELS) }),
  },
  json: {
    flag: '--json',
    help: 'print one JSON object per line for every event instead of text',
    parse: (v, n) => ({ json: parseBoolean(n, v) }),
  },
  joinTimeoutMs: {
    flag: '--join-timeout <ms>',
    help: 'how long one join attempt waits for a seed (default max(10 s, 10 probe intervals))',
    parse: (v, n) => ({ joinTimeoutMs: parseInteger(n, v, 1, 3_600_000) }),
  },
  joinAttempts: {
    flag: '--join-attempts <n>',
    help: 'join attempts with backoff before giving up or going to the background (default 5)',
    parse: (v, n) => ({ joinAttempts: parseInteger(n, v, 1, 1000) }),
  },
  joinRetry: {
    flag: '--join-retry <mode>',
    help: 'when every seed stays down: background (keep trying, default) or exit (code 5)',
    parse: (v, n) => ({ joinRetry: parseChoice(n, v, JOIN_RETRY_MODES) }),
  },
  joinBackoffMaxMs: {
    flag: '--join-backoff-max <ms>',
    help: 'longest wait between join attempts (default 30000)',
    parse: (v, n) => ({ joinBackoffMaxMs: parseInteger(n, v, 10, 3_600_000) }),
  },
  metadata: {
    flag: '--meta <key=value>',
    help: 'metadata entry, repeatable',
    repeatable: true,
    parse: (v, n) => ({ metadata: parseMetadata(n, v) }),
  },
  eventHandlers: {
    flag: '--event-handler <[filter=]path>',
    help: 'run a program on events, e.g. member-join,member-fail=/usr/local/bin/on-change (repeatable)',
    repeatable: true,
    parse: (v, n) => ({ eventHandlers: parseHandlerSpecs(n, v) }),
  },
  eventHandlerTimeoutMs: {
    flag: '--event-handler-timeout <ms>',
    help: 'an event handler run is killed after this long (default 30000)',
    parse: (v, n) => ({ eventHandlerTimeoutMs: parseInteger(n, v, 100, 3_600_000) }),
  },
  eventHandlerConcurrency: {
    flag: '--event-handler-concurrency <n>',
    help: 'event handler runs at once, all handlers together (default 4)',
    parse: (v, n) => ({ eventHandlerConcurrency: parseInteger(n, v, 1, 64) }),
  },
  logFormat: {
    flag: '--log-format <format>',
    help: 'stderr logs: auto (readable on a terminal, default), json or pretty',
    parse: (v, n) => ({ logFormat: parseChoice(n, v, LOG_FORMATS) }),
  },
  keyringFile: {
    flag: '--keyring-file <path>',
    help: 'gossip encryption keys: a JSON array of base64 keys, the first primary (read again on SIGHUP)',
    parse: (v, n) => ({ keyringFile: parseString(n, v, 4096) }),
  },
  verifyIncoming: {
    flag: '--verify-incoming <bool>',
    help: 'drop unencrypted packets (default true with keys; false during a rollout)',
    parse: (v, n) => ({ verifyIncoming: parseBoolean(n, v) }),
  },
  verifyOutgoing: {
    flag: '--verify-outgoing <bool>',
    help: 'encrypt what this agent sends (default true with keys; false during a rollout)',
    parse: (v, n) => ({ verifyOutgoing: parseBoolean(n, v) }),
  },
  protocol: {
    parse: (v, n) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new ValueError(`${n} must be an object of protocol settings (probeIntervalMs, ...)`);
      }
      return { protocol: v as Partial<ProtocolConfig> };
    },
  },
};

/** "-k, --key <key>" -> "-k/--key", the way messages name a flag. */
function flagLabel(flag: string): string {
  return flag
    .split(/[ ,]+/)
    .filter((part) => part.startsWith('-'))
    .join('/');
}

/** The flag that sets each field, for messages about flags. */
export const FLAG_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SETTINGS).flatMap(([field, spec]) =>
    spec.flag === undefined ? [] : [[field, flagLabel(spec.flag)]],
  ),
);

/** The names a config file may use. */
export const CONFIG_FIELDS: readonly string[] = Object.keys(SETTINGS);

function mergeStatic(into: Parsed, from: Partial<Parsed>): void {
  const base = into.static ?? { index: -1, total: -1 };
  const next = from.static;
  if (next === undefined) return;
  into.static = {
    index: next.index >= 0 ? next.index : base.index,
    total: next.total >= 0 ? next.total : base.total,
  };
}

function parseSource(values: Readonly<Record<string, unknown>>, origin: 'flag' | 'file'): Parsed {
  const out: Parsed = {};
  for (const [field, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const parser = SETTINGS[field]?.parse;
    const name = origin === 'flag' ? (FLAG_NAMES[field] ?? field) : field;
    if (parser === undefined || (origin === 'flag' && FLAG_NAMES[field] === undefined)) {
      const known = CONFIG_FIELDS.join(', ');
      throw origin === 'file'
        ? new ValueError(`unknown field "${field}" (known: ${known})`)
        : new ValueError(`unknown option ${field}`);
    }
    const parsed = parser(value, name);
    mergeStatic(out, parsed);
    const { static: _ignored, ...rest } = parsed;
    Object.assign(out, rest);
  }
  return out;
}

/** Reads and parses a JSON config file; every problem is a config error (exit 3) naming the file. */
export function readConfigFile(path: string): Parsed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(ExitCode.config, `config file ${path}: ${why}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(ExitCode.config, `config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CliError(ExitCode.config, `config file ${path} must hold a JSON object`);
  }
  try {
    return parseSource(json as Record<string, unknown>, 'file');
  } catch (error) {
    if (error instanceof ValueError)
      throw new CliError(ExitCode.config, `config file ${path}: ${error.message}`);
    throw error;
  }
}

/**
 * Merges defaults, the config file, a join token and the flags (flags win,
 * then the token, then the file) and checks the combination. `flags` holds
 * only the flags given on the command line, under their config-file names.
 */
export function resolveSettings(
  flags: Readonly<Record<string, unknown>>,
  file: Parsed = {},
  token: TokenSettings = {},
): AgentSettings {
  let fromFlags: Parsed;
  try {
    fromFlags = parseSource(flags, 'flag');
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
  const merged: Parsed = { ...file, ...token };
  mergeStatic(merged, { static: file.static });
  const { static: flagStatic, ...flagRest } = fromFlags;
  Object.assign(merged, flagRest);
  mergeStatic(merged, { static: flagStatic });

  const placement = merged.static;
  if (placement !== undefined && (placement.index < 0 || placement.total < 0)) {
    throw new UsageError('static mode needs both -I/--index and -T/--total');
  }
  const threads = merged.threads ?? 1;
  if (placement !== undefined && placement.index + threads > placement.total) {
    throw new UsageError(
      `-T/--total (${placement.total}) must be at least -I/--index + -n/--threads (${placement.index + threads})`,
    );
  }
  if (placement === undefined && merged.key === undefined) {
    throw new UsageError(
      '-k/--key is required, or --token (the cluster key keeps clusters on one network apart)',
    );
  }
  const preset = merged.preset ?? 'lan';
  return {
    key: merged.key,
    env: merged.env,
    id: merged.id,
    threads,
    static: placement,
    bind: merged.bind ?? DEFAULT_BIND,
    advertise: merged.advertise,
    seeds: merged.seeds ?? [],
    dnsServers: merged.dnsServers,
    mdns: merged.mdns ?? false,
    mdnsInterface: merged.mdnsInterface,
    mdnsPort: merged.mdnsPort ?? DEFAULT_MDNS_PORT,
    mdnsIntervalMs: merged.mdnsIntervalMs ?? (preset === 'local' ? 2000 : 10_000),
    viewFile: merged.viewFile,
    http: merged.httpExplicit === true ? merged.http : DEFAULT_HTTP,
    httpExplicit: merged.httpExplicit ?? false,
    httpMaxConnections: merged.httpMaxConnections,
    httpTokenFile: merged.httpTokenFile,
    preset,
    protocol: merged.protocol ?? {},
    logLevel: merged.logLevel ?? 'info',
    json: merged.json ?? false,
    joinTimeoutMs: merged.joinTimeoutMs,
    joinAttempts: merged.joinAttempts ?? 5,
    joinRetry: merged.joinRetry ?? 'background',
    joinBackoffMaxMs: merged.joinBackoffMaxMs ?? 30_000,
    metadata: merged.metadata ?? {},
    eventHandlers: merged.eventHandlers ?? [],
    eventHandlerTimeoutMs: merged.eventHandlerTimeoutMs ?? 30_000,
    eventHandlerConcurrency: merged.eventHandlerConcurrency ?? 4,
    logFormat: merged.logFormat ?? 'auto',
    keyringFile: merged.keyringFile,
    verifyIncoming: merged.verifyIncoming,
    verifyOutgoing: merged.verifyOutgoing,
  };
}

/** An IPv4 literal as-is, or the first IPv4 address of the named interface ("lo", "eth0"). */
function interfaceAddress(field: string, value: string): string {
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(value)) return value;
  const entries = networkInterfaces()[value];
  const v4 = entries?.find((entry) => entry.family === 'IPv4');
  if (v4 === undefined) {
    const names = Object.keys(networkInterfaces()).join(', ');
    throw new ValueError(`${field}: no IPv4 interface named "${value}" (interfaces: ${names})`);
  }
  return v4.address;
}
