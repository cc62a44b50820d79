/**
 * A node's stats, assembled from the core's and the runtime's counters. The
 * counter names and what each counts live in core/counters.ts and
 * runtime/counters.ts; the NodeStats type, the zeros of a static node, this
 * assembly and the Prometheus metrics all follow from those tables.
 */
import { CORE_COUNTERS, type CoreCounterName } from '../core/counters.js';
import { addDrops, type DropCounts } from '../core/drops.js';
import {
  RUNTIME_COUNTERS,
  type RuntimeCounterName,
  runtimeCounterNames,
  TRAFFIC_COUNTERS,
  type TrafficCounterName,
  type TrafficName,
} from '../runtime/counters.js';
import type { Runtime } from '../runtime/runtime.js';
import type { NodeStats } from './types.js';

export { TRAFFIC_COUNTERS, type TrafficCounterName, type TrafficName };

/** Counters that count one thing in one direction, with what each counts. */
export const PLAIN_COUNTERS = { ...CORE_COUNTERS, ...RUNTIME_COUNTERS } as const;

export type NodeCounterName = CoreCounterName | RuntimeCounterName;

const coreCounterNames = Object.keys(CORE_COUNTERS) as CoreCounterName[];

/** The stats of a node without a network: nothing counted, a view of itself. */
export function emptyStats(): NodeStats {
  const stats: Record<string, unknown> = { drops: {}, awareness: 0, membersKnown: 1, viewSize: 1, rttMs: {} };
  for (const name of [...coreCounterNames, ...runtimeCounterNames]) stats[name] = 0;
  return stats as unknown as NodeStats;
}

/** The stats of a networked node: the runtime's and the core's counters, drops summed by reason. */
export function runtimeStats(runtime: Runtime): NodeStats {
  const counters = runtime.counters;
  const core = runtime.core.stats();
  const drops: DropCounts = addDrops(addDrops({}, counters.drops), core.drops);
  const rttMs: Record<string, number> = {};
  runtime.core.forEachRttMs((id, rtt) => {
    rttMs[id] = rtt;
  });
  const stats: Record<string, unknown> = {
    drops,
    awareness: core.awareness,
    membersKnown: core.members,
    viewSize: runtime.core.view().members.length,
    rttMs,
  };
  for (const name of coreCounterNames) stats[name] = core[name];
  for (const name of runtimeCounterNames) stats[name] = counters[name];
  return stats as unknown as NodeStats;
}
