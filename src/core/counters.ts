/**
 * The core's monotonic counters, each with what it counts: the counter type,
 * its zero values, `stats()` and the `meshnode_<name>_total` metrics all come
 * from this table.
 */
export const CORE_COUNTERS = {
  probes: 'Direct probes sent.',
  probesFailed: 'Probes that got no ack, directly or indirectly.',
  indirectProbes: 'Indirect probes (ping-req) sent.',
  nacksReceived: 'Nacks received from relays (Lifeguard).',
  suspicions: 'Members this node started suspecting.',
  refutations: 'Suspicions of this node that it refuted.',
  syncs: 'Full-state syncs started.',
  syncsFailed: 'Full-state syncs that failed.',
  idConflicts: 'Times two addresses claimed one live id (another process with the same id).',
  userEventsSent: 'User events this node sent.',
  userEventsReceived: 'User events from other members delivered here.',
  userEventsDuplicate: 'User events heard again after delivery (suppressed).',
} as const;

export type CoreCounterName = keyof typeof CORE_COUNTERS;
export type CoreCounters = Record<CoreCounterName, number>;

/** A record with every name of `table` at 0. */
export function zeroCounts<Name extends string>(
  table: Readonly<Record<Name, unknown>>,
): Record<Name, number> {
  const zeros = {} as Record<Name, number>;
  for (const name of Object.keys(table) as Name[]) zeros[name] = 0;
  return zeros;
}
