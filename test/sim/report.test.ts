import { describe, expect, it } from 'vitest';
import { chartSpec, renderChartSvg } from '../../src/sim/chart.js';
import { formatReport } from '../../src/sim/report.js';
import { runScenario, type SimulationResult } from '../../src/sim/scenario.js';
import { buildScenario } from '../../src/sim/scenarios.js';

let cached: SimulationResult | undefined;
function crashRun(): SimulationResult {
  cached ??= runScenario(buildScenario('large-cluster', { nodes: 20, seed: 4 }));
  return cached;
}

describe('report', () => {
  it('prints a readable table with every figure', () => {
    const text = formatReport(crashRun().report);
    expect(text).toMatch(
      /^meshnode simulate: large-cluster, 20 nodes, seed 4, lan preset, Lifeguard on, loss 0\.0%/,
    );
    for (const label of [
      'virtual time',
      'crash detection',
      'dissemination (metadata)',
      'false positives',
      'load per node',
      'largest packet',
      'views',
      'settled signal',
      'invariants',
    ]) {
      expect(text).toContain(label);
    }
    expect(text).toContain('converged: 19 live nodes');
  });

  it('has the JSON fields the CLI promises', () => {
    const report = crashRun().report;
    for (const key of [
      'scenario',
      'nodes',
      'seed',
      'virtualMs',
      'detection',
      'disseminationMs',
      'falsePositives',
      'messagesPerNodePerSecond',
      'bytesPerNodePerSecond',
      'packetBytesMax',
      'converged',
      'wallMs',
      'falseSettledRate',
    ]) {
      expect(report).toHaveProperty(key);
    }
    expect(Object.keys(report.detection).sort()).toEqual(
      ['allMs', 'crashes', 'firstMs', 'medianMs', 'suspectMs', 'undetected'].sort(),
    );
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('charts awareness and detection delays as SVG through vega-lite', async () => {
    const spec = chartSpec(crashRun());
    expect((spec.vconcat as unknown[]).length).toBe(2);
    const svg = await renderChartSvg(crashRun());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Crash detection delay per observer');
  });

  it('refuses to chart a run with nothing to show', () => {
    const quiet = runScenario(buildScenario('leave', { nodes: 5, seed: 1, durationMs: 3000 }));
    expect(() =>
      chartSpec({ ...quiet, series: { awarenessMs: [], awarenessObservers: 0, detectionMs: [] } }),
    ).toThrow(/nothing to chart/);
  });
});
