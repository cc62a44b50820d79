import { describe, expect, it } from 'vitest';
import { lastFaultMs, runScenario, validateScenario } from '../../src/sim/scenario.js';
import { buildScenario, isScenarioName, scenarioInfo, scenarioNames } from '../../src/sim/scenarios.js';

describe('named scenarios', () => {
  it.each(scenarioNames)('%s builds a valid, reproducible spec', (name) => {
    const spec = buildScenario(name, { nodes: 20, seed: 3 });
    expect(() => validateScenario(spec)).not.toThrow();
    expect(spec.name).toBe(name);
    expect(spec.seed).toBe(3);
    expect(buildScenario(name, { nodes: 20, seed: 3 })).toEqual(spec);
    expect(spec.durationMs).toBeGreaterThan(lastFaultMs(spec));
  });

  it('uses the scenario defaults and overrides', () => {
    expect(buildScenario('crash').nodes).toBe(scenarioInfo.crash.defaultNodes);
    expect(buildScenario('lossy').network?.lossProbability).toBe(0.05);
    expect(buildScenario('crash', { loss: 0.02 }).network?.lossProbability).toBe(0.02);
    expect(buildScenario('crash', { lifeguard: false }).config).toEqual({
      awarenessMaxMultiplier: 1,
      suspicionMaxTimeoutMult: 1,
    });
    expect(buildScenario('crash', { durationMs: 1234 }).durationMs).toBe(1234);
    expect(buildScenario('crash', { preset: 'local' }).events[0]?.atMs).toBe(2000);
    expect(isScenarioName('churn')).toBe(true);
    expect(isScenarioName('nope')).toBe(false);
  });

  it('rejects bad parameters', () => {
    expect(() => buildScenario('crash', { nodes: 0 })).toThrow(/nodes/);
    expect(() => buildScenario('crash', { seed: -1 })).toThrow(/seed/);
    expect(() => buildScenario('crash', { loss: 1 })).toThrow(/loss/);
    expect(() => buildScenario('crash', { config: { probeIntervalMs: 1 } })).toThrow(/probeIntervalMs/);
  });

  it('churn keeps seeds up, brings nodes back only after they could be declared, and adds spare slots', () => {
    const spec = buildScenario('churn', { nodes: 30, seed: 9 });
    expect(spec.nodes).toBe(36);
    expect(spec.bootstrap.nodes).toBe(30);
    const downAt = new Map<number, number>();
    for (const event of spec.events) {
      if (!('slot' in event)) continue;
      expect(spec.seeds).not.toContain(event.slot);
      if (event.kind === 'crash' || event.kind === 'leave') downAt.set(event.slot, event.atMs);
      if (event.kind === 'restart')
        expect(event.atMs - (downAt.get(event.slot) ?? 0)).toBeGreaterThanOrEqual(10_000);
      if (event.kind === 'join') expect(event.slot).toBeGreaterThanOrEqual(30);
    }
  });

  it('crash on 30 nodes: detected everywhere, no false positive, one view at the end', () => {
    const { report, series } = runScenario(buildScenario('crash', { nodes: 30, seed: 2 }));
    expect(report.detection.crashes).toBe(1);
    expect(report.detection.undetected).toBe(0);
    expect(report.detection.allMs).not.toBeNull();
    expect(report.falsePositives).toBe(0);
    expect(report.converged).toBe(true);
    expect(report.liveNodes).toBe(29);
    expect(series.detectionMs).toHaveLength(29);
    expect(report.packetBytesMax).toBeLessThanOrEqual(report.packetBytesLimit);
  });
});
