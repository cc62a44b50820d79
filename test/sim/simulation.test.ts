import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.js';
import type { NetworkOptions } from '../../src/sim/network.js';
import { Simulation, SimulationError, type SimulationOptions } from '../../src/sim/simulation.js';
import { TraceHash } from '../../src/sim/trace.js';
import { type FakeCore, type FakeOptions, fakeFactory } from './fake-core.js';

/** Every one-way delay is exactly 1 ms. */
const exact: NetworkOptions = {
  latency: { baseMs: 1, linkSpreadMs: 0, jitterMeanMs: 0 },
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMs: 0,
};

function setup(
  nodes: number,
  overrides: Partial<SimulationOptions> = {},
  fake: FakeOptions = {},
): { sim: Simulation; core: (slot: number) => FakeCore; cores: Map<string, FakeCore[]> } {
  const { factory, cores } = fakeFactory(fake);
  const sim = new Simulation({
    nodes,
    seed: 42,
    config: resolveConfig({}, 'lan'),
    network: exact,
    createCore: factory,
    describe: 'unit test',
    ...overrides,
  });
  const core = (slot: number): FakeCore => sim.slot(slot).core as FakeCore;
  return { sim, core, cores };
}

describe('Simulation', () => {
  it('gives slots stable, sortable ids and unique addresses', () => {
    const { sim } = setup(3);
    expect(sim.slots.map((s) => s.id)).toEqual(['n0000', 'n0001', 'n0002']);
    expect(sim.slots.map((s) => s.address)).toEqual(['10.0.0.1:7946', '10.0.0.2:7946', '10.0.0.3:7946']);
    expect(sim.slotOfAddress('10.0.0.2:7946')).toBe(1);
    expect(sim.slotOfAddress('10.9.9.9:1')).toBe(-1);
  });

  it('delivers a datagram after the link delay and hands the core whole milliseconds', () => {
    const { sim, core } = setup(2, {
      network: { ...exact, latency: { baseMs: 1.5, linkSpreadMs: 0, jitterMeanMs: 0 } },
    });
    sim.start(0);
    sim.start(1);
    sim.at(0, () => core(0).ping(sim.slot(1).address));
    sim.runUntil(10);
    expect(core(1).log).toContain('1 ping from 10.0.0.1:7946');
    expect(core(0).log).toContain('3 ack from 10.0.0.2:7946');
  });

  it('fires timers at their time, and a crash discards the old life’s timers and input', () => {
    const { sim, cores } = setup(2);
    sim.start(0);
    sim.start(1);
    const first = cores.get('n0000')?.[0] as FakeCore;
    sim.at(0, () => {
      first.timer(5);
      first.timer(10);
    });
    sim.at(7, () => sim.crash(0));
    sim.at(7, () => (sim.slot(1).core as FakeCore).ping(sim.slot(0).address));
    // The ping lands at 8 while the slot is down; the restart comes at 9.
    sim.at(9, () => sim.start(0));
    sim.runUntil(20);
    const second = cores.get('n0000')?.[1] as FakeCore;
    expect(first.log.filter((l) => l.includes('timer'))).toEqual(['5 timer 1']);
    expect(first.log).toContain('stop');
    expect(second.log).toEqual(['9 start']);
    expect(sim.slot(0).starts).toBe(2);
  });

  it('defers a paused node’s timers and packets to the resume, timers first', () => {
    const { sim, core } = setup(2);
    sim.start(0);
    sim.start(1);
    sim.at(0, () => core(1).timer(3));
    sim.at(0.5, () => sim.pause(1, 10));
    sim.at(1, () => core(0).ping(sim.slot(1).address));
    sim.runUntil(20);
    const log = core(1).log.filter((l) => !l.includes('start'));
    expect(log).toEqual(['10 timer 1', '10 ping from 10.0.0.1:7946']);
    expect(core(0).log).toContain('11 ack from 10.0.0.2:7946');
  });

  it('drops datagrams beyond a paused node’s buffer and counts them', () => {
    const { sim, core } = setup(2, { pauseBufferPackets: 2 });
    sim.start(0);
    sim.start(1);
    sim.at(0, () => sim.pause(1, 10));
    sim.at(1, () => {
      for (let i = 0; i < 5; i++) core(0).ping(sim.slot(1).address);
    });
    sim.runUntil(20);
    expect(core(1).log.filter((l) => l.includes('ping'))).toHaveLength(2);
    expect(sim.pauseOverflows).toBe(3);
  });

  it('runs a sync exchange: the target merges first, the initiator gets the answer', () => {
    const { sim, core } = setup(2);
    sim.start(0);
    sim.at(0, () => sim.start(1, { seeds: [sim.slot(0).address] }));
    sim.runUntil(10);
    // Handshake plus request: three one-way delays; the answer: one more.
    expect(core(0).log).toContain('3 state from 10.0.0.2:7946 (1 members, join true)');
    expect(core(1).log).toContain('4 state from 10.0.0.1:7946 (2 members, join false)');
  });

  it('fails a sync at once to a dead host, and after the timeout across a partition', () => {
    const { sim, core } = setup(3, { syncTimeoutMs: 500 });
    sim.start(0);
    sim.start(2);
    sim.at(1, () => sim.start(1, { seeds: [sim.slot(2).address] }));
    sim.at(0, () => sim.partition({ groupA: [1], groupB: [2] }));
    sim.runUntil(1000);
    expect(core(1).log).toContain('501 sync failed 10.0.0.3:7946 join true');
    // A crashed host refuses the connection: one round trip.
    const { sim: sim2, core: core2 } = setup(2, { syncTimeoutMs: 500 });
    sim2.start(1);
    sim2.at(5, () => sim2.start(0, { seeds: [sim2.slot(1).address] }));
    sim2.at(1, () => sim2.crash(1));
    sim2.runUntil(1000);
    expect(core2(0).log).toContain('7 sync failed 10.0.0.2:7946 join true');
  });

  it('completes a sync with a paused target once it resumes', () => {
    const { sim, core } = setup(2, { syncTimeoutMs: 500 });
    sim.start(0);
    sim.at(0, () => sim.pause(0, 100));
    sim.at(1, () => sim.start(1, { seeds: [sim.slot(0).address] }));
    sim.runUntil(1000);
    expect(core(0).log).toContain('100 state from 10.0.0.2:7946 (1 members, join true)');
    expect(core(1).log).toContain('101 state from 10.0.0.1:7946 (2 members, join false)');
  });

  it('delivers every stream packet through loss, late, but none through a partition', () => {
    const { sim, core } = setup(3, { network: { ...exact, lossProbability: 0.3 } });
    for (let slot = 0; slot < 3; slot++) sim.start(slot);
    sim.at(0, () => {
      for (let i = 0; i < 20; i++) {
        core(0).ping(sim.slot(1).address);
        core(0).ping(sim.slot(1).address, 'stream');
      }
      sim.partition({ groupA: [0], groupB: [2] });
      core(0).ping(sim.slot(2).address, 'stream');
    });
    sim.runUntil(60_000);
    const received = core(1).log.filter((l) => l.includes('ping'));
    const streams = received.filter((l) => l.endsWith('(stream)'));
    expect(streams).toHaveLength(20);
    // Three one-way delays without loss; a lost segment costs a 200 ms or 1 s retransmission timeout.
    expect(streams.filter((l) => l.startsWith('3 '))).not.toHaveLength(20);
    expect(received.length - streams.length).toBeLessThan(20);
    expect(core(2).log.filter((l) => l.includes('ping'))).toEqual([]);
  });

  it('stops a leaving node once its core reports leave-done', () => {
    const { sim, core } = setup(2);
    sim.start(0);
    sim.start(1);
    const leaver = core(1);
    sim.at(5, () => sim.leave(1));
    sim.at(5, () => expect(sim.slot(1).status).toBe('leaving'));
    sim.at(6, () => core(0).ping(sim.slot(1).address));
    sim.runUntil(20);
    expect(sim.slot(1).status).toBe('left');
    expect(leaver.log).toEqual(['0 start', '5 leave', 'stop']);
  });

  it('stops with the seed and scenario when the codec rejects a packet', () => {
    const { sim, core } = setup(2, { replay: 'meshnode simulate --scenario x --seed 42' });
    sim.start(0);
    sim.start(1);
    sim.at(1, () =>
      core(0).host.send(sim.slot(1).address, [{ type: 'ack', seq: -5, viewId: 0 }], 'datagram'),
    );
    let caught: unknown;
    try {
      sim.runUntil(10);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SimulationError);
    const error = caught as SimulationError;
    expect(error.seed).toBe(42);
    expect(error.message).toMatch(/seed 42, unit test\): the codec rejected a packet from n0000 to n0001/);
    expect(error.message).toMatch(/replay: meshnode simulate --scenario x --seed 42/);
  });

  it('stops with context when a core throws or sends an empty packet', () => {
    const { sim, core } = setup(1, {}, { throwAtMs: 3 });
    sim.start(0);
    sim.at(0, () => core(0).timer(3));
    expect(() => sim.runUntil(10)).toThrow(
      /seed 42.*core of n0000 threw in handleTimer: Error: fake core exploded/s,
    );
    const second = setup(2);
    second.sim.start(0);
    second.sim.at(0, () => second.core(0).host.send('10.0.0.2:7946', [], 'datagram'));
    expect(() => second.sim.runUntil(10)).toThrow(/n0000 sent an empty packet/);
  });

  it('replays the same trace from the same seed', () => {
    const run = (seed: number): string => {
      const { sim } = setup(
        5,
        {
          seed,
          network: {
            latency: { baseMs: 0.2, linkSpreadMs: 0.5, jitterMeanMs: 0.3 },
            lossProbability: 0.2,
            duplicateProbability: 0.1,
            reorderProbability: 0.1,
            reorderDelayMs: 5,
          },
        },
        { tickMs: 50 },
      );
      const trace = new TraceHash();
      sim.addListener(trace);
      const members = sim.slots.map((s) => ({
        id: s.id,
        address: s.address,
        incarnation: 0,
        state: 'alive' as const,
        threads: 1,
        metadata: {},
      }));
      for (let slot = 0; slot < 5; slot++) sim.start(slot, { initialMembers: members });
      sim.at(300, () => sim.pause(2, 200));
      sim.at(400, () => sim.crash(3));
      sim.runUntil(2000);
      return trace.value;
    };
    expect(run(9)).toBe(run(9));
    expect(run(9)).not.toBe(run(10));
  });
});
