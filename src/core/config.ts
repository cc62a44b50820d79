/**
 * Protocol configuration: one object, every field with its meaning, trade-off,
 * default (lan preset) and bound. Presets follow hashicorp/memberlist where it
 * has a number; `local` is for many nodes on one host, `wan` for long links.
 */
import { ConfigError } from './errors.js';
import { USER_EVENT_PAYLOAD_BYTES_CEILING } from './user-events-rules.js';
import type { WireFormat } from './wire-format.js';

export interface ProtocolConfig {
  /**
   * Time between two probes of this node (a protocol period). Shorter detects
   * failures sooner at the price of more packets. Default 1000; 10..60000.
   */
  readonly probeIntervalMs: number;
  /**
   * How long to wait for a direct ack before asking others to probe
   * (ping-req). Set near the 99th-percentile RTT. Default 500; 1..probeIntervalMs.
   */
  readonly probeTimeoutMs: number;
  /**
   * Members asked to probe indirectly when a direct probe times out (SWIM's k).
   * More relays tolerate more path loss but cost packets. Default 3; 0..16.
   */
  readonly indirectChecks: number;
  /**
   * Scales the minimum suspicion timeout: min = mult * max(1, log10 N) * probeIntervalMs.
   * Higher means fewer false positives and slower detection. Default 4; 1..100.
   */
  readonly suspicionMult: number;
  /**
   * Maximum suspicion timeout as a multiple of the minimum (Lifeguard starts
   * there and falls towards the minimum as confirmations arrive). Default 6; 1..100.
   */
  readonly suspicionMaxTimeoutMult: number;
  /**
   * The most independent confirmations a suspicion counts. Beyond the ones
   * Lifeguard waits for (max(2, suspicionMult - 2) here) each one shortens
   * the timeout below Lifeguard's minimum: min * (k + 1) / (c + 1), never
   * under two probe intervals. Many observers whose own probes failed are far
   * stronger evidence than one. 0 turns this off. Default 8; 0..64.
   */
  readonly suspicionConfirmationsMax: number;
  /**
   * Each update is piggybacked retransmitMult * ceil(log10(N + 1)) times.
   * Higher spreads more reliably under loss and costs bytes. Default 4; 1..100.
   */
  readonly retransmitMult: number;
  /**
   * Period of dedicated gossip rounds (only sent while updates are pending).
   * Shorter spreads faster and costs packets. Default 200; 1..60000.
   */
  readonly gossipIntervalMs: number;
  /** Random members gossiped to per round (fanout). Default 3; 0..64. */
  readonly gossipNodes: number;
  /**
   * How long dead members keep receiving gossip so that a partition can heal:
   * both sides hear of each other again. Default 30000; 0..3600000.
   */
  readonly gossipToTheDeadMs: number;
  /**
   * Base period of full-state sync with one random member; it grows with the
   * cluster size (memberlist's scaling) to keep the load flat. 0 disables it.
   * Default 30000; 0 or 100..3600000.
   */
  readonly pushPullIntervalMs: number;
  /**
   * How often this node tries to reach one member it holds failed (or, when
   * it is alone or has lost most of the members it knew, one of its join
   * seeds) with a full-state sync, so that the two sides of a partition of
   * any length find each other again. Shorter heals sooner and costs a sync
   * per interval while anything is failed. Default 30000; 100..3600000.
   */
  readonly reconnectIntervalMs: number;
  /**
   * How long a failed member stays a reconnect candidate after it failed,
   * independent of tombstone reaping (Serf's reconnect timeout). At most
   * 1,024 candidates are kept, the oldest dropped first. Default 86400000
   * (24 h); 1000..604800000.
   */
  readonly reconnectTimeoutMs: number;
  /**
   * How long dead and left members are remembered (to reject stale alive
   * messages) before they are reaped. Must exceed gossipToTheDeadMs.
   * Default 120000; 1000..86400000.
   */
  readonly tombstoneRetentionMs: number;
  /**
   * Largest UDP payload this node sends. Default 1400 (fits common MTUs);
   * 556..65000, and large enough for the biggest alive message that
   * metadataBytesMax allows, with the packet's header and any sealing
   * (1086 bytes at the default 512 and no sealing).
   */
  readonly packetBytesMax: number;
  /** Largest encoded metadata map (keys + values, UTF-8). Default 512; 0..16384. */
  readonly metadataBytesMax: number;
  /** Most members this node will hold, tombstones included; more are dropped and counted. Default 20000; 2..1000000. */
  readonly membersMax: number;
  /**
   * Most threads one member may claim (libcluster's per-instance count).
   * An alive claiming more is dropped and counted (`threads-max`), so one
   * member cannot inflate the cluster total; this node refuses to start with
   * more. Every node should use the same value. Default 1024; 1..65535.
   */
  readonly threadsMax: number;
  /**
   * Lifeguard local health: the probe interval and timeout stretch up to this
   * multiple while this node itself looks slow. 1 disables the awareness. Default 8; 1..64.
   */
  readonly awarenessMaxMultiplier: number;
  /**
   * Longest time a graceful leave waits for its announcement to go out
   * before reporting done. Default 2000; 0..60000.
   */
  readonly leaveTimeoutMs: number;
  /**
   * Delay before a membership change enters the sorted view. The delay travels
   * with the update as a remaining time, so all nodes rebalance within a few
   * milliseconds of each other instead of as the gossip reaches them. 0 applies
   * changes at once. Should exceed the dissemination time. Default 1500; 0..60000.
   */
  readonly viewDelayMs: number;
  /**
   * After its view last changed, how long a node waits with no suspect member,
   * no pending change and no peer reporting another view before it reports
   * `settled`. Default 2000; 0..600000.
   */
  readonly settleQuietMs: number;
  /** Also probe over the reliable stream when a direct UDP probe times out. Default true. */
  readonly streamProbe: boolean;
  /**
   * Admit a new member (or a failed one returning at another address) only
   * once it has answered a ping of ours at the address it claims
   * (src/core/admission.ts), so forged alives cannot add members. False
   * trusts gossip as memberlist does. Default true.
   */
  readonly verifyMembers: boolean;
  /**
   * Members told of a graceful leave directly, one small packet each, before
   * gossip carries it further. More makes a leave known sooner. Default 128; 0..10000.
   */
  readonly leaveFanout: number;
  /**
   * Largest user event payload (node.broadcast), in bytes. Every member must
   * use the same value: a larger event is refused on decode with the packet
   * that carries it. A sender is further held to what fits one packet of
   * packetBytesMax with the longest name and id (about 290 bytes less).
   * Default 512; 0..16384.
   */
  readonly userEventPayloadBytesMax: number;
  /**
   * User events this node may send per second, in bursts of as many; more
   * are refused with UserEventRateError. Default 10; 1..10000.
   */
  readonly userEventSendPerSecondMax: number;
  /**
   * New user events this node delivers and passes on per second, in bursts
   * of as many; more are dropped and counted (`event-rate`), which bounds
   * what a flooding sender costs every member. Default 100; 1..100000.
   */
  readonly userEventReceivePerSecondMax: number;
}

export type PresetName = 'lan' | 'local' | 'wan';

const LAN: Readonly<ProtocolConfig> = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  suspicionConfirmationsMax: 8,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  reconnectIntervalMs: 30_000,
  reconnectTimeoutMs: 86_400_000,
  tombstoneRetentionMs: 120_000,
  packetBytesMax: 1400,
  metadataBytesMax: 512,
  membersMax: 20_000,
  threadsMax: 1024,
  awarenessMaxMultiplier: 8,
  leaveTimeoutMs: 2000,
  viewDelayMs: 1500,
  settleQuietMs: 2000,
  streamProbe: true,
  verifyMembers: true,
  leaveFanout: 128,
  userEventPayloadBytesMax: 512,
  userEventSendPerSecondMax: 10,
  userEventReceivePerSecondMax: 100,
};

export const presets: Readonly<Record<PresetName, ProtocolConfig>> = {
  lan: LAN,
  /** One host (tests, the demo): loopback RTTs are sub-millisecond. */
  local: {
    ...LAN,
    probeIntervalMs: 200,
    probeTimeoutMs: 100,
    suspicionMult: 3,
    gossipIntervalMs: 50,
    gossipToTheDeadMs: 10_000,
    pushPullIntervalMs: 10_000,
    reconnectIntervalMs: 5000,
    tombstoneRetentionMs: 30_000,
    leaveTimeoutMs: 500,
    viewDelayMs: 300,
    settleQuietMs: 500,
  },
  /** Long, lossy links (memberlist's WAN numbers). */
  wan: {
    ...LAN,
    probeIntervalMs: 5000,
    probeTimeoutMs: 3000,
    suspicionMult: 6,
    gossipIntervalMs: 500,
    gossipNodes: 4,
    gossipToTheDeadMs: 60_000,
    pushPullIntervalMs: 60_000,
    reconnectIntervalMs: 60_000,
    tombstoneRetentionMs: 300_000,
    leaveTimeoutMs: 5000,
    viewDelayMs: 5000,
    settleQuietMs: 10_000,
  },
};

export interface Bound {
  readonly min: number;
  readonly max: number;
  /** 0 is allowed as "off" even when below min. */
  readonly zeroAllowed?: boolean;
}

/** The fields that are switches rather than numbers. */
const BOOLEAN_FIELDS = ['streamProbe', 'verifyMembers'] as const;

/** The bounds of every integer field, inclusive; the tests derive their cases from this table. */
export const integerBounds: Readonly<
  Record<Exclude<keyof ProtocolConfig, (typeof BOOLEAN_FIELDS)[number]>, Bound>
> = {
  probeIntervalMs: { min: 10, max: 60_000 },
  probeTimeoutMs: { min: 1, max: 60_000 },
  indirectChecks: { min: 0, max: 16 },
  suspicionMult: { min: 1, max: 100 },
  suspicionMaxTimeoutMult: { min: 1, max: 100 },
  suspicionConfirmationsMax: { min: 0, max: 64 },
  retransmitMult: { min: 1, max: 100 },
  gossipIntervalMs: { min: 1, max: 60_000 },
  gossipNodes: { min: 0, max: 64 },
  gossipToTheDeadMs: { min: 0, max: 3_600_000 },
  pushPullIntervalMs: { min: 100, max: 3_600_000, zeroAllowed: true },
  reconnectIntervalMs: { min: 100, max: 3_600_000 },
  reconnectTimeoutMs: { min: 1000, max: 604_800_000 },
  tombstoneRetentionMs: { min: 1000, max: 86_400_000 },
  packetBytesMax: { min: 556, max: 65_000 },
  metadataBytesMax: { min: 0, max: 16_384 },
  membersMax: { min: 2, max: 1_000_000 },
  threadsMax: { min: 1, max: 65_535 },
  awarenessMaxMultiplier: { min: 1, max: 64 },
  leaveTimeoutMs: { min: 0, max: 60_000 },
  viewDelayMs: { min: 0, max: 60_000 },
  settleQuietMs: { min: 0, max: 600_000 },
  leaveFanout: { min: 0, max: 10_000 },
  userEventPayloadBytesMax: { min: 0, max: USER_EVENT_PAYLOAD_BYTES_CEILING },
  userEventSendPerSecondMax: { min: 1, max: 10_000 },
  userEventReceivePerSecondMax: { min: 1, max: 100_000 },
};

/**
 * Builds a validated config from a preset and a partial override. Unknown
 * fields, wrong types and out-of-range values throw a ConfigError naming the
 * field. Given the wire format, it also checks that the largest update fits
 * a packet (the core checks that again against the format it is given).
 */
export function resolveConfig(
  overrides: Partial<ProtocolConfig> = {},
  preset: PresetName = 'lan',
  wire?: WireFormat,
): ProtocolConfig {
  const base = presets[preset];
  if (base === undefined) {
    throw new ConfigError('preset', `unknown preset "${String(preset)}" (expected lan, local or wan)`);
  }
  if (overrides === null || typeof overrides !== 'object') {
    throw new ConfigError('config', 'config must be an object');
  }
  for (const key of Object.keys(overrides)) {
    if (!Object.hasOwn(base, key)) throw new ConfigError(key, `unknown config field "${key}"`);
  }
  const given = stripUndefined(overrides);
  const config: ProtocolConfig = { ...base, ...given };
  validateConfig(config, new Set(Object.keys(given)), wire);
  return config;
}

function stripUndefined(value: Partial<ProtocolConfig>): Partial<ProtocolConfig> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/**
 * Checks every field and the relations between fields, and with a wire
 * format the packet budget too. `given` names the fields the caller set, so
 * that a clash between two fields blames the one the caller chose.
 */
export function validateConfig(
  config: ProtocolConfig,
  given: ReadonlySet<string> = new Set(),
  wire?: WireFormat,
): void {
  for (const [field, bound] of Object.entries(integerBounds) as [keyof ProtocolConfig, Bound][]) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new ConfigError(field, `${field} must be an integer, got ${JSON.stringify(value)}`);
    }
    if (bound.zeroAllowed === true && value === 0) continue;
    if (value < bound.min || value > bound.max) {
      throw new ConfigError(field, `${field} must be between ${bound.min} and ${bound.max}, got ${value}`);
    }
  }
  for (const field of BOOLEAN_FIELDS) {
    if (typeof config[field] !== 'boolean') throw new ConfigError(field, `${field} must be a boolean`);
  }
  if (config.probeTimeoutMs > config.probeIntervalMs) {
    throw new ConfigError('probeTimeoutMs', 'probeTimeoutMs must not exceed probeIntervalMs');
  }
  if (config.tombstoneRetentionMs <= config.gossipToTheDeadMs) {
    throw new ConfigError('tombstoneRetentionMs', 'tombstoneRetentionMs must exceed gossipToTheDeadMs');
  }
  if (wire !== undefined) checkPacketBudget(config, wire, given);
}

/**
 * Throws unless the largest update `wire` can carry under this config's
 * metadataBytesMax fits a packet of packetBytesMax, overheads included.
 * `given` names the fields the caller set, to blame the one it chose.
 */
export function checkPacketBudget(
  config: ProtocolConfig,
  wire: WireFormat,
  given: ReadonlySet<string> = new Set(),
): void {
  const packetBytesNeeded = wire.packetBytesBound(wire.updateBytesMax(config.metadataBytesMax));
  if (packetBytesNeeded <= config.packetBytesMax) return;
  const blamed =
    given.has('metadataBytesMax') && !given.has('packetBytesMax') ? 'metadataBytesMax' : 'packetBytesMax';
  throw new ConfigError(
    blamed,
    `packetBytesMax ${config.packetBytesMax} is too small for metadataBytesMax ${config.metadataBytesMax}: ` +
      `an alive message with the longest id, address and metadata needs ${packetBytesNeeded} bytes; ` +
      'raise packetBytesMax or lower metadataBytesMax',
  );
}
