/**
 * The limits of the TCP path and their defaults: every one is enforced
 * before anything a peer declares is trusted (stream.ts, inbound-admission.ts).
 */
import { type MsgpackWireFormat, msgpackWireFormat } from '../codec/wire-format.js';
import type { ProtocolConfig } from '../core/config.js';
import { syncTimeoutMs } from '../core/formulas.js';

/** Limits of the TCP path (createNode's `transport` option). */
export interface TransportLimits {
  /**
   * Largest encoded full state accepted from (or sent to) a peer. Default:
   * the largest state membersMax valid members can make (every row at its
   * largest, see MsgpackWireFormat.stateBytesMax), at most 1 GiB; about 21.5 MB
   * for the 20,000 members and 512 metadata bytes of the presets. A frame
   * that declares more is refused from its 5-byte header, unread.
   */
  readonly stateBytesMax: number;
  /** Full-state exchanges at once, inbound and outbound each; extra inbound ones wait their turn. Default 8. */
  readonly syncsMax: number;
  /** Stream-probe connections at once, inbound and outbound each. Default 32. */
  readonly streamsMax: number;
  /** Deadline of a whole state exchange, connect and queueing included. Default max(1 s, 5 probe intervals). */
  readonly syncTimeoutMs: number;
  /** Lifetime of a stream-probe connection. Default max(500 ms, 2 probe intervals). */
  readonly streamTimeoutMs: number;
  /**
   * Inbound connections open at once from one source IP; more are refused
   * at once ('source-limit'). One address cannot take the whole connection
   * budget (4 x (syncsMax + streamsMax)), yet several nodes behind one
   * address (a NAT, one test host) can still sync together. Default 16.
   */
  readonly connectionsPerSourceMax: number;
  /**
   * Inbound syncs read at once from one source IP; more wait their turn, so
   * one address cannot hold every reading slot (nor buffer syncsMax states).
   * Default 2.
   */
  readonly syncsPerSourceMax: number;
  /**
   * Time an inbound connection has to send its first byte before it is
   * closed ('first-byte-timeout'). A peer writes its frame as soon as it is
   * connected; a silent connection holds no reading slot meanwhile, so it
   * cannot delay a real sync either. Default max(250 ms, probeTimeoutMs).
   */
  readonly firstByteTimeoutMs: number;
}

/** The ceiling of the derived stateBytesMax (and of a configured one, node/options.ts). */
export const STATE_BYTES_MAX_CEILING = 1 << 30;

/** Defaults for the TCP path; the timeouts follow the probe interval, the state bound the table size. */
export function defaultTransportLimits(
  config: Pick<ProtocolConfig, 'probeIntervalMs' | 'probeTimeoutMs' | 'membersMax' | 'metadataBytesMax'>,
  wire: Pick<MsgpackWireFormat, 'stateBytesMax'> = msgpackWireFormat,
): TransportLimits {
  return {
    stateBytesMax: Math.min(
      STATE_BYTES_MAX_CEILING,
      wire.stateBytesMax(config.membersMax, config.metadataBytesMax),
    ),
    syncsMax: 8,
    streamsMax: 32,
    syncTimeoutMs: syncTimeoutMs(config.probeIntervalMs),
    streamTimeoutMs: Math.max(500, 2 * config.probeIntervalMs),
    connectionsPerSourceMax: 16,
    syncsPerSourceMax: 2,
    firstByteTimeoutMs: Math.max(250, config.probeTimeoutMs),
  };
}

export interface StreamLimits extends TransportLimits {
  /** Largest packet frame accepted or sent (the protocol's packetBytesMax). */
  readonly packetBytesMax: number;
}
