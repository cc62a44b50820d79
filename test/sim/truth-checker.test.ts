/**
 * The two oracles of agreement on cores that misbehave on purpose: a settled
 * node whose view is not the live truth, and a death of a running member
 * that nothing excuses. Real cores pass both in every scenario run.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import type { MeshCoreOptions } from '../../src/core/core.js';
import type { View } from '../../src/core/types.js';
import { buildScenario, runScenario } from '../../src/sim/index.js';
import { Metrics } from '../../src/sim/metrics.js';
import type { NetworkOptions } from '../../src/sim/network.js';
import { Simulation, SimulationError } from '../../src/sim/simulation.js';
import { ViewTruthChecker } from '../../src/sim/truth-checker.js';
import { FakeCore } from './fake-core.js';

const exact: NetworkOptions = {
  latency: { baseMs: 1, linkSpreadMs: 0, jitterMeanMs: 0 },
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMs: 0,
};

/** Always settled; its view is whatever the test sets (default: itself alone). */
class SettledCore extends FakeCore {
  viewIds: string[];

  constructor(options: MeshCoreOptions) {
    super(options, {});
    this.viewIds = [options.id];
  }

  override view(): View {
    const members = [...this.viewIds].sort().map((id, index) => ({ id, threads: 1, index }));
    return { members, total: members.length, viewId: 7 };
  }

  override get settled(): boolean {
    return true;
  }
}

function setup(nodes: number) {
  const sim = new Simulation({
    nodes,
    seed: 5,
    config: resolveConfig({}, 'lan'),
    network: exact,
    createCore: (options) => new SettledCore(options),
    describe: 'truth checker test',
  });
  const metrics = new Metrics(sim, 0);
  sim.addListener(metrics);
  new ViewTruthChecker(sim, metrics, 5000, 1000);
  sim.at(0, () => {
    for (let slot = 0; slot < nodes; slot++) sim.start(slot);
  });
  return { sim, core: (slot: number) => sim.slot(slot).core as SettledCore };
}

/** The error a run ends with, or undefined when it ends well. */
function failureOf(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('a settled node whose view is not the live truth', () => {
  it('fails the run once it has lasted longer than the tolerance', () => {
    const { sim } = setup(3);
    // A start is a disturbance, forgiven for its grace (about 35 s here); then the lack counts.
    const failure = failureOf(() => sim.runUntil(300_000));
    expect(failure).toBeInstanceOf(SimulationError);
    expect(String(failure)).toMatch(/not the live truth: it lacks/);
  });

  it('is fine while the settled views hold exactly the running nodes, and caught when one holds a crashed node', () => {
    const { sim, core } = setup(3);
    const ids = sim.slots.map((slot) => slot.id);
    sim.at(1, () => {
      for (let slot = 0; slot < 3; slot++) core(slot).viewIds = [...ids];
    });
    sim.runUntil(30_000);
    sim.crash(2);
    const failure = failureOf(() => sim.runUntil(60_000));
    expect(failure).toBeInstanceOf(SimulationError);
    expect(String(failure)).toMatch(new RegExp(`it holds ${ids[2]}, which is not running`));
  });
});

/** Declares another member dead out of nothing, 45 s in (after the grace its start earns). */
class AccusingCore extends FakeCore {
  override start(nowMs: number): void {
    super.start(nowMs);
    this.timer(45_000);
  }

  override handleTimer(token: number, nowMs: number): void {
    super.handleTimer(token, nowMs);
    const victim = this.members().find((member) => member.id !== this.id);
    if (victim !== undefined)
      this.host.notify({ type: 'member', kind: 'fail', member: { ...victim, state: 'dead' } });
  }
}

describe('a running, reachable member declared dead', () => {
  it('fails a scenario without random loss', () => {
    const spec = buildScenario('crash', { nodes: 4, seed: 1 });
    expect(() => runScenario(spec, { createCore: (options) => new AccusingCore(options, {}) })).toThrow(
      /declared .* dead at .* running and reachable/,
    );
  });

  it('is only counted where random loss may excuse it', () => {
    const spec = buildScenario('crash', { nodes: 4, seed: 1, loss: 0.01 });
    const { report } = runScenario(spec, { createCore: (options) => new AccusingCore(options, {}) });
    expect(report.falsePositives).toBeGreaterThan(0);
  });
});
