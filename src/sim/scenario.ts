/**
 * A scenario is plain data (it prints as JSON next to a failing seed): the
 * cluster, the protocol config, the network, and a timeline of faults.
 * `runScenario` plays it on a Simulation and returns the measured report.
 */
import { msgpackWireFormat } from '../codec/index.js';
import { type PresetName, type ProtocolConfig, resolveConfig } from '../core/config.js';
import { SeededRandom } from '../core/random.js';
import type { Member, Metadata } from '../core/types.js';
import { detectionBoundMs, disturbanceGraceMs } from './bounds.js';
import { Invariants } from './checkers.js';
import { Metrics, type Spread, type SpreadKind } from './metrics.js';
import { defaultNetwork, type LatencyModel, type NetworkOptions, networkLatency } from './network.js';
import { IndexOverlapChecker } from './overlap-checker.js';
import { type CoreFactory, deriveSeed, type SimListener, Simulation } from './simulation.js';
import { TraceHash } from './trace.js';
import { ViewTruthChecker } from './truth-checker.js';
import { UserEventSpread, type UserEventSummary } from './user-event-spread.js';
import type { Wire } from './wire.js';

/** One fault or change on a scenario's timeline, at `atMs` of virtual time; `slot` numbers a node (0-based). */
export type ScenarioEvent =
  /** The node stops at once, sending nothing more (a SIGKILL). */
  | { readonly atMs: number; readonly kind: 'crash'; readonly slot: number }
  /**
   * A crashed or left slot starts a fresh core (same id and address, a new
   * life's incarnation) and joins through the seeds, optionally with another
   * thread count or metadata.
   */
  | {
      readonly atMs: number;
      readonly kind: 'restart';
      readonly slot: number;
      readonly threads?: number;
      readonly metadata?: Metadata;
    }
  /** The slot's own link loses `probability` of its datagrams, both ways, for `durationMs`. */
  | {
      readonly atMs: number;
      readonly kind: 'node-loss';
      readonly slot: number;
      readonly probability: number;
      readonly durationMs: number;
    }
  /** An idle slot starts and joins through the seeds. */
  | { readonly atMs: number; readonly kind: 'join'; readonly slot: number }
  /**
   * An idle slot starts a core under the id of `asSlot`, which is alive
   * (two processes given one id), at its own address, and joins through the seeds.
   */
  | { readonly atMs: number; readonly kind: 'impostor'; readonly slot: number; readonly asSlot: number }
  /** A graceful leave. */
  | { readonly atMs: number; readonly kind: 'leave'; readonly slot: number }
  /** The node handles nothing for `durationMs`, then everything that queued up (a GC pause, SIGSTOP). */
  | { readonly atMs: number; readonly kind: 'pause'; readonly slot: number; readonly durationMs: number }
  /** The node handles its input `delayMs` late for `durationMs` (see Simulation.slow). */
  | {
      readonly atMs: number;
      readonly kind: 'slow';
      readonly slot: number;
      readonly delayMs: number;
      readonly durationMs: number;
    }
  /** Traffic between group A and group B is cut for `durationMs`. */
  | {
      readonly atMs: number;
      readonly kind: 'partition';
      readonly groupA: readonly number[];
      /** Default: every slot not in group A. */
      readonly groupB?: readonly number[];
      /** Only A -> B traffic is cut. */
      readonly oneWay?: boolean;
      readonly durationMs: number;
    }
  /** The node sets new metadata, which spreads as an update. */
  | {
      readonly atMs: number;
      readonly kind: 'metadata';
      readonly slot: number;
      readonly metadata: Metadata;
      /** Follow this update's spread (its first key and value mark it). */
      readonly track?: boolean;
    }
  /** The node sends a user event of `payloadBytes` bytes under `name`; its spread is followed. */
  | {
      readonly atMs: number;
      readonly kind: 'user-event';
      readonly slot: number;
      readonly name: string;
      readonly payloadBytes: number;
    };

/** Changes to the preset's network model: latency, and the probabilities of loss, duplication and reordering. */
export interface NetworkOverrides {
  readonly latency?: Partial<LatencyModel>;
  readonly lossProbability?: number;
  readonly duplicateProbability?: number;
  readonly reorderProbability?: number;
  readonly reorderDelayMs?: number;
}

/**
 * A whole scenario as plain data: the cluster, the protocol config, the
 * network, how the cluster forms and the timeline of events. Build one with
 * `buildScenario` and change what you need, or write one; `runScenario` plays it.
 */
export interface ScenarioSpec {
  readonly name: string;
  /** Slots, including those that join later. */
  readonly nodes: number;
  readonly seed: number;
  readonly preset: PresetName;
  readonly config?: Partial<ProtocolConfig>;
  readonly network?: NetworkOverrides;
  readonly durationMs: number;
  /** Rates (messages, bytes, false-settled) are measured from here to the end. */
  readonly windowStartMs: number;
  readonly bootstrap: {
    /**
     * `preloaded`: the first `nodes` slots start already knowing each other
     * (as after a completed sync); `join`: slot seeds[0] starts alone and the
     * others join through the seeds.
     */
    readonly mode: 'preloaded' | 'join';
    readonly nodes: number;
    /** Start times are spread uniformly over [0, spreadMs). */
    readonly spreadMs: number;
  };
  /** Slots whose addresses joins and restarts use as seeds. */
  readonly seeds: readonly number[];
  /** Thread count per slot (default 1 each). */
  readonly threads?: readonly number[];
  readonly events: readonly ScenarioEvent[];
  /** Which update `disseminationMs` reports (default: the first followed one). */
  readonly dissemination?: SpreadKind;
}

/** How to run a scenario; every field is optional. `createCore` and `wire` replace the real core and codec in tests. */
export interface RunOptions {
  readonly createCore?: CoreFactory;
  readonly wire?: Wire;
  /** Round trip sync states through the codec (default: up to 500 nodes; above, their exact size is computed). */
  readonly encodeStates?: boolean;
  /** Run the invariant checkers (default true). */
  readonly checks?: boolean;
  /** Called now and then with the fraction of virtual time done. */
  readonly onProgress?: (fraction: number, virtualMs: number) => void;
  /** Keep the last entries of the trace as text (for debugging; default 0). */
  readonly traceTail?: number;
  /** Extra observers. */
  readonly listeners?: readonly SimListener[];
  /** How to replay, printed with a failure. */
  readonly replay?: string;
  /** Called with the simulation once it is set up, before it runs (to attach probes that read the cores). */
  readonly onStart?: (sim: Simulation) => void;
  /** Called with the simulation once the run is over, before the report is built (tests inspect the cores). */
  readonly onFinish?: (sim: Simulation) => void;
}

/** How fast crashes were detected, in virtual ms after each crash. */
export interface DetectionSummary {
  /** Median over crashes of the first death declaration, ms after the crash. */
  readonly firstMs: number | null;
  /** Median over every (crash, observer) of the declaration delay. */
  readonly medianMs: number | null;
  /** Slowest crash to be known dead by every live node (null if any was missed). */
  readonly allMs: number | null;
  /** Median over crashes of the first suspicion. */
  readonly suspectMs: number | null;
  readonly crashes: number;
  /** (crash, observer) pairs never declared by the end. */
  readonly undetected: number;
}

/** The measured outcome of a run: what `formatReport` prints and `meshnode simulate --json` writes. */
export interface SimulationReport {
  readonly scenario: string;
  readonly nodes: number;
  readonly seed: number;
  readonly preset: PresetName;
  readonly lifeguard: boolean;
  readonly loss: number;
  readonly virtualMs: number;
  readonly detection: DetectionSummary;
  /** The followed update reaching 100% of live nodes, ms after its origin (null: none, or not reached). */
  readonly disseminationMs: number | null;
  readonly dissemination: {
    readonly kind: SpreadKind | null;
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
    readonly missing: number;
  };
  /** Virtual time since which every live node knows every live node (null: never at the end). */
  readonly membershipCompleteMs: number | null;
  /** End of the last scheduled fault (event time, pause or partition end). */
  readonly lastFaultMs: number;
  /**
   * From the last fault until the views agreed on exactly the live nodes and
   * every live node knew every other (null: not by the end of the run).
   */
  readonly recoveryMs: number | null;
  /** Distinct (member, incarnation) declared dead while running and undisturbed. */
  readonly falsePositives: number;
  readonly falsePositiveEvents: number;
  /** Distinct (member, incarnation) suspected while running and undisturbed. */
  readonly falseSuspicions: number;
  /** Death declarations explained by a pause, restart or partition of the member. */
  readonly excusedDeaths: number;
  /** False positives per 1,000 node-minutes of live time in the window. */
  readonly falsePositivesPerKiloNodeMinute: number;
  /** Packets sent (UDP datagrams and stream frames) per live node per second, in the window. */
  readonly messagesPerNodePerSecond: number;
  readonly messagesPerNodePerPeriod: number;
  /** Protocol messages (ping, ack, alive, ...) per live node per second; several share a packet. */
  readonly protocolMessagesPerNodePerSecond: number;
  /** Everything sent: packets plus full-state syncs. */
  readonly bytesPerNodePerSecond: number;
  readonly packetBytesPerNodePerSecond: number;
  readonly syncBytesPerNodePerSecond: number;
  readonly syncsPerNodePerMinute: number;
  readonly packetBytesMax: number;
  readonly packetBytesLimit: number;
  /** At the end, every live node holds the same view and it lists exactly the live nodes. */
  readonly converged: boolean;
  /** Since when the views agree (null: they do not at the end). */
  readonly convergedAtMs: number | null;
  readonly liveNodes: number;
  readonly distinctViews: number;
  /** Fraction of live node-time spent reporting settled while another live node's view differed. */
  readonly falseSettledRate: number;
  /** Fraction of live node-time spent settled. */
  readonly settledFraction: number;
  /** Fraction of the window in which live nodes held more than one view. */
  readonly divergedFraction: number;
  readonly refutations: number;
  readonly pauseOverflows: number;
  readonly invariantChecks: number;
  readonly events: number;
  readonly traceHash: string;
  readonly wallMs: number;
  /** The first user event on the timeline: who delivered it, when, and its cost (only when there is one). */
  readonly userEvent?: UserEventSummary;
}

/** Data behind the charts. */
export interface SimulationSeries {
  /** The followed update: ms after its origin at which each observer learned it, sorted. */
  readonly awarenessMs: readonly number[];
  /** Observers expected to learn it. */
  readonly awarenessObservers: number;
  /** Every (crash, observer) detection delay in ms, sorted. */
  readonly detectionMs: readonly number[];
}

/** The report and the time series behind the chart. */
export interface SimulationResult {
  readonly report: SimulationReport;
  readonly series: SimulationSeries;
}

/** The protocol config a scenario runs with: its preset with its overrides, validated. */
export function resolveScenarioConfig(spec: ScenarioSpec): ProtocolConfig {
  return resolveConfig(spec.config ?? {}, spec.preset, msgpackWireFormat);
}

export function resolveNetwork(spec: ScenarioSpec): NetworkOptions {
  const o = spec.network ?? {};
  return {
    latency: { ...networkLatency[spec.preset], ...o.latency },
    lossProbability: o.lossProbability ?? defaultNetwork.lossProbability,
    duplicateProbability: o.duplicateProbability ?? defaultNetwork.duplicateProbability,
    reorderProbability: o.reorderProbability ?? defaultNetwork.reorderProbability,
    reorderDelayMs: o.reorderDelayMs ?? defaultNetwork.reorderDelayMs,
  };
}

/** Checks a spec (slots in range, durations positive, ...); throws a RangeError naming what is wrong. */
export function validateScenario(spec: ScenarioSpec): void {
  const slotOk = (slot: number): boolean => Number.isInteger(slot) && slot >= 0 && slot < spec.nodes;
  if (!Number.isInteger(spec.nodes) || spec.nodes < 1)
    throw new RangeError(`nodes must be >= 1, got ${spec.nodes}`);
  if (!(spec.durationMs > 0)) throw new RangeError('durationMs must be > 0');
  const b = spec.bootstrap;
  if (!Number.isInteger(b.nodes) || b.nodes < 1 || b.nodes > spec.nodes) {
    throw new RangeError(`bootstrap.nodes must be in 1..${spec.nodes}, got ${b.nodes}`);
  }
  if (spec.seeds.length === 0 || !spec.seeds.every(slotOk))
    throw new RangeError('seeds must name existing slots');
  for (const event of spec.events) {
    if (!(event.atMs >= 0)) throw new RangeError(`event ${event.kind} at ${event.atMs}: time must be >= 0`);
    if ('slot' in event && !slotOk(event.slot))
      throw new RangeError(`event ${event.kind} names slot ${event.slot}`);
  }
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

function round(value: number | null, digits = 1): number | null {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Seeds for a join or restart of `slot`: the scenario's seed slots other than itself. */
function seedAddresses(sim: Simulation, spec: ScenarioSpec, slot: number): string[] {
  return spec.seeds.filter((s) => s !== slot).map((s) => sim.slot(s).address);
}

/** Largest cluster on which every view change is checked for overlapping settled index ranges. */
const OVERLAP_CHECK_NODES_MAX = 512;

/**
 * How long two settled nodes may overlap: a view change applies at one
 * deadline everywhere, give or take a one-way delay; four of the slowest
 * links' delays plus 10 ms leaves room for jitter and nothing more.
 */
export function overlapToleranceMs(network: NetworkOptions): number {
  const { baseMs, linkSpreadMs, jitterMeanMs } = network.latency;
  return 10 + 4 * (baseMs + linkSpreadMs + 5 * jitterMeanMs);
}

/**
 * How long a settled node's view may lag the live truth: every live node
 * learns of a crash within detect(N); a disturbance is forgiven for its
 * grace; then the view delay and the quiet period before settled.
 */
export function viewTruthToleranceMs(config: ProtocolConfig, nodes: number): number {
  return (
    detectionBoundMs(config, nodes) +
    disturbanceGraceMs(config, nodes) +
    config.viewDelayMs +
    config.settleQuietMs
  );
}

/** Plays a scenario and measures it. Throws a SimulationError when an invariant breaks. */
export function runScenario(spec: ScenarioSpec, options: RunOptions = {}): SimulationResult {
  validateScenario(spec);
  const wallStart = performance.now();
  const config = resolveScenarioConfig(spec);
  const network = resolveNetwork(spec);
  const lifeguard = config.awarenessMaxMultiplier > 1 || config.suspicionMaxTimeoutMult > 1;
  const sim = new Simulation({
    nodes: spec.nodes,
    seed: spec.seed,
    config,
    network,
    threads: (slot) => spec.threads?.[slot] ?? 1,
    describe: `scenario ${spec.name}, nodes ${spec.nodes}`,
    encodeStates: options.encodeStates ?? spec.nodes <= 500,
    ...(options.createCore === undefined ? {} : { createCore: options.createCore }),
    ...(options.wire === undefined ? {} : { wire: options.wire }),
    ...(options.replay === undefined ? {} : { replay: options.replay }),
  });
  const metrics = new Metrics(sim, spec.windowStartMs);
  const trace = new TraceHash(options.traceTail ?? 0);
  sim.addListener(metrics);
  sim.addListener(trace);
  const invariants = options.checks === false ? undefined : new Invariants(sim, metrics);
  if (invariants !== undefined) sim.addListener(invariants);
  // Reading every node's own range on each view change is O(N) per event: small clusters only.
  if (options.checks !== false && spec.nodes <= OVERLAP_CHECK_NODES_MAX) {
    sim.addListener(new IndexOverlapChecker(sim, overlapToleranceMs(network)));
    new ViewTruthChecker(sim, metrics, viewTruthToleranceMs(config, spec.nodes), config.probeIntervalMs);
  }
  if (options.checks !== false && network.lossProbability === 0) {
    // Without random loss, nothing excuses a death of a running node its observer could reach.
    metrics.onHealthyDeath = (observer, subject, now) =>
      sim.fail(
        `${sim.slot(observer).id} declared ${sim.slot(subject).id} dead at ${now.toFixed(1)} ms, running and reachable, neither of them disturbed`,
      );
  }
  for (const listener of options.listeners ?? []) sim.addListener(listener);

  scheduleBootstrap(sim, spec);
  const userEvents = scheduleEvents(sim, spec, metrics);
  options.onStart?.(sim);

  const onProgress = options.onProgress;
  sim.runUntil(
    spec.durationMs,
    onProgress === undefined ? undefined : (now) => onProgress(now / spec.durationMs, now),
  );
  metrics.advance(sim.now);
  onProgress?.(1, sim.now);
  options.onFinish?.(sim);

  const result = summarize(sim, spec, metrics, trace, invariants, lifeguard, network.lossProbability);
  const [followedEvent] = userEvents;
  if (followedEvent !== undefined) {
    return {
      report: {
        ...result.report,
        userEvent: followedEvent.summary(),
        wallMs: Math.round(performance.now() - wallStart),
      },
      series: result.series,
    };
  }
  return {
    report: { ...result.report, wallMs: Math.round(performance.now() - wallStart) },
    series: result.series,
  };
}

function scheduleBootstrap(sim: Simulation, spec: ScenarioSpec): void {
  const { mode, nodes, spreadMs } = spec.bootstrap;
  // Start offsets come from their own generator so the rest of the run does not depend on them.
  const offsets = new SeededRandom(deriveSeed(spec.seed, 0x0ff5e7));
  const startAt = (slot: number): number =>
    slot === spec.seeds[0] || spreadMs === 0 ? 0 : (offsets.nextUint32() / 0x1_0000_0000) * spreadMs;
  if (mode === 'preloaded') {
    const members: Member[] = [];
    for (let slot = 0; slot < nodes; slot++) {
      const s = sim.slot(slot);
      members.push({
        id: s.id,
        address: s.address,
        incarnation: 0,
        state: 'alive' as const,
        threads: s.threads,
        metadata: {},
      });
    }
    // Frozen: every core shares the one roster built from it without checking it changed.
    Object.freeze(members);
    for (let slot = 0; slot < nodes; slot++) {
      sim.at(startAt(slot), () => sim.start(slot, { initialMembers: members }));
    }
    return;
  }
  const first = spec.seeds[0] ?? 0;
  sim.at(0, () => sim.start(first));
  for (let slot = 0; slot < nodes; slot++) {
    if (slot === first) continue;
    sim.at(startAt(slot), () => sim.start(slot, { seeds: seedAddresses(sim, spec, slot) }));
  }
}

/** Schedules the timeline; returns the followers of its user events, in timeline order. */
function scheduleEvents(sim: Simulation, spec: ScenarioSpec, metrics: Metrics): UserEventSpread[] {
  const userEvents: UserEventSpread[] = [];
  for (const event of spec.events) {
    switch (event.kind) {
      case 'crash':
        sim.at(event.atMs, () => sim.crash(event.slot));
        break;
      case 'restart':
      case 'join':
        sim.at(event.atMs, () => {
          const slot = sim.slot(event.slot);
          if (slot.active) return;
          const life: { threads?: number; metadata?: Metadata } = event.kind === 'restart' ? event : {};
          sim.start(event.slot, {
            seeds: seedAddresses(sim, spec, event.slot),
            ...(life.threads === undefined ? {} : { threads: life.threads }),
            ...(life.metadata === undefined ? {} : { metadata: life.metadata }),
          });
        });
        break;
      case 'impostor':
        sim.at(event.atMs, () => {
          if (sim.slot(event.slot).active) return;
          sim.start(event.slot, {
            id: sim.slot(event.asSlot).id,
            seeds: seedAddresses(sim, spec, event.slot),
          });
        });
        break;
      case 'node-loss':
        sim.at(event.atMs, () => {
          sim.nodeLoss(event.slot, event.probability);
          sim.at(event.atMs + event.durationMs, () => sim.nodeLoss(event.slot, 0));
        });
        break;
      case 'leave':
        sim.at(event.atMs, () => sim.leave(event.slot));
        break;
      case 'pause':
        sim.at(event.atMs, () => sim.pause(event.slot, event.durationMs));
        break;
      case 'slow':
        sim.at(event.atMs, () => sim.slow(event.slot, event.delayMs, event.durationMs));
        break;
      case 'partition':
        sim.at(event.atMs, () => {
          const id = sim.partition({
            groupA: event.groupA,
            ...(event.groupB === undefined ? {} : { groupB: event.groupB }),
            oneWay: event.oneWay === true,
          });
          sim.at(event.atMs + event.durationMs, () => sim.heal(id));
        });
        break;
      case 'metadata':
        sim.at(event.atMs, () => {
          const slot = sim.slot(event.slot);
          if (!slot.live) return;
          sim.setMetadata(event.slot, event.metadata);
          const [key, value] = Object.entries(event.metadata)[0] ?? [];
          if (event.track === true && key !== undefined && value !== undefined) {
            metrics.trackMetadata(event.slot, key, value);
          }
        });
        break;
      case 'user-event': {
        const spread = new UserEventSpread(sim, event.name, event.slot);
        sim.addListener(spread);
        userEvents.push(spread);
        sim.at(event.atMs, () => {
          if (!sim.slot(event.slot).live) return;
          spread.markSent(sim.now);
          sim.broadcast(event.slot, event.name, new Uint8Array(event.payloadBytes));
        });
        break;
      }
    }
  }
  return userEvents;
}

/** When the last scheduled fault ends: the latest event, pause end or partition end. */
export function lastFaultMs(spec: Pick<ScenarioSpec, 'events'>): number {
  let last = 0;
  for (const event of spec.events) {
    if (event.kind === 'metadata' || event.kind === 'user-event') continue;
    const end = 'durationMs' in event ? event.atMs + event.durationMs : event.atMs;
    if (end > last) last = end;
  }
  return last;
}

function summarize(
  sim: Simulation,
  spec: ScenarioSpec,
  metrics: Metrics,
  trace: TraceHash,
  invariants: Invariants | undefined,
  lifeguard: boolean,
  loss: number,
): SimulationResult {
  const config = sim.config;
  // Detection of crashes.
  const crashFirsts: number[] = [];
  const crashSuspects: number[] = [];
  const pairDelays: number[] = [];
  let allMs: number | null = null;
  let undetected = 0;
  let crashes = 0;
  for (const spread of metrics.spreads) {
    if (spread.kind !== 'dead') continue;
    crashes++;
    const { delays, missing } = spread.delays(sim);
    pairDelays.push(...delays);
    if (delays.length > 0) crashFirsts.push(delays[0] as number);
    if (!Number.isNaN(spread.firstSuspectMs)) crashSuspects.push(spread.firstSuspectMs - spread.startMs);
    // A crash whose node restarted before everyone declared it is not counted against completeness.
    if (!spread.open && missing > 0) continue;
    undetected += missing;
    const last = delays.length > 0 ? (delays[delays.length - 1] as number) : 0;
    if (missing === 0 && (allMs === null || last > allMs)) allMs = last;
  }
  if (undetected > 0) allMs = null;
  pairDelays.sort((a, b) => a - b);
  crashFirsts.sort((a, b) => a - b);
  crashSuspects.sort((a, b) => a - b);

  // Dissemination of the followed update.
  const kind = spec.dissemination ?? metrics.spreads.find((s) => s.kind === 'metadata')?.kind ?? null;
  const followed: Spread | undefined =
    kind === null ? undefined : metrics.spreads.find((s) => s.kind === kind);
  let disseminationMs: number | null = null;
  let awareness: number[] = [];
  let observers = 0;
  let missing = 0;
  if (followed !== undefined) {
    const result = followed.delays(sim);
    awareness = result.delays;
    missing = result.missing;
    observers = result.delays.length + result.missing;
    if (result.missing === 0 && awareness.length > 0) {
      const last = awareness[awareness.length - 1] as number;
      // For a death, dissemination runs from the first declaration; otherwise from the origin.
      disseminationMs = followed.kind === 'dead' ? last - (awareness[0] as number) : last;
    }
  }

  // The final views.
  let liveIds = 0;
  for (const slot of sim.slots) if (slot.live) liveIds++;
  let converged = metrics.distinctViews === 1;
  if (converged) {
    const someLive = sim.slots.find((slot) => slot.live && slot.core !== undefined);
    const view = someLive?.core?.view();
    const ids = new Set(view?.members.map((m) => m.id) ?? []);
    converged = ids.size === liveIds && sim.slots.every((slot) => !slot.live || ids.has(slot.id));
  }

  const windowMs = Math.max(1, sim.now - spec.windowStartMs);
  const nodeSeconds = metrics.liveNodeMs / 1000;
  const traffic = metrics.traffic;
  const perNodeSecond = (value: number): number => (nodeSeconds > 0 ? value / nodeSeconds : 0);
  const lastFault = lastFaultMs(spec);
  let recoveryMs: number | null = null;
  if (converged && metrics.agreedSinceMs >= 0 && metrics.completeSinceMs >= 0) {
    recoveryMs = Math.max(0, Math.max(metrics.agreedSinceMs, metrics.completeSinceMs) - lastFault);
  }
  const periodsPerSecond = 1000 / config.probeIntervalMs;
  const fp = metrics.falsePositiveIncidents.size;
  const report: SimulationReport = {
    scenario: spec.name,
    nodes: spec.nodes,
    seed: spec.seed,
    preset: spec.preset,
    lifeguard,
    loss,
    virtualMs: Math.round(sim.now),
    detection: {
      firstMs: round(median(crashFirsts)),
      medianMs: round(median(pairDelays)),
      allMs: round(allMs),
      suspectMs: round(median(crashSuspects)),
      crashes,
      undetected,
    },
    disseminationMs: round(disseminationMs),
    dissemination: {
      kind: followed?.kind ?? null,
      p50Ms: round(quantile(awareness, 0.5)),
      p99Ms: round(quantile(awareness, 0.99)),
      missing,
    },
    membershipCompleteMs: metrics.completeSinceMs < 0 ? null : round(metrics.completeSinceMs),
    lastFaultMs: lastFault,
    recoveryMs: round(recoveryMs),
    falsePositives: fp,
    falsePositiveEvents: metrics.falsePositiveEvents,
    falseSuspicions: metrics.falseSuspicionIncidents.size,
    excusedDeaths: metrics.excusedDeaths,
    falsePositivesPerKiloNodeMinute:
      metrics.liveNodeMs > 0 ? (round((fp / (metrics.liveNodeMs / 60_000)) * 1000, 3) as number) : 0,
    messagesPerNodePerSecond: round(perNodeSecond(traffic.packets), 3) as number,
    messagesPerNodePerPeriod: round(perNodeSecond(traffic.packets) / periodsPerSecond, 3) as number,
    protocolMessagesPerNodePerSecond: round(perNodeSecond(traffic.messages), 3) as number,
    bytesPerNodePerSecond: round(perNodeSecond(traffic.bytes + traffic.stateBytes)) as number,
    packetBytesPerNodePerSecond: round(perNodeSecond(traffic.bytes)) as number,
    syncBytesPerNodePerSecond: round(perNodeSecond(traffic.stateBytes)) as number,
    syncsPerNodePerMinute: round(perNodeSecond(traffic.syncs) * 60, 3) as number,
    packetBytesMax: metrics.packetBytesMax,
    packetBytesLimit: config.packetBytesMax,
    converged,
    convergedAtMs: metrics.agreedSinceMs < 0 ? null : round(metrics.agreedSinceMs),
    liveNodes: liveIds,
    distinctViews: metrics.distinctViews,
    falseSettledRate: metrics.liveNodeMs > 0 ? metrics.falseSettledNodeMs / metrics.liveNodeMs : 0,
    settledFraction: metrics.liveNodeMs > 0 ? metrics.settledNodeMs / metrics.liveNodeMs : 0,
    divergedFraction: metrics.divergedMs / windowMs,
    refutations: metrics.refutations,
    pauseOverflows: sim.pauseOverflows,
    invariantChecks: invariants?.checks ?? 0,
    events: sim.eventsProcessed,
    traceHash: trace.value,
    wallMs: 0,
  };
  return {
    report,
    series: { awarenessMs: awareness, awarenessObservers: observers, detectionMs: pairDelays },
  };
}
