/**
 * The faults of the agreement work, each a named scenario, drawn over seeds
 * and fault lengths by fast-check: no healthy, reachable member is declared
 * dead, the views agree at the end, and the overlap invariant (two settled
 * nodes never own one index for longer than a few link delays) holds
 * throughout, since every run has its checkers on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import { viewDelayMs } from '../../src/core/formulas.js';
import { disseminationBoundMs } from '../../src/sim/bounds.js';
import { runScenario, type SimulationReport } from '../../src/sim/scenario.js';
import { buildScenario, type ScenarioName, type ScenarioParams } from '../../src/sim/scenarios.js';

const seedText = process.env.MESHNODE_FC_SEED;
const fcSeed = seedText === 'random' ? undefined : Number(seedText ?? 20_261_201);
const runsFactor = Number(process.env.MESHNODE_FC_RUNS ?? 1);
function budget(numRuns: number): { numRuns: number; seed?: number } {
  const runs = Math.max(1, Math.round(numRuns * runsFactor));
  return fcSeed === undefined ? { numRuns: runs } : { numRuns: runs, seed: fcSeed };
}

const lan = resolveConfig({}, 'lan');
const seedArb = fc.integer({ min: 1, max: 1_000_000 });

function run(name: ScenarioName, params: ScenarioParams): SimulationReport {
  return runScenario(buildScenario(name, params)).report;
}

/** After a heal: one reconnect attempt (the interval +10% jitter), the news spreading, the view delay twice. */
function reconnectHealBoundMs(nodes: number): number {
  return (
    1.1 * lan.reconnectIntervalMs + disseminationBoundMs(lan, nodes) + 2 * viewDelayMs(lan.viewDelayMs, nodes)
  );
}

describe('agreement under faults (simulated, lan preset)', () => {
  it('a 4|4 partition of any length, 10 s to 6 h, heals into one view within the reconnect bound', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom(10_000, 150_000, 3_600_000, 21_600_000), (seed, faultMs) => {
        const report = run('long-partition', { seed, faultMs });
        expect(report.converged).toBe(true);
        expect(report.recoveryMs).not.toBeNull();
        expect(report.recoveryMs as number).toBeLessThanOrEqual(reconnectHealBoundMs(8));
        expect(report.falsePositives).toBe(0);
      }),
      budget(6),
    );
  });

  it('a restart within half a period with the same id and 4 threads reaches every view', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 4, max: 12 }), (seed, nodes) => {
        const report = run('fast-restart', { seed, nodes });
        expect(report.converged).toBe(true);
        expect(report.distinctViews).toBe(1);
        expect(report.falsePositives).toBe(0);
      }),
      budget(6),
    );
  });

  it('one node at 80% loss for 120 P evicts no healthy member', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const report = run('lossy-node', { seed, nodes: 20, faultMs: 120 * lan.probeIntervalMs });
        expect(report.falsePositives).toBe(0);
        expect(report.converged).toBe(true);
      }),
      budget(3),
    );
  });

  it('a node back from a 30, 60 or 120 s cut gets no healthy member evicted', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom(30_000, 60_000, 120_000), (seed, faultMs) => {
        const report = run('isolated-return', { seed, nodes: 20, faultMs });
        expect(report.falsePositives).toBe(0);
        expect(report.converged).toBe(true);
      }),
      budget(4),
    );
  });

  it('a link flapping 20 s down / 20 s up evicts no healthy member, and one view follows', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const report = run('flapping-link', { seed, nodes: 20 });
        expect(report.falsePositives).toBe(0);
        expect(report.converged).toBe(true);
      }),
      budget(3),
    );
  });

  it('a node frozen for 40 s resumes, is re-admitted, and never vouches for a stale index', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 3, max: 16 }), (seed, nodes) => {
        const report = run('pause', { seed, nodes });
        expect(report.converged).toBe(true);
        expect(report.falsePositives).toBe(0);
      }),
      budget(5),
    );
  });

  it("a second process with a live member's id is refused; the member keeps its place and its incarnation", () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 4, max: 12 }), (seed, nodes) => {
        // nodes - 1 members and, in the last slot, a second process with one of their ids.
        const spec = buildScenario('duplicate-id', { seed, nodes });
        const impostor = spec.events.find((event) => event.kind === 'impostor');
        if (impostor?.kind !== 'impostor') throw new Error('the scenario has no impostor');
        let victimId = '';
        const incarnations: number[] = [];
        const refused: number[] = [];
        const victimEvents: string[] = [];
        const { report } = runScenario(spec, {
          onStart: (sim) => {
            const victim = sim.slot(impostor.asSlot);
            victimId = victim.id;
            sim.at(impostor.atMs - 1, () =>
              incarnations.push(victim.core?.member(victimId)?.incarnation ?? -1),
            );
          },
          listeners: [
            {
              lifecycle: (slot, change) => {
                if (change === 'refused') refused.push(slot);
              },
              coreEvent: (slot, event, now) => {
                if (event.type !== 'member' || now < impostor.atMs || slot === impostor.slot) return;
                if (event.member.id === victimId) victimEvents.push(event.kind);
              },
            },
          ],
          onFinish: (sim) =>
            incarnations.push(sim.slot(impostor.asSlot).core?.member(victimId)?.incarnation ?? -2),
        });
        expect(refused).toEqual([impostor.slot]);
        // Observers saw no join, leave or fail of the real member, and its incarnation did not climb.
        expect(victimEvents.filter((kind) => kind === 'join' || kind === 'leave' || kind === 'fail')).toEqual(
          [],
        );
        expect(incarnations[1]).toBe(incarnations[0]);
        expect(report.refutations).toBe(0);
        expect(report.falsePositives).toBe(0);
        expect(report.converged).toBe(true);
        expect(report.liveNodes).toBe(nodes - 1);
      }),
      budget(5),
    );
  });
});
