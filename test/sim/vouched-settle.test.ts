/**
 * The vouched-majority settle rule (core.ts, lostMostMembers) against the
 * everyday faults it must not get in the way of, and against a second
 * join() on a member already in a cluster, which must not widen what it
 * vouches for. Each run has its checkers on: two settled nodes owning one
 * index fails the run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioEvent, type ScenarioSpec } from '../../src/sim/scenario.js';
import { buildScenario } from '../../src/sim/scenarios.js';
import type { Simulation } from '../../src/sim/simulation.js';

const seedText = process.env.MESHNODE_FC_SEED;
const fcSeed = seedText === 'random' ? undefined : Number(seedText ?? 20_261_203);
function budget(numRuns: number): { numRuns: number; seed?: number } {
  return fcSeed === undefined ? { numRuns } : { numRuns, seed: fcSeed };
}
const seedArb = fc.integer({ min: 1, max: 1_000_000 });

/** A formed cluster of `formed` nodes (slot 0 the seed) with `slots` in all, running `events`. */
function formedCluster(
  seed: number,
  formed: number,
  slots: number,
  durationMs: number,
  events: ScenarioEvent[],
) {
  const spec = buildScenario('crash', { seed, nodes: formed });
  return {
    ...spec,
    nodes: slots,
    durationMs,
    bootstrap: { ...spec.bootstrap, nodes: formed },
    seeds: [0],
    events: [...events].sort((a, b) => a.atMs - b.atMs),
  } satisfies ScenarioSpec;
}

/** Runs `spec`: it converges, and every running slot reports settled at the end. */
function expectEverySettled(spec: ScenarioSpec): void {
  const result = runUnsettled(spec);
  expect(result.converged).toBe(true);
  expect(result.unsettled).toEqual([]);
}

/** The running slots that do not report settled at the end of the run. */
function runUnsettled(spec: ScenarioSpec): { converged: boolean; unsettled: number[] } {
  const unsettled: number[] = [];
  const { report } = runScenario(spec, {
    onFinish: (sim: Simulation) => {
      for (let slot = 0; slot < spec.nodes; slot++) {
        const state = sim.slot(slot);
        if (state.status === 'running' && state.core?.settled !== true) unsettled.push(slot);
      }
    },
  });
  return { converged: report.converged, unsettled };
}

describe('the vouched-majority settle rule (simulated, lan preset)', () => {
  it('a member that replaces a minority of crashed members settles, and so does everyone else', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom(3, 5, 7), (seed, formed) => {
        const crashed = Math.floor((formed - 1) / 2);
        const events: ScenarioEvent[] = [];
        for (let i = 0; i < crashed; i++) events.push({ atMs: 10_000, kind: 'crash', slot: formed - 1 - i });
        events.push({ atMs: 60_000, kind: 'join', slot: formed });
        expectEverySettled(formedCluster(seed, formed, formed + 1, 600_000, events));
      }),
      budget(6),
    );
  });

  it('one crash every 10 min, each replaced by a new member, never leaves the cluster unsettled', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        // Slots 4, 3, 2 crash first, then the replacements 5, 6, 7 in turn; 8, 9, 10 replace the last three.
        const victims = [4, 3, 2, 5, 6, 7];
        const events: ScenarioEvent[] = [];
        victims.forEach((victim, round) => {
          const at = 60_000 + round * 600_000;
          events.push({ atMs: at, kind: 'crash', slot: victim });
          events.push({ atMs: at + 30_000, kind: 'join', slot: 5 + round });
        });
        expectEverySettled(formedCluster(seed, 5, 11, 4_200_000, events));
      }),
      budget(2),
    );
  });

  it('an old member that joins its side’s joiner during an even split does not make its side settle', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const spec = buildScenario('split-joins', { seed });
        const partition = spec.events.find((event) => event.kind === 'partition');
        const joins = spec.events.filter((event) => event.kind === 'join');
        if (partition?.kind !== 'partition' || joins.length !== 2)
          throw new Error('split-joins changed shape');
        const groupA = new Set(partition.groupA);
        const members = spec.bootstrap.nodes;
        const [joinerA, joinerB] = joins.map((event) => (event.kind === 'join' ? event.slot : -1));
        const oldA = [...groupA].find((slot) => slot < members) as number;
        const oldB = [...Array(members).keys()].find((slot) => !groupA.has(slot)) as number;
        const { report } = runScenario(spec, {
          onStart: (sim) => {
            // The discovery layer does this for any peer it finds that it does not hold live.
            sim.at((joins[0]?.atMs ?? 0) + 3_000, () => {
              for (const [member, joiner] of [
                [oldA, joinerA],
                [oldB, joinerB],
              ] as const) {
                const core = sim.slot(member).core;
                if (sim.slot(member).status === 'running' && joiner !== undefined)
                  core?.join([sim.slot(joiner).address], sim.coreNow);
              }
            });
          },
        });
        expect(report.converged).toBe(true);
      }),
      budget(3),
    );
  });
});
