/**
 * Time bounds the simulation properties assert, derived from the protocol
 * config and the cluster size N (members, the crashed one included). They
 * are written here once so that the tests, the reports and the docs
 * (simulations/README.md) use the same formulas.
 *
 *   P        = probeIntervalMs
 *   Smin(N)  = suspicionMult * max(1, log10 N) * P            (Lifeguard's floor)
 *   Smax(N)  = suspicionMaxTimeoutMult * Smin(N)              (where a suspicion starts)
 *   R(N)     = retransmitMult * ceil(log10(N + 1))           (piggyback transmissions per update)
 *   D(N)     = (R(N) + 1) * gossipIntervalMs + 2 * P          (an update reaches every live node)
 *   F(N)     = (2N - 1) * P                                   (SWIM: round-robin probing bounds the first probe)
 *   detect(N) = F(N) + P + Smax(N) + D(N)                     (every live node marks a crash dead)
 *   leave(N)  = D(N)                                          (a graceful leave reaches every live node)
 *   heal(N)   = PP(N) + Smax(N) + 2 * D(N) + viewDelayMs      (both sides alive again after a partition)
 *
 * PP(N) is the push-pull interval scaled as memberlist does:
 * pushPullIntervalMs * (ceil(log2 N - log2 32) + 1) above 32 members.
 */
import type { ProtocolConfig } from '../core/config.js';
import {
  pushPullIntervalMs as corePushPullIntervalMs,
  retransmitLimit as coreRetransmitLimit,
} from '../core/formulas.js';

/**
 * Smin(N): the shortest time a suspicion lasts before the suspect is declared
 * dead. Unrounded, unlike the core's timer (which rounds to the millisecond),
 * because scenario timelines are built from it and must not move.
 */
export function suspicionMinMs(config: ProtocolConfig, nodes: number): number {
  return config.suspicionMult * Math.max(1, Math.log10(Math.max(1, nodes))) * config.probeIntervalMs;
}

/** Smax(N): how long a suspicion lasts with no confirmation, where Lifeguard starts it. */
export function suspicionMaxMs(config: ProtocolConfig, nodes: number): number {
  return config.suspicionMaxTimeoutMult * suspicionMinMs(config, nodes);
}

export function retransmitLimit(config: ProtocolConfig, nodes: number): number {
  return coreRetransmitLimit(config.retransmitMult, nodes);
}

/** D(N): the time within which an update reaches every live node. */
export function disseminationBoundMs(config: ProtocolConfig, nodes: number): number {
  return (retransmitLimit(config, nodes) + 1) * config.gossipIntervalMs + 2 * config.probeIntervalMs;
}

export function firstProbeBoundMs(config: ProtocolConfig, nodes: number): number {
  return (2 * nodes - 1) * config.probeIntervalMs;
}

/** detect(N): the time within which every live node has marked a crashed one dead. */
export function detectionBoundMs(config: ProtocolConfig, nodes: number): number {
  return (
    firstProbeBoundMs(config, nodes) +
    config.probeIntervalMs +
    suspicionMaxMs(config, nodes) +
    disseminationBoundMs(config, nodes)
  );
}

/** leave(N): the time within which a graceful leave reaches every live node. */
export function leaveBoundMs(config: ProtocolConfig, nodes: number): number {
  return disseminationBoundMs(config, nodes);
}

/** PP(N); infinite when push-pull is off. */
export function pushPullIntervalMs(config: ProtocolConfig, nodes: number): number {
  if (config.pushPullIntervalMs === 0) return Number.POSITIVE_INFINITY;
  return corePushPullIntervalMs(config.pushPullIntervalMs, nodes);
}

/** heal(N): the time after a partition heals within which both sides see each other alive again. */
export function healBoundMs(config: ProtocolConfig, nodes: number): number {
  return (
    pushPullIntervalMs(config, nodes) +
    suspicionMaxMs(config, nodes) +
    2 * disseminationBoundMs(config, nodes) +
    config.viewDelayMs
  );
}

/**
 * How long after a disturbance (a restart, the end of a pause or of a
 * partition) a death declaration may still be a consequence of it rather
 * than a false positive: the longest suspicion, stretched probing at the
 * awareness ceiling, and the time the declaration takes to spread.
 */
export function disturbanceGraceMs(config: ProtocolConfig, nodes: number): number {
  return (
    suspicionMaxMs(config, nodes) +
    config.awarenessMaxMultiplier * config.probeIntervalMs +
    disseminationBoundMs(config, nodes)
  );
}
