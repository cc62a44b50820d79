// One scenario's world: the namespaces, the fault table, one agent and one
// sampler per host, and the waits a scenario is written with. Everything it
// makes is undone by tearDown (and, if the process dies, by the run's exit
// handlers and by the next run's stale sweep).
import { FaultTable } from './faults.mjs';
import { LabHost } from './hosts.mjs';
import { createTopology, destroyTopology } from './topology.mjs';
import { oneView } from './views.mjs';

const POLL_MS = 50;
const FORM_TIMEOUT_MS = 30_000;
const SEED_HOSTS = 3;

export class LabError extends Error {}

export class Lab {
  constructor({ hosts, preset, logDir, samplerIntervalMs, samplerDurationMs }) {
    this.hostCount = hosts;
    this.preset = preset;
    this.logDir = logDir;
    this.samplerIntervalMs = samplerIntervalMs;
    this.samplerDurationMs = samplerDurationMs;
    this.hosts = [];
    this.faults = undefined;
    this.notes = [];
  }

  async setUp() {
    const created = [];
    try {
      const topology = createTopology(this.hostCount, created);
      this.faults = new FaultTable(topology.bridge);
      this.faults.apply();
      this.hosts = topology.hosts.map((h) => new LabHost(h, this.logDir, this.preset));
    } catch (error) {
      destroyTopology();
      throw new LabError(`could not build the lab network: ${error.message}`);
    }
    for (const host of this.hosts) host.startSampler(this.samplerIntervalMs, this.samplerDurationMs);
  }

  /** Seeds of a host: the first hosts, itself excluded. */
  seedsFor(host) {
    return this.hosts
      .slice(0, SEED_HOSTS)
      .filter((h) => h !== host)
      .map((h) => h.meshAddress);
  }

  running() {
    return this.hosts.filter((h) => h.running);
  }

  /** Host 0 starts the cluster on purpose (no seeds), the others join through the seeds; waits for one settled view. */
  async form() {
    const [first, ...rest] = this.hosts;
    first.start();
    if ((await this.waitFor(() => first.latest(300)?.up === true, 10_000)) === null) {
      throw new LabError(`${first.id} did not answer on its status API within 10 s`);
    }
    const startedAt = Date.now();
    for (const host of rest) host.start({ seeds: this.seedsFor(host) });
    const formedMs = await this.waitFor(() => this.agreed(), FORM_TIMEOUT_MS);
    if (formedMs === null)
      throw new LabError(`the ${this.hosts.length} hosts did not form one settled view within 30 s`);
    this.notes.push(`formed in ${(formedMs / 1000).toFixed(1)} s`);
    return Date.now() - startedAt;
  }

  /** Whether `hosts` (default: every running one) hold one view of exactly themselves. */
  agreed({ hosts = this.running(), settled = true, maxAgeMs = 400 } = {}) {
    const samples = hosts.map((h) => h.latest(maxAgeMs));
    const total = hosts.reduce((sum, h) => sum + h.threads, 0);
    return oneView(samples, { ids: hosts.map((h) => h.id), total, settled });
  }

  /** Polls `predicate` until true: ms waited, or null after `timeoutMs` (or once the lab is torn down). */
  async waitFor(predicate, timeoutMs) {
    const started = Date.now();
    for (;;) {
      if (this.closed) throw new LabError('the lab was torn down');
      if (predicate()) return Date.now() - started;
      if (Date.now() - started >= timeoutMs) return null;
      await sleep(POLL_MS);
    }
  }

  events(filter = () => true) {
    return this.hosts.flatMap((h) => h.events).filter(filter);
  }

  /** What a failing scenario prints: every host's log tail and the rules that were applied. */
  diagnostics() {
    const parts = [];
    for (const host of this.hosts) {
      parts.push(`--- ${host.id} (${host.ns}, ${host.meshAddress}) log tail ---`, ...host.tail.slice(-15));
    }
    parts.push('--- nft rulesets applied (bridge namespace) ---');
    for (const entry of this.faults?.history ?? []) {
      parts.push(`# at ${new Date(entry.atMs).toISOString()}: ${entry.faults.join(', ') || '(no faults)'}`);
      if (entry.countersAtEnd !== undefined) parts.push(entry.countersAtEnd.trimEnd());
      else parts.push(entry.text.trimEnd());
    }
    if (this.faults !== undefined)
      parts.push('--- nft list ruleset now ---', this.faults.listing().trimEnd());
    return parts.join('\n');
  }

  async tearDown() {
    this.closed = true;
    for (const host of this.hosts) host.closed = true;
    await Promise.all(this.hosts.map((h) => h.shutdown()));
    const failed = destroyTopology();
    if (failed.length > 0) throw new LabError(`could not delete namespaces: ${failed.join(', ')}`);
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
