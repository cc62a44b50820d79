import { describe, expect, it } from 'vitest';
import { retransmitLimit } from '../../src/core/formulas.js';
import { disseminationBoundMs } from '../../src/sim/bounds.js';
import { formatReport } from '../../src/sim/report.js';
import { lastFaultMs, resolveScenarioConfig, runScenario, validateScenario } from '../../src/sim/scenario.js';
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

describe('the user-event scenario', () => {
  it('on 40 nodes: every live node hears the event once, within the dissemination bound, at a counted cost', () => {
    const spec = buildScenario('user-event', { nodes: 40, seed: 4 });
    const sent = spec.events.find((event) => event.kind === 'user-event');
    expect(sent).toMatchObject({ kind: 'user-event', name: 'sim-deploy', payloadBytes: 64 });
    const { report } = runScenario(spec);
    const event = report.userEvent;
    expect(event).toMatchObject({ liveNodes: 40, delivered: 40, deliveredShare: 1, duplicates: 0 });
    const config = resolveScenarioConfig(spec);
    expect(event?.allMs).not.toBeNull();
    expect(event?.allMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(disseminationBoundMs(config, 40));
    // Each node passes it on retransmitLimit times: 4 * ceil(log10 41) = 8 copies each.
    expect(event?.copies).toBe(40 * retransmitLimit(config.retransmitMult, 40));
    expect(event?.costBytes ?? 0).toBeGreaterThan((event?.copies ?? 0) * 64);
    expect(formatReport(report)).toMatch(/user event \(sim-deploy\)\s+100\.0% of 40 live nodes, all by /);
  });

  it('counts who missed it: a node cut off for the whole spread does not hear it', () => {
    const spec = buildScenario('user-event', { nodes: 20, seed: 5 });
    const sent = spec.events[0];
    if (sent?.kind !== 'user-event') throw new Error('no user event');
    const cutOff = sent.slot === 19 ? 18 : 19;
    const { report } = runScenario({
      ...spec,
      // Cut off from 1 s before the event to 3 s after it: every copy is spent by then (8 each, 200 ms apart).
      events: [
        ...spec.events,
        { atMs: sent.atMs - 1000, kind: 'partition', groupA: [cutOff], durationMs: 4000 },
      ],
    });
    expect(report.userEvent).toMatchObject({ liveNodes: 20, delivered: 19, allMs: null });
    expect(report.userEvent?.deliveredShare).toBeCloseTo(19 / 20);
  });
});
