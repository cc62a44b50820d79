import { describe, expect, it } from 'vitest';
import * as sim from '../../src/sim/index.js';

describe('meshnode/sim', () => {
  it('exports what a scenario script needs and none of the machinery', () => {
    // Written out by hand: growing or shrinking the public surface must be a decision.
    expect(Object.keys(sim).sort()).toEqual(
      [
        'ChartUnavailableError',
        'SimulationError',
        'buildScenario',
        'chartSpec',
        'detectionBoundMs',
        'disseminationBoundMs',
        'formatReport',
        'healBoundMs',
        'isScenarioName',
        'leaveBoundMs',
        'renderChartSvg',
        'resolveScenarioConfig',
        'runScenario',
        'scenarioInfo',
        'scenarioNames',
        'suspicionMaxMs',
        'suspicionMinMs',
        'validateScenario',
      ].sort(),
    );
  });

  it('runs the example of its documentation: a named scenario, edited, run and printed', () => {
    const spec = sim.buildScenario('crash', { nodes: 20, seed: 7 });
    const crash = spec.events.find((event) => event.kind === 'crash');
    expect(crash).toBeDefined();
    const edited: sim.ScenarioSpec = { ...spec, network: { lossProbability: 0.01 } };
    sim.validateScenario(edited);
    const { report } = sim.runScenario(edited);
    expect(report).toMatchObject({ scenario: 'crash', nodes: 20, seed: 7 });
    expect(report.detection.crashes).toBe(1);
    expect(report.detection.undetected).toBe(0);
    const config = sim.resolveScenarioConfig(edited);
    expect(report.detection.allMs).toBeLessThanOrEqual(sim.detectionBoundMs(config, 20));
    expect(sim.formatReport(report)).toContain('crash');
  });
});
