/** The readable table `meshnode simulate` prints (without --json). */
import type { SimulationReport } from './scenario.js';

function seconds(ms: number | null, digits = 2): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(digits)} s`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** The report as the aligned text table `meshnode simulate` prints. */
export function formatReport(report: SimulationReport): string {
  const d = report.detection;
  const rows: [string, string][] = [];
  rows.push([
    'virtual time',
    `${seconds(report.virtualMs, 1)}  (wall ${seconds(report.wallMs)}, ${count(report.events)} events)`,
  ]);
  if (d.crashes > 0 && d.firstMs === null) {
    rows.push(['crash detection', `${d.crashes} crashes, none declared before the node came back`]);
  } else if (d.crashes > 0) {
    rows.push([
      'crash detection',
      `first ${seconds(d.firstMs)}, median ${seconds(d.medianMs)}, all ${d.allMs === null ? `not reached (${d.undetected} missing)` : seconds(d.allMs)}` +
        `  (first suspicion ${seconds(d.suspectMs)}; ${d.crashes} crash${d.crashes === 1 ? '' : 'es'})`,
    ]);
  }
  if (report.dissemination.kind !== null) {
    const reach =
      report.disseminationMs === null
        ? `not reached (${report.dissemination.missing} missing)`
        : `${seconds(report.disseminationMs)} to 100%`;
    rows.push([
      `dissemination (${report.dissemination.kind})`,
      `${reach}  (p50 ${seconds(report.dissemination.p50Ms)}, p99 ${seconds(report.dissemination.p99Ms)} after the origin)`,
    ]);
  }
  const event = report.userEvent;
  if (event !== undefined) {
    const all =
      event.allMs === null
        ? `${event.liveNodes - event.delivered} live nodes missed it`
        : `all by ${seconds(event.allMs)}`;
    rows.push([
      `user event (${event.name})`,
      `${percent(event.deliveredShare)} of ${count(event.liveNodes)} live nodes, ${all}  ` +
        `(p50 ${seconds(event.p50Ms)}, p99 ${seconds(event.p99Ms)}; ${count(event.copies)} copies, ` +
        `${count(event.costBytes)} B, ${count(event.costBytesPerNode)} B per node; ${event.duplicates} duplicates)`,
    ]);
  }
  rows.push([
    'false positives',
    `${report.falsePositives}  (${report.falsePositivesPerKiloNodeMinute} per 1,000 node-minutes; false suspicions ${report.falseSuspicions}, excused deaths ${report.excusedDeaths})`,
  ]);
  rows.push([
    'load per node',
    `${report.messagesPerNodePerSecond.toFixed(2)} packets/s (${report.messagesPerNodePerPeriod.toFixed(2)} per period), ` +
      `${report.bytesPerNodePerSecond.toFixed(1)} B/s (packets ${report.packetBytesPerNodePerSecond.toFixed(1)}, sync ${report.syncBytesPerNodePerSecond.toFixed(1)})`,
  ]);
  rows.push(['largest packet', `${report.packetBytesMax} B (limit ${report.packetBytesLimit})`]);
  const views = report.converged
    ? `converged: ${report.liveNodes} live nodes, one view since ${seconds(report.convergedAtMs, 1)}`
    : `NOT converged: ${report.distinctViews} distinct views among ${report.liveNodes} live nodes`;
  rows.push(['views', views]);
  if (report.lastFaultMs > 0) {
    rows.push([
      'recovery',
      report.recoveryMs === null
        ? 'not recovered by the end of the run'
        : `${seconds(report.recoveryMs)} after the last fault (${seconds(report.lastFaultMs, 1)})`,
    ]);
  }
  rows.push([
    'settled signal',
    `settled ${percent(report.settledFraction)} of node-time; falsely settled ${percent(report.falseSettledRate, 4)}`,
  ]);
  rows.push([
    'invariants',
    `${count(report.invariantChecks)} checks, none broken; trace ${report.traceHash}`,
  ]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const title =
    `meshnode simulate: ${report.scenario}, ${count(report.nodes)} nodes, seed ${report.seed}, ` +
    `${report.preset} preset, Lifeguard ${report.lifeguard ? 'on' : 'off'}, loss ${percent(report.loss, 1)}`;
  return [title, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}
