import { describe, expect, it } from 'vitest';
import { MeshCore } from '../../src/core/core.js';
import { runScenario } from '../../src/sim/scenario.js';
import { buildScenario, type ScenarioName } from '../../src/sim/scenarios.js';

/** Small, quick versions of the named scenarios. */
const cases: [ScenarioName, number, number | undefined][] = [
  ['crash', 12, undefined],
  ['churn', 10, undefined],
  ['lossy', 10, 0.08],
  ['partition-heal', 8, undefined],
  ['slow-node', 10, undefined],
  ['join-storm', 12, undefined],
];

describe('replay', () => {
  it.each(cases)('%s: the same seed gives the same trace, another seed another', (name, nodes, loss) => {
    const spec = (seed: number) =>
      buildScenario(name, { nodes, seed, ...(loss === undefined ? {} : { loss }) });
    const first = runScenario(spec(5)).report;
    const again = runScenario(spec(5)).report;
    const other = runScenario(spec(6)).report;
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.events).toBe(first.events);
    expect({ ...again, wallMs: 0 }).toEqual({ ...first, wallMs: 0 });
    expect(other.traceHash).not.toBe(first.traceHash);
  });
});

describe('shared initial members', () => {
  it('cores sharing one roster run exactly as cores with plain stores that each get their own copy', () => {
    // Short tombstone retention: members of the shared array are reaped and rejoin within the run.
    const config = { tombstoneRetentionMs: 1500, gossipToTheDeadMs: 1000 };
    const spec = buildScenario('churn', { nodes: 16, seed: 3, preset: 'local', config });
    const long = { ...spec, durationMs: spec.durationMs + 10_000 };
    const shared = runScenario(long).report;
    const copied = runScenario(long, {
      createCore: ({ memberStore: _shared, ...options }) =>
        new MeshCore({
          ...options,
          initialMembers: options.initialMembers?.map((member) => ({ ...member })),
        }),
    }).report;
    expect({ ...copied, wallMs: 0 }).toEqual({ ...shared, wallMs: 0 });
    expect(shared.converged).toBe(true);
  });
});
