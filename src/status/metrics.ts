/**
 * Prometheus metrics of one agent, in a registry of its own (never
 * prom-client's global one, so two servers in one process do not clash).
 * Values are read from the node when scraped: counters mirror the node's
 * monotonic counters, gauges its current state.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { dropReasonNames } from '../core/drops.js';
import type { MemberState } from '../core/types.js';
import { PLAIN_COUNTERS, TRAFFIC_COUNTERS, type TrafficName } from '../node/stats.js';
import type { NodeStats } from '../node/types.js';
import type { StatusSource } from './types.js';

const STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];

/** The metric of a counter: "syncsFailed" is meshnode_syncs_failed_total. */
export function counterMetricName(counter: string): string {
  return `meshnode_${counter.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}_total`;
}

/** Builds the registry; `source` is read at every scrape. */
export function createMetricsRegistry(source: StatusSource): Registry {
  const registry = new Registry();
  // One stats() call per scrape, shared by every collect() of that scrape.
  let cached: { at: number; stats: NodeStats } | undefined;
  const stats = (): NodeStats => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > 50) cached = { at: now, stats: source.node.stats() };
    return cached.stats;
  };

  for (const [traffic, help] of Object.entries(TRAFFIC_COUNTERS) as [TrafficName, string][]) {
    new Counter({
      name: counterMetricName(traffic),
      help,
      labelNames: ['direction'],
      registers: [registry],
      collect() {
        const s = stats();
        this.reset();
        this.inc({ direction: 'in' }, s[`${traffic}In`]);
        this.inc({ direction: 'out' }, s[`${traffic}Out`]);
      },
    });
  }

  for (const [counter, help] of Object.entries(PLAIN_COUNTERS) as [keyof typeof PLAIN_COUNTERS, string][]) {
    new Counter({
      name: counterMetricName(counter),
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats()[counter]);
      },
    });
  }

  new Counter({
    name: 'meshnode_dropped_total',
    help: 'Input dropped, by reason (foreign-cluster, malformed, oversize, ...).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      // Every reason from the start, at 0 until it happens, so rate() and alerts see the series.
      const drops = stats().drops;
      for (const reason of dropReasonNames) this.inc({ reason }, drops[reason] ?? 0);
    },
  });

  new Gauge({
    name: 'meshnode_members',
    help: 'Members known to this node, by state (dead and left: tombstones not yet reaped).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = countByState(source);
      for (const state of STATES) this.set({ state }, counts[state]);
    },
  });

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('meshnode_view_size', 'Members in the sorted view.', () => stats().viewSize);
  gauge('meshnode_members_known', 'Members in the table, tombstones included.', () => stats().membersKnown);
  gauge('meshnode_index', 'This instance base index (-1 once left).', () => source.node.indices().index);
  gauge('meshnode_threads', 'This instance thread count.', () => source.node.indices().threads);
  gauge('meshnode_total_threads', 'Sum of the thread counts in the view.', () => source.node.indices().total);
  gauge('meshnode_settled', '1 when the view is known to agree across the live cluster.', () =>
    source.node.indices().settled ? 1 : 0,
  );
  gauge('meshnode_awareness', 'Lifeguard local health score (0 = healthy).', () => stats().awareness);
  gauge('meshnode_rtt_mean_seconds', 'Mean smoothed RTT to the members with an ack.', () => {
    const values = Object.values(stats().rttMs);
    return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length / 1000;
  });
  gauge('meshnode_rtt_max_seconds', 'Largest smoothed RTT to a member.', () => {
    const values = Object.values(stats().rttMs);
    return values.length === 0 ? 0 : Math.max(...values) / 1000;
  });
  gauge(
    'meshnode_uptime_seconds',
    'Seconds since the agent started.',
    () => (Date.now() - source.startedAt) / 1000,
  );
  return registry;
}

/** Members by state: the view (alive, suspect) plus the departed members still remembered. */
export function countByState(source: StatusSource): Record<MemberState, number> {
  const counts: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  for (const member of source.node.members()) counts[member.state] += 1;
  for (const member of source.departed()) counts[member.state] += 1;
  return counts;
}
