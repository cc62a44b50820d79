/**
 * The invariant checkers on cores that misbehave on purpose: a stand-in that
 * holds members in whatever state the test sets and reports it as a core would.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import type { MeshCoreOptions } from '../../src/core/core.js';
import type { Member, MemberState } from '../../src/core/types.js';
import { Invariants } from '../../src/sim/checkers.js';
import type { NetworkOptions } from '../../src/sim/network.js';
import { Simulation } from '../../src/sim/simulation.js';
import { FakeCore } from './fake-core.js';

const exact: NetworkOptions = {
  latency: { baseMs: 1, linkSpreadMs: 0, jitterMeanMs: 0 },
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMs: 0,
};

/** A fake core whose view of other members the test sets, with a member event for each change. */
class HoldingCore extends FakeCore {
  readonly held = new Map<string, Member>();

  constructor(options: MeshCoreOptions) {
    super(options, {});
  }

  hold(id: string, state: MemberState, incarnation: number, kind: 'fail' | 'join' | 'update' | 'reap'): void {
    const member = { ...(this.member(id) as Member), state, incarnation };
    if (kind === 'reap') this.held.delete(id);
    else this.held.set(id, member);
    this.host.notify({ type: 'member', kind, member });
  }

  override member(id: string): Member | undefined {
    return this.held.get(id) ?? super.member(id);
  }

  override members(): Member[] {
    return super.members().map((member) => this.held.get(member.id) ?? member);
  }
}

function setup(nodes: number, config = resolveConfig({}, 'lan'), pairTrackingMax = 256) {
  const sim = new Simulation({
    nodes,
    seed: 3,
    config,
    network: exact,
    createCore: (options) => new HoldingCore(options),
    describe: 'checker test',
  });
  sim.addListener(
    new Invariants(sim, undefined, { deepCheckMs: 1000, deepCheckNodes: nodes, pairTrackingMax }),
  );
  const members = sim.slots.map((slot) => ({
    id: slot.id,
    address: slot.address,
    incarnation: 0,
    state: 'alive' as const,
    threads: 1,
    metadata: {},
  }));
  sim.at(0, () => {
    for (let slot = 0; slot < nodes; slot++) sim.start(slot, { initialMembers: members });
  });
  const core = (slot: number): HoldingCore => sim.slot(slot).core as HoldingCore;
  return { sim, core, members };
}

describe('Invariants', () => {
  it('fails a node that keeps a tombstone past retention and slack, not one that reaps it', () => {
    const config = resolveConfig({ tombstoneRetentionMs: 1000, gossipToTheDeadMs: 500 }, 'lan');
    const { sim, core } = setup(3, config);
    sim.at(10, () => core(0).hold('n0002', 'dead', 0, 'fail'));
    sim.at(10, () => core(1).hold('n0002', 'dead', 0, 'fail'));
    sim.at(900, () => core(1).hold('n0002', 'dead', 0, 'reap'));
    // Retention 1 s plus 10 s of slack: the deep check at 12 s finds it.
    sim.runUntil(11_500);
    expect(() => sim.runUntil(13_000)).toThrow(/n0000 still holds a dead tombstone for n0002 after 11990 ms/);
  });

  it('fails an observer that brings a member back alive at the incarnation it held dead', () => {
    const { sim, core } = setup(3, undefined, 0);
    sim.at(10, () => core(0).hold('n0002', 'dead', 4, 'fail'));
    sim.at(20, () => core(0).hold('n0002', 'alive', 4, 'update'));
    expect(() => sim.runUntil(100)).toThrow(/n0000 sees n0002 alive at incarnation 4 .* dead or left at 4/);
  });

  it('forgets what an observer held once it restarts, however large the cluster', () => {
    // pairTrackingMax 0: the large-cluster mode, without per-pair incarnations.
    const { sim, core, members } = setup(3, undefined, 0);
    sim.at(10, () => core(0).hold('n0002', 'dead', 4, 'fail'));
    sim.at(20, () => sim.crash(0));
    sim.at(30, () => sim.start(0, { initialMembers: members }));
    // A fresh core knows nothing of the old one's tombstones.
    sim.at(40, () => core(0).hold('n0002', 'alive', 0, 'join'));
    expect(() => sim.runUntil(5000)).not.toThrow();
  });

  it('fails a node that holds more members than membersMax', () => {
    const { sim } = setup(3, resolveConfig({ membersMax: 2 }, 'lan'));
    expect(() => sim.runUntil(1500)).toThrow(/n0000 holds 3 members, over membersMax 2/);
  });
});
