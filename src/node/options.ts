/**
 * Options of createNode(), their defaults and validation. Every mistake is a
 * ValidationError / ConfigError / MetadataTooLargeError raised before any
 * socket is opened.
 */
import { networkInterfaces } from 'node:os';
import { KEYS_MAX, type KeyInput, KeyringError, keyBytes } from '../codec/keyring.js';
import { THREADS_MAX } from '../codec/limits.js';
import { sealedWireFormat } from '../codec/sealing-codec.js';
import { type PresetName, type ProtocolConfig, resolveConfig } from '../core/config.js';
import { ValidationError } from '../core/errors.js';
import type { Metadata } from '../core/types.js';
import { validateId, validateMetadata } from '../core/validation.js';
import type { Logger } from '../runtime/logger.js';
import { randomNodeId } from '../runtime/random.js';
import { defaultTransportLimits, type TransportLimits } from '../runtime/runtime.js';
import { checkSeedResolver, type SeedResolver, systemResolver } from './seed-resolver.js';
import { parseSeed, SEED_FORMS } from './seed-syntax.js';

/** memberlist's port, the default when `bind.port` is not given. */
export const DEFAULT_PORT = 7946;

export interface HostPortOption {
  readonly host?: string;
  readonly port?: number;
}

export interface StaticPlacement {
  /** This instance's base index (libcluster -I). */
  readonly index: number;
  /** The cluster's total thread count (libcluster -T). */
  readonly total: number;
}

export interface NodeOptions {
  /** Cluster key: nodes with another key (or env) drop each other's packets. Required unless static. */
  readonly key?: string;
  /** Environment within the key ("dev", "prod"). Default "default". */
  readonly env?: string;
  /** Unique instance id, 1..128 UTF-8 bytes of well-formed Unicode without control characters. Default: random 128-bit hex. */
  readonly id?: string;
  /** Thread count of this instance, 1..65535. Default 1. */
  readonly threads?: number;
  /** Where to listen (UDP and TCP, same port). Default 0.0.0.0:7946; port 0 picks a free port. */
  readonly bind?: HostPortOption;
  /** The address peers should use, when it differs from the bound one (NAT, containers). */
  readonly advertise?: HostPortOption;
  /**
   * Seeds used by join() when it is called without any: "ip:port",
   * "[v6]:port", "hostname:port" (every A and AAAA record of the name is a
   * candidate) or "srv:_service._proto.name" (DNS SRV: the targets'
   * addresses, with each record's port). Names are looked up on every join().
   */
  readonly seeds?: readonly string[];
  /** Where seed names are looked up. Default: the system (see createDnsResolver for given servers). */
  readonly resolver?: SeedResolver;
  /**
   * Start outside the view (index -1, never settled) until a cluster admits
   * this node, rather than as a cluster of one with index 0. Default: true
   * when `seeds` names another node, false otherwise (a node with no seeds
   * starts a cluster on purpose).
   */
  readonly awaitAdmission?: boolean;
  /** Application metadata (string map), at most config.metadataBytesMax bytes encoded. */
  readonly metadata?: Metadata;
  /** Protocol settings over the preset. */
  readonly config?: Partial<ProtocolConfig>;
  /** Base protocol settings: 'lan' (default), 'local' (one host) or 'wan'. */
  readonly preset?: PresetName;
  /** A pino logger (or compatible). Default: silent. */
  readonly logger?: Logger;
  /** How long join() keeps trying before a JoinError. Default max(10 s, 10 probe intervals). */
  readonly joinTimeoutMs?: number;
  /** Limits of the TCP path (state bytes, concurrent syncs, timeouts). */
  readonly transport?: Partial<TransportLimits>;
  /** Static mode: no network; this placement is answered as-is (libcluster -I / -T). */
  readonly static?: StaticPlacement;
  /**
   * Gossip keys (AES-256-GCM): 32-byte Buffers or their base64; the first is
   * the primary, which encrypts, and every key decrypts. At most 16. Default
   * none: plain packets, until keys are installed through `node.keyring`.
   */
  readonly keys?: readonly KeyInput[];
  /** The rollout switches and the replay window (README "Encryption and keys"). */
  readonly encryption?: EncryptionOptions;
}

export interface EncryptionOptions {
  /** Drop plain input (memberlist's GossipVerifyIncoming). Default: true when `keys` are given, else false. */
  readonly verifyIncoming?: boolean;
  /** Encrypt output (memberlist's GossipVerifyOutgoing). Default: true when `keys` are given, else false. */
  readonly verifyOutgoing?: boolean;
  /**
   * A sealed input sent more than this many ms before or after this node's
   * wall clock is dropped as 'stale'. Assumes the hosts' clocks agree to well
   * within it (NTP). Default 30000, 1000..600000.
   */
  readonly replayWindowMs?: number;
}

/** Every createNode() option: anything else is a typo, rejected by name. */
const NODE_OPTION_NAMES = [
  'key',
  'env',
  'id',
  'threads',
  'bind',
  'advertise',
  'seeds',
  'resolver',
  'awaitAdmission',
  'metadata',
  'config',
  'preset',
  'logger',
  'joinTimeoutMs',
  'transport',
  'static',
  'keys',
  'encryption',
] as const satisfies readonly (keyof NodeOptions)[];
// Compile-time check that the list names every field of NodeOptions.
const everyOptionListed: Exclude<keyof NodeOptions, (typeof NODE_OPTION_NAMES)[number]> extends never
  ? true
  : never = true;
void everyOptionListed;

function checkOptionNames(options: object): void {
  const known: readonly string[] = NODE_OPTION_NAMES;
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const near = known.find((candidate) => editDistanceAtMost1(candidate.toLowerCase(), name.toLowerCase()));
    throw new ValidationError(
      `unknown createNode() option "${name}"${near === undefined ? '' : ` (did you mean "${near}"?)`}; known: ${known.join(', ')}`,
    );
  }
}

/** True when one insertion, deletion or substitution (or none) turns a into b. */
function editDistanceAtMost1(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    edits++;
    if (edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

export interface ResolvedOptions {
  readonly key: string;
  readonly env: string;
  readonly id: string;
  readonly threads: number;
  readonly bindHost: string;
  readonly bindPort: number;
  readonly advertise: HostPortOption | undefined;
  readonly seeds: readonly string[];
  readonly resolver: SeedResolver;
  /** Undefined: decided from the seeds once the node's own address is known. */
  readonly awaitAdmission: boolean | undefined;
  readonly metadata: Metadata;
  readonly config: ProtocolConfig;
  readonly joinTimeoutMs: number;
  readonly transport: TransportLimits;
  readonly static: StaticPlacement | undefined;
  readonly keys: readonly Buffer[];
  readonly encryption: EncryptionOptions;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      `${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function validateSeeds(seeds: unknown): string[] {
  if (!Array.isArray(seeds)) throw new ValidationError(`seeds must be an array of ${SEED_FORMS} strings`);
  return seeds.map((seed) => {
    if (typeof seed !== 'string' || parseSeed(seed) === undefined) {
      throw new ValidationError(`seed ${JSON.stringify(seed)} is not ${SEED_FORMS}`);
    }
    return seed;
  });
}

function checkHostPort(name: string, value: unknown): HostPortOption {
  if (!isPlainObject(value)) throw new ValidationError(`${name} must be { host, port }`);
  const { host, port } = value;
  if (host !== undefined && (typeof host !== 'string' || host.length === 0 || host.length > 253)) {
    throw new ValidationError(`${name}.host must be a non-empty string`);
  }
  if (port !== undefined) checkInteger(`${name}.port`, port, 0, 65_535);
  return { host: host as string | undefined, port: port as number | undefined };
}

/**
 * The core's resolveConfig with the packet budget checked against the codec
 * nodes send with; the public entry exports it as resolveConfig.
 */
export function resolveNodeConfig(
  overrides: Partial<ProtocolConfig> = {},
  preset: PresetName = 'lan',
): ProtocolConfig {
  // Network nodes always budget for the seal, so keys can be installed at run time.
  return resolveConfig(overrides, preset, sealedWireFormat);
}

export function resolveOptions(options: NodeOptions): ResolvedOptions {
  if (!isPlainObject(options as unknown)) throw new ValidationError('createNode() takes an options object');
  checkOptionNames(options);
  const placement = options.static;
  const config = resolveNodeConfig(options.config ?? {}, options.preset ?? 'lan');
  const threads = checkInteger('threads', options.threads ?? 1, 1, THREADS_MAX);
  const id = validateId(options.id ?? randomNodeId());
  const metadata = validateMetadata(options.metadata ?? {}, config.metadataBytesMax);
  if (placement !== undefined) {
    if (!isPlainObject(placement as unknown)) throw new ValidationError('static must be { index, total }');
    const index = checkInteger('static.index', placement.index, 0, Number.MAX_SAFE_INTEGER);
    const total = checkInteger('static.total', placement.total, 1, Number.MAX_SAFE_INTEGER);
    if (index + threads > total) {
      throw new ValidationError(
        `static.total (${total}) must be at least static.index + threads (${index + threads})`,
      );
    }
  }
  const network = placement === undefined;
  if (network && (typeof options.key !== 'string' || options.key.length === 0)) {
    throw new ValidationError('key (the cluster key) is required: two clusters with the same key would mix');
  }
  const env = options.env ?? 'default';
  if (typeof env !== 'string') throw new ValidationError('env must be a string');
  const bind = checkHostPort('bind', options.bind ?? {});
  const advertise =
    options.advertise === undefined ? undefined : checkHostPort('advertise', options.advertise);
  if (advertise !== undefined && advertise.host === undefined)
    throw new ValidationError('advertise.host is required');
  const seeds = validateSeeds(options.seeds ?? []);
  if (options.awaitAdmission !== undefined && typeof options.awaitAdmission !== 'boolean')
    throw new ValidationError('awaitAdmission must be a boolean');
  const joinTimeoutMs = checkInteger(
    'joinTimeoutMs',
    options.joinTimeoutMs ?? Math.max(10_000, 10 * config.probeIntervalMs),
    1,
    3_600_000,
  );
  // Nodes send sealed-size states (keys may be installed at run time), so the bound counts the seal.
  const transport = { ...defaultTransportLimits(config, sealedWireFormat) };
  if (options.transport !== undefined) {
    if (!isPlainObject(options.transport)) throw new ValidationError('transport must be an object');
    for (const [field, value] of Object.entries(options.transport)) {
      if (value === undefined) continue;
      if (!(field in transport)) throw new ValidationError(`unknown transport field "${field}"`);
      (transport as Record<string, number>)[field] = checkInteger(`transport.${field}`, value, 1, 1 << 30);
    }
  }
  return {
    keys: resolveKeys(options.keys),
    encryption: resolveEncryption(options.encryption),
    key: options.key ?? '',
    env,
    id,
    threads,
    bindHost: bind.host ?? '0.0.0.0',
    bindPort: bind.port ?? DEFAULT_PORT,
    advertise,
    seeds,
    resolver: options.resolver === undefined ? systemResolver : checkSeedResolver(options.resolver),
    awaitAdmission: options.awaitAdmission,
    metadata,
    config,
    joinTimeoutMs,
    transport,
    static: placement,
  };
}

function resolveKeys(keys: unknown): Buffer[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys))
    throw new ValidationError('keys must be an array of 32-byte Buffers or base64 strings');
  if (keys.length > KEYS_MAX)
    throw new KeyringError('keys-max', `at most ${KEYS_MAX} keys, got ${keys.length}`);
  return keys.map((key: KeyInput, i) => {
    try {
      return keyBytes(key);
    } catch (error) {
      throw new KeyringError('invalid-key', `keys[${i}]: ${(error as Error).message}`);
    }
  });
}

const ENCRYPTION_FIELDS = ['verifyIncoming', 'verifyOutgoing', 'replayWindowMs'];

function resolveEncryption(value: unknown): EncryptionOptions {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new ValidationError('encryption must be an object');
  for (const field of Object.keys(value)) {
    if (!ENCRYPTION_FIELDS.includes(field))
      throw new ValidationError(
        `unknown encryption field "${field}"; known: ${ENCRYPTION_FIELDS.join(', ')}`,
      );
  }
  for (const field of ['verifyIncoming', 'verifyOutgoing'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'boolean')
      throw new ValidationError(`encryption.${field} must be a boolean`);
  }
  if (value.replayWindowMs !== undefined)
    checkInteger('encryption.replayWindowMs', value.replayWindowMs, 1000, 600_000);
  return value as EncryptionOptions;
}

/**
 * The host to advertise when bound to a wildcard address: the first
 * non-internal interface address of the same family, else loopback.
 */
export function pickAdvertiseHost(boundHost: string, family: 4 | 6): string {
  if (boundHost !== '0.0.0.0' && boundHost !== '::') return boundHost;
  const wanted = family === 6 ? 'IPv6' : 'IPv4';
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal || entry.family !== wanted) continue;
      if (wanted === 'IPv6' && entry.address.toLowerCase().startsWith('fe80')) continue;
      return entry.address;
    }
  }
  return family === 6 ? '::1' : '127.0.0.1';
}
