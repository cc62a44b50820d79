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

  it('a node that joins one side of a split, 10 s to 1 h long, is in every view within the reconnect bound after the heal', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom(10_000, 150_000, 3_600_000), (seed, faultMs) => {
        const report = run('partition-join', { seed, faultMs });
        // Converged: one view on every live node, holding every live node, the joiner among them.
        expect(report.converged).toBe(true);
        expect(report.liveNodes).toBe(9);
        expect(report.recoveryMs).not.toBeNull();
        expect(report.recoveryMs as number).toBeLessThanOrEqual(reconnectHealBoundMs(9));
        expect(report.falsePositives).toBe(0);
      }),
      budget(6),
    );
  });

  it('with one node joining each side of an even split, 10 s to 1 h long, no two settled nodes ever own one index, and all meet after the heal', () => {
    fc.assert(
      fc.property(seedArb, fc.constantFrom(10_000, 150_000, 3_600_000), (seed, faultMs) => {
        // The overlap invariant fails the run (it throws) the moment both sides settle on one index.
        const report = run('split-joins', { seed, faultMs });
        expect(report.converged).toBe(true);
        expect(report.liveNodes).toBe(10);
        expect(report.recoveryMs).not.toBeNull();
        expect(report.recoveryMs as number).toBeLessThanOrEqual(reconnectHealBoundMs(10));
        expect(report.falsePositives).toBe(0);
      }),
      budget(6),
    );
  });

  it('a node that joins a split with every seed on the far side is in every view within the reconnect bound after the heal', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.constantFrom(10_000, 150_000, 3_600_000),
        fc.integer({ min: 3, max: 7 }),
        (seed, faultMs, companion) => {
          const spec = buildScenario('partition-join', { seed, faultMs });
          // The three seeds and one other member on side A; the joiner (slot 8) is on side B
          // with the rest, so its join can only succeed after the heal, by its retries.
          const events = spec.events.map((event) =>
            event.kind === 'partition' ? { ...event, groupA: [0, 1, 2, companion] } : event,
          );
          const report = runScenario({ ...spec, events }).report;
          expect(report.converged).toBe(true);
          expect(report.liveNodes).toBe(9);
          expect(report.recoveryMs).not.toBeNull();
          expect(report.recoveryMs as number).toBeLessThanOrEqual(reconnectHealBoundMs(9));
          expect(report.falsePositives).toBe(0);
        },
      ),
      budget(6),
    );
  });

  it('a node cut off past tombstone retention while another member crashes is settled again after its return', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const spec = buildScenario('isolated-return', { seed, nodes: 12, faultMs: 600_000 });
        const partition = spec.events.find((event) => event.kind === 'partition');
        const isolated = partition?.kind === 'partition' ? partition.groupA[0] : undefined;
        // A member other than the isolated node and the seeds crashes during the cut.
        const crashed = isolated === 5 ? 6 : 5;
        const events = [...spec.events, { atMs: 100_000, kind: 'crash' as const, slot: crashed }].sort(
          (a, b) => a.atMs - b.atMs,
        );
        const unsettled: number[] = [];
        const { report } = runScenario(
          { ...spec, events },
          {
            onFinish: (sim) => {
              for (let slot = 0; slot < spec.nodes; slot++) {
                const state = sim.slot(slot);
                if (state.status === 'running' && state.core?.settled !== true) unsettled.push(slot);
              }
            },
          },
        );
        expect(report.converged).toBe(true);
        // The returning members are ones it vouched for: one crash among them must not hold it back.
        expect(unsettled).toEqual([]);
      }),
      budget(4),
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

/**
 * Partitions that once left two settled nodes owning one index: each side
 * agreed with itself while a member of the other side, not yet probed by
 * anyone since the cut, still sat in its view (or a member cut off one way
 * sat in both). Every run has the overlap checker on, so each must end
 * without a SimulationError.
 */
const overlapSeeds = [
  { nodes: 9, seed: 878_201_856, cut: [0, 1, 2, 8], oneWay: false, atMs: 8870, durationMs: 69_128 },
  { nodes: 10, seed: 115_833_760, cut: [9, 6, 1, 2, 5, 3], oneWay: true, atMs: 7650, durationMs: 25_837 },
  { nodes: 8, seed: 491_396_352, cut: [5, 7, 3], oneWay: true, atMs: 5172, durationMs: 30_172 },
  { nodes: 8, seed: 32_484_480, cut: [0, 1, 2], oneWay: true, atMs: 9950, durationMs: 7545 },
  { nodes: 7, seed: 18_218_240, cut: [1, 3, 6, 4], oneWay: true, atMs: 5868, durationMs: 19_975 },
  { nodes: 10, seed: 219_122_633, cut: [4, 0, 3, 1], oneWay: false, atMs: 3000, durationMs: 14_610 },
];

describe('settled during and after a partition (simulated, lan preset)', () => {
  it.each(overlapSeeds)('no two settled nodes own one index: $nodes nodes, seed $seed', (fault) => {
    const { report } = runScenario({
      name: 'settled-overlap',
      nodes: fault.nodes,
      seed: fault.seed,
      preset: 'lan',
      durationMs: fault.atMs + fault.durationMs + 60_000,
      windowStartMs: 0,
      bootstrap: { mode: 'preloaded', nodes: fault.nodes, spreadMs: 0 },
      seeds: [0],
      events: [
        {
          atMs: fault.atMs,
          kind: 'partition',
          groupA: fault.cut,
          oneWay: fault.oneWay,
          durationMs: fault.durationMs,
        },
      ],
    });
    expect(report.converged).toBe(true);
    expect(report.falsePositives).toBe(0);
  });
});
