/**
 * The named scenarios behind `meshnode simulate` and simulations/. Each
 * builder turns (nodes, seed, loss, preset, lifeguard) into a ScenarioSpec;
 * its random choices (which node crashes, the churn timeline) come from a
 * generator seeded with the run seed, so a name and a seed fix the whole run.
 * Times scale with the probe interval P, so the presets keep their meaning.
 */
import { msgpackWireFormat } from '../codec/index.js';
import { type PresetName, type ProtocolConfig, resolveConfig } from '../core/config.js';
import { randomInt, SeededRandom, shuffle } from '../core/random.js';
import { disseminationBoundMs, healBoundMs, suspicionMaxMs, suspicionMinMs } from './bounds.js';
import type { ScenarioEvent, ScenarioSpec } from './scenario.js';
import { deriveSeed } from './simulation.js';

/** The knobs every named scenario takes; unset ones use the scenario's defaults. */
export interface ScenarioParams {
  readonly nodes?: number;
  readonly seed?: number;
  /** Datagram loss probability for the whole run (default 0; `lossy` defaults to 0.05). */
  readonly loss?: number;
  readonly preset?: PresetName;
  /** false: awarenessMaxMultiplier 1 and suspicionMaxTimeoutMult 1 (Lifeguard off). Default true. */
  readonly lifeguard?: boolean;
  /** Further protocol config overrides. */
  readonly config?: Partial<ProtocolConfig>;
  /** Virtual duration override in ms. */
  readonly durationMs?: number;
  /** Length of the scenario's fault (a partition, a cut, a pause, a lossy spell) in ms, where it has one. */
  readonly faultMs?: number;
}

/** A named scenario's one-line summary and default size, for listings and help. */
export interface ScenarioInfo {
  readonly name: ScenarioName;
  readonly summary: string;
  readonly defaultNodes: number;
}

/** The named scenarios, as `meshnode simulate --scenario` takes them. */
export const scenarioNames = [
  'crash',
  'leave',
  'join-storm',
  'churn',
  'lossy',
  'partition-heal',
  'slow-node',
  'large-cluster',
  'long-partition',
  'partition-join',
  'split-joins',
  'fast-restart',
  'lossy-node',
  'isolated-return',
  'flapping-link',
  'pause',
  'duplicate-id',
  'user-event',
] as const;

/** One of `scenarioNames`. */
export type ScenarioName = (typeof scenarioNames)[number];

/** Summary and default size of each named scenario. */
export const scenarioInfo: Readonly<Record<ScenarioName, ScenarioInfo>> = {
  crash: { name: 'crash', summary: 'a formed cluster; one node crashes at 10 P', defaultNodes: 100 },
  leave: {
    name: 'leave',
    summary: 'a formed cluster; one node leaves gracefully at 10 P',
    defaultNodes: 100,
  },
  'join-storm': {
    name: 'join-storm',
    summary: 'every node joins through one seed within the first P',
    defaultNodes: 100,
  },
  churn: {
    name: 'churn',
    summary: 'crashes, restarts, leaves and joins every few P for 60 P, then quiet',
    defaultNodes: 50,
  },
  lossy: {
    name: 'lossy',
    summary: 'a formed cluster on a lossy network (default 5%) for 120 P',
    defaultNodes: 100,
  },
  'partition-heal': {
    name: 'partition-heal',
    summary: 'the cluster splits in two until both sides declare the other dead, then heals',
    defaultNodes: 50,
  },
  'slow-node': {
    name: 'slow-node',
    summary: '1% of the nodes (at least one) are overloaded (input 0.5-1.5 P late) or stall, on and off',
    defaultNodes: 100,
  },
  'large-cluster': {
    name: 'large-cluster',
    summary: 'a formed cluster; a metadata update and a crash at 10 P; 60 P',
    defaultNodes: 1000,
  },
  'long-partition': {
    name: 'long-partition',
    summary: 'a 4|4 split for 150 P (--fault-ms), longer than tombstone retention on lan, then healed',
    defaultNodes: 8,
  },
  'partition-join': {
    name: 'partition-join',
    summary:
      'a split for 150 P (--fault-ms); halfway through, the last slot joins through the seeds its side can reach; then healed',
    defaultNodes: 9,
  },
  'split-joins': {
    name: 'split-joins',
    summary:
      'a 4|4 split for 150 P (--fault-ms); halfway through, one node joins each side through the seeds it can reach; then healed',
    defaultNodes: 10,
  },
  'fast-restart': {
    name: 'fast-restart',
    summary: 'one node crashes at 10 P and restarts 0.5 P later with the same id, 4 threads and new metadata',
    defaultNodes: 8,
  },
  'lossy-node': {
    name: 'lossy-node',
    summary: "one node's own link loses 80% of its datagrams for 300 P (the Rapid paper's case)",
    defaultNodes: 50,
  },
  'isolated-return': {
    name: 'isolated-return',
    summary: 'one node is cut off from all others for 60 P (--fault-ms), then returns',
    defaultNodes: 50,
  },
  'flapping-link': {
    name: 'flapping-link',
    summary: "one node's link to all others goes down 20 P (--fault-ms), up 20 P, three times over",
    defaultNodes: 50,
  },
  pause: {
    name: 'pause',
    summary: 'one node is frozen for 40 P (a GC pause or SIGSTOP), longer than the suspicion timeout',
    defaultNodes: 16,
  },
  'duplicate-id': {
    name: 'duplicate-id',
    summary: "the last slot starts at 10 P under a live member's id, at its own address, and tries to join",
    defaultNodes: 8,
  },
  'user-event': {
    name: 'user-event',
    summary:
      'a formed cluster; one node sends a 64-byte user event at 10 P; who hears it, when, at what cost',
    defaultNodes: 1000,
  },
};

/** What the user-event scenario sends: a name and a payload of a typical size (a deploy id, a short JSON). */
export const SIM_USER_EVENT = { name: 'sim-deploy', payloadBytes: 64 } as const;

/** True when `name` is one of `scenarioNames` (for parsing user input). */
export function isScenarioName(name: string): name is ScenarioName {
  return (scenarioNames as readonly string[]).includes(name);
}

/** Lifeguard off: no local-health stretching, suspicion timeouts fixed at the minimum. */
export const lifeguardOff: Partial<ProtocolConfig> = {
  awarenessMaxMultiplier: 1,
  suspicionMaxTimeoutMult: 1,
};

interface Context {
  readonly name: ScenarioName;
  readonly nodes: number;
  readonly seed: number;
  readonly preset: PresetName;
  readonly config: Partial<ProtocolConfig>;
  readonly resolved: ProtocolConfig;
  readonly loss: number;
  readonly random: SeededRandom;
  /** Probe interval: the unit of scenario time. */
  readonly p: number;
  readonly faultMs: number | undefined;
}

/** Builds the spec of a named scenario. */
export function buildScenario(name: ScenarioName, params: ScenarioParams = {}): ScenarioSpec {
  const nodes = params.nodes ?? scenarioInfo[name].defaultNodes;
  if (!Number.isInteger(nodes) || nodes < 1)
    throw new RangeError(`nodes must be an integer >= 1, got ${nodes}`);
  const seed = params.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`seed must be an integer in 0..4294967295, got ${seed}`);
  }
  const loss = params.loss ?? (name === 'lossy' ? 0.05 : 0);
  if (!(loss >= 0 && loss < 1)) throw new RangeError(`loss must be in [0, 1), got ${loss}`);
  if (params.faultMs !== undefined && !(Number.isInteger(params.faultMs) && params.faultMs > 0)) {
    throw new RangeError(`faultMs must be an integer > 0, got ${params.faultMs}`);
  }
  const preset = params.preset ?? 'lan';
  const config = { ...(params.lifeguard === false ? lifeguardOff : {}), ...params.config };
  const resolved = resolveConfig(config, preset, msgpackWireFormat);
  const context: Context = {
    name,
    nodes,
    seed,
    preset,
    config,
    resolved,
    loss,
    random: new SeededRandom(deriveSeed(seed, 0x5c3e)),
    p: resolved.probeIntervalMs,
    faultMs: params.faultMs,
  };
  const spec = builders[name](context);
  return params.durationMs === undefined ? spec : { ...spec, durationMs: params.durationMs };
}

function base(c: Context, durationMs: number, events: ScenarioEvent[]): ScenarioSpec {
  return {
    name: c.name,
    nodes: c.nodes,
    seed: c.seed,
    preset: c.preset,
    config: c.config,
    network: { lossProbability: c.loss },
    durationMs: Math.round(durationMs),
    windowStartMs: 5 * c.p,
    bootstrap: { mode: 'preloaded', nodes: c.nodes, spreadMs: 0 },
    seeds: seedSlots(c.nodes),
    events,
  };
}

function seedSlots(nodes: number): number[] {
  return [0, 1, 2].filter((slot) => slot < nodes);
}

/** A random slot that is not a seed (when there is one). */
function victim(c: Context, nodes = c.nodes): number {
  const seeds = seedSlots(nodes).length;
  return nodes > seeds ? seeds + randomInt(c.random, nodes - seeds) : nodes - 1;
}

/** Time to let a crash be detected everywhere, with room to spare. */
function detectionWindowMs(c: Context, nodes: number): number {
  return suspicionMaxMs(c.resolved, nodes) + disseminationBoundMs(c.resolved, nodes) + 20 * c.p;
}

/** After a fault heals: a reconnect attempt, a sync, the view delay, settling, and slack. */
function healAfterReconnectMs(c: Context): number {
  return healBoundMs(c.resolved, c.nodes) + c.resolved.settleQuietMs;
}

const builders: Readonly<Record<ScenarioName, (c: Context) => ScenarioSpec>> = {
  crash(c) {
    const at = 10 * c.p;
    return {
      ...base(c, at + detectionWindowMs(c, c.nodes), [{ atMs: at, kind: 'crash', slot: victim(c) }]),
      dissemination: 'dead',
    };
  },

  leave(c) {
    const at = 10 * c.p;
    const settle =
      disseminationBoundMs(c.resolved, c.nodes) + c.resolved.viewDelayMs * 2 + c.resolved.settleQuietMs;
    return {
      ...base(c, at + settle + 20 * c.p, [{ atMs: at, kind: 'leave', slot: victim(c) }]),
      dissemination: 'left',
    };
  },

  'join-storm'(c) {
    return {
      ...base(c, 60 * c.p, [
        { atMs: 30 * c.p, kind: 'metadata', slot: c.nodes - 1, metadata: { probe: '1' }, track: true },
      ]),
      bootstrap: { mode: 'join', nodes: c.nodes, spreadMs: c.p },
      seeds: [0],
      // The join storm itself is what this scenario measures.
      windowStartMs: 0,
      dissemination: 'metadata',
    };
  },

  churn(c) {
    // Spare slots for newcomers: a fifth of the cluster.
    const initial = c.nodes;
    const slots = initial + Math.max(1, Math.ceil(initial / 5));
    const seeds = seedSlots(initial);
    const up = new Set<number>();
    for (let slot = 0; slot < initial; slot++) up.add(slot);
    // Crashed or left slots and since when; one comes back only once the
    // cluster has had time to declare it (so detection is measured too).
    const down = new Map<number, number>();
    const backAfterMs = suspicionMinMs(c.resolved, slots) + 8 * c.p;
    let nextSpare = initial;
    const events: ScenarioEvent[] = [];
    const start = 10 * c.p;
    const end = 70 * c.p;
    for (let t = start; t < end; t += c.p * (2 + randomInt(c.random, 4))) {
      const candidates = [...up].filter((slot) => !seeds.includes(slot));
      const returning = [...down].filter(([, since]) => t - since >= backAfterMs).map(([slot]) => slot);
      const roll = randomInt(c.random, 4);
      const canRemove = candidates.length > 0 && up.size > Math.max(2, Math.ceil(initial / 2));
      if ((roll === 0 || roll === 1) && canRemove) {
        const slot = candidates[randomInt(c.random, candidates.length)] as number;
        events.push({ atMs: t, kind: roll === 0 ? 'crash' : 'leave', slot });
        up.delete(slot);
        down.set(slot, t);
      } else if (roll === 2 && returning.length > 0) {
        const slot = returning[randomInt(c.random, returning.length)] as number;
        events.push({ atMs: t, kind: 'restart', slot });
        down.delete(slot);
        up.add(slot);
      } else if (nextSpare < slots) {
        events.push({ atMs: t, kind: 'join', slot: nextSpare });
        up.add(nextSpare);
        nextSpare++;
      }
    }
    const quiet = detectionWindowMs(c, slots) + c.resolved.viewDelayMs * 2 + c.resolved.settleQuietMs;
    return {
      ...base(c, end + quiet, events),
      nodes: slots,
      bootstrap: { mode: 'preloaded', nodes: initial, spreadMs: 0 },
      windowStartMs: start,
    };
  },

  lossy(c) {
    return {
      ...base(c, 120 * c.p, [
        { atMs: 10 * c.p, kind: 'metadata', slot: victim(c), metadata: { probe: '1' }, track: true },
      ]),
      dissemination: 'metadata',
    };
  },

  'partition-heal'(c) {
    const order = shuffle(c.random, [...Array(c.nodes).keys()]);
    const groupA = order.slice(0, Math.floor(c.nodes / 2));
    const at = 10 * c.p;
    // Long enough for each side to declare the other dead.
    const duration = detectionWindowMs(c, c.nodes);
    const healAt = at + duration;
    return {
      ...base(c, healAt + healBoundMs(c.resolved, c.nodes) + 20 * c.p, [
        { atMs: at, kind: 'partition', groupA, durationMs: duration },
      ]),
    };
  },

  'slow-node'(c) {
    const slow = Math.max(1, Math.round(c.nodes / 100));
    const order = shuffle(
      c.random,
      [...Array(c.nodes).keys()].filter((slot) => !seedSlots(c.nodes).includes(slot)),
    );
    const slowSlots = (order.length > 0 ? order : [0]).slice(0, slow);
    const events: ScenarioEvent[] = [];
    const end = 100 * c.p;
    for (const slot of slowSlots) {
      for (let t = 10 * c.p + randomInt(c.random, c.p); t < end; ) {
        // Mostly overloaded (input handled 0.5-1.5 P late for 10-20 P), sometimes stalled outright (1-3 P).
        let durationMs: number;
        if (randomInt(c.random, 4) === 0) {
          durationMs = c.p + randomInt(c.random, 2 * c.p);
          events.push({ atMs: t, kind: 'pause', slot, durationMs });
        } else {
          durationMs = 10 * c.p + randomInt(c.random, 10 * c.p);
          const delayMs = Math.round(c.p / 2 + randomInt(c.random, c.p));
          events.push({ atMs: t, kind: 'slow', slot, delayMs, durationMs });
        }
        t += durationMs + c.p * (5 + randomInt(c.random, 5));
      }
    }
    events.sort((a, b) => a.atMs - b.atMs);
    return base(c, end + 30 * c.p, events);
  },

  'long-partition'(c) {
    const order = shuffle(c.random, [...Array(c.nodes).keys()]);
    const groupA = order.slice(0, Math.floor(c.nodes / 2));
    const at = 10 * c.p;
    const cut = c.faultMs ?? 150 * c.p;
    return base(c, at + cut + healAfterReconnectMs(c) + 20 * c.p, [
      { atMs: at, kind: 'partition', groupA, durationMs: cut },
    ]);
  },

  'partition-join'(c) {
    // The last slot is the joiner, idle until halfway through the split. Seed 0 is on the far
    // side and seeds 1 and 2 on the joiner's: its join succeeds on one side only, and the other
    // side first hears of it after the heal.
    const members = Math.max(4, c.nodes - 1);
    const joiner = members;
    const others = shuffle(
      c.random,
      [...Array(members).keys()].filter((slot) => !seedSlots(members).includes(slot)),
    );
    const groupA = [0, ...others.slice(0, Math.floor(members / 2) - 1)];
    const at = 10 * c.p;
    const cut = c.faultMs ?? 150 * c.p;
    const spec = base(c, at + cut + healAfterReconnectMs(c) + 20 * c.p, [
      { atMs: at, kind: 'partition', groupA, durationMs: cut },
      { atMs: at + Math.round(cut / 2), kind: 'join', slot: joiner },
    ]);
    return {
      ...spec,
      nodes: members + 1,
      bootstrap: { ...spec.bootstrap, nodes: members },
      seeds: seedSlots(members),
    };
  },

  'split-joins'(c) {
    // The last two slots join halfway through, one on each side (seed 0 is on the first joiner's
    // side, seeds 1 and 2 on the second's). Each side then holds more live members than failed
    // ones, but neither holds a majority of the members it held before the split.
    const members = Math.max(4, c.nodes - 2);
    const [joinerA, joinerB] = [members, members + 1];
    const others = shuffle(
      c.random,
      [...Array(members).keys()].filter((slot) => !seedSlots(members).includes(slot)),
    );
    const groupA = [0, ...others.slice(0, Math.floor(members / 2) - 1), joinerA];
    const at = 10 * c.p;
    const cut = c.faultMs ?? 150 * c.p;
    const joinAt = at + Math.round(cut / 2);
    const spec = base(c, at + cut + healAfterReconnectMs(c) + 20 * c.p, [
      { atMs: at, kind: 'partition', groupA, durationMs: cut },
      { atMs: joinAt, kind: 'join', slot: joinerA },
      { atMs: joinAt, kind: 'join', slot: joinerB },
    ]);
    return {
      ...spec,
      nodes: members + 2,
      bootstrap: { ...spec.bootstrap, nodes: members },
      seeds: seedSlots(members),
    };
  },

  'fast-restart'(c) {
    const at = 10 * c.p;
    const slot = victim(c);
    const settle = disseminationBoundMs(c.resolved, c.nodes) + 2 * c.resolved.viewDelayMs;
    return base(c, at + settle + c.resolved.settleQuietMs + 30 * c.p, [
      { atMs: at, kind: 'crash', slot },
      { atMs: at + Math.round(c.p / 2), kind: 'restart', slot, threads: 4, metadata: { life: '2' } },
    ]);
  },

  'lossy-node'(c) {
    const at = 10 * c.p;
    const spell = c.faultMs ?? 300 * c.p;
    return base(c, at + spell + detectionWindowMs(c, c.nodes), [
      { atMs: at, kind: 'node-loss', slot: victim(c), probability: 0.8, durationMs: spell },
    ]);
  },

  'isolated-return'(c) {
    const at = 10 * c.p;
    const cut = c.faultMs ?? 60 * c.p;
    return base(c, at + cut + healAfterReconnectMs(c) + 20 * c.p, [
      { atMs: at, kind: 'partition', groupA: [victim(c)], durationMs: cut },
    ]);
  },

  'flapping-link'(c) {
    const node = victim(c);
    const down = c.faultMs ?? 20 * c.p;
    const events: ScenarioEvent[] = [];
    let t = 10 * c.p;
    for (let round = 0; round < 3; round++, t += 2 * down) {
      events.push({ atMs: t, kind: 'partition', groupA: [node], durationMs: down });
    }
    return base(c, t + healAfterReconnectMs(c) + 20 * c.p, events);
  },

  'user-event'(c) {
    const at = 10 * c.p;
    // Long enough for the event's last retransmissions at any size, and for a lossy run to show what it misses.
    const spread = disseminationBoundMs(c.resolved, c.nodes) + 10 * c.p;
    return base(c, at + spread, [{ atMs: at, kind: 'user-event', slot: victim(c), ...SIM_USER_EVENT }]);
  },

  pause(c) {
    const at = 10 * c.p;
    const frozen = c.faultMs ?? 40 * c.p;
    return base(c, at + frozen + healAfterReconnectMs(c) + 20 * c.p, [
      { atMs: at, kind: 'pause', slot: victim(c), durationMs: frozen },
    ]);
  },

  'duplicate-id'(c) {
    const at = 10 * c.p;
    // The last slot is the impostor, idle until it starts under the victim's id.
    const members = Math.max(1, c.nodes - 1);
    const spec = base(c, at + detectionWindowMs(c, members) + healAfterReconnectMs(c), [
      { atMs: at, kind: 'impostor', slot: members, asSlot: victim(c, members) },
    ]);
    return { ...spec, bootstrap: { ...spec.bootstrap, nodes: members }, seeds: seedSlots(members) };
  },

  'large-cluster'(c) {
    const at = 10 * c.p;
    return {
      ...base(c, 60 * c.p, [
        { atMs: at, kind: 'metadata', slot: 0, metadata: { probe: '1' }, track: true },
        { atMs: at, kind: 'crash', slot: victim(c) },
      ]),
      dissemination: 'metadata',
    };
  },
};
