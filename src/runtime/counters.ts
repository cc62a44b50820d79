/**
 * What the runtime counts (the core keeps its own counters): traffic in both
 * directions and the syncs it answered. The counter type, its zero values,
 * `stats()` and the metrics come from these tables.
 */
import type { DropCounts } from '../core/drops.js';

/** Traffic counted per direction: each name becomes a counter `${name}In` and `${name}Out`. */
export const TRAFFIC_COUNTERS = {
  packets: 'UDP datagrams received and sent.',
  bytes: 'UDP bytes received and sent.',
  streamPackets: 'Packets over TCP received and sent: the fallback stream probes and their acks.',
  streamBytes: 'TCP bytes received and sent: full-state syncs and fallback stream probes.',
} as const;

/** Counted once, in one direction. */
export const RUNTIME_COUNTERS = {
  syncsServed: 'Full-state syncs answered for others.',
} as const;

export type TrafficName = keyof typeof TRAFFIC_COUNTERS;
export type TrafficCounterName = `${TrafficName}${'In' | 'Out'}`;
export type RuntimeCounterName = TrafficCounterName | keyof typeof RUNTIME_COUNTERS;

export type RuntimeCounters = Record<RuntimeCounterName, number> & { drops: DropCounts };

/** Every runtime counter name, traffic first. */
export const runtimeCounterNames: readonly RuntimeCounterName[] = [
  ...(Object.keys(TRAFFIC_COUNTERS) as TrafficName[]).flatMap((name): TrafficCounterName[] => [
    `${name}In`,
    `${name}Out`,
  ]),
  ...(Object.keys(RUNTIME_COUNTERS) as (keyof typeof RUNTIME_COUNTERS)[]),
];

/** Every counter at 0, no drop yet. */
export function newRuntimeCounters(): RuntimeCounters {
  const counters = { drops: {} } as RuntimeCounters;
  for (const name of runtimeCounterNames) counters[name] = 0;
  return counters;
}
