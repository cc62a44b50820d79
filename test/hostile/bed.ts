/**
 * Real agents for the hostile tests and the figures they assert: a small
 * cluster of `meshnode agent` processes on 127.0.0.1 (the CLI tests' fast
 * config), an Attacker on another loopback address, and readings of a
 * victim from outside: peak RSS and open descriptors from /proc, drops by
 * reason from its /metrics, members wrongly declared failed from the
 * agents' own event lines. close() stops every agent and socket.
 *
 * MESHNODE_HOSTILE_BIN runs the agents from another build (a bin/meshnode.js
 * path), to measure the same attacks against an older version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { AgentProcess } from '../../src/cli/children.js';
import { BIN, TestBed, WAIT_MS } from '../cli/helpers.js';
import { Attacker } from './attacker.js';

const AGENT_BIN = process.env.MESHNODE_HOSTILE_BIN ?? BIN;

export interface Agent {
  readonly id: string;
  readonly process: AgentProcess;
  /** Mesh "host:port" (UDP and TCP). */
  readonly address: string;
  /** Status API base URL. */
  readonly http: string;
}

export class HostileBed {
  readonly bed = new TestBed();
  attacker!: Attacker;
  readonly agents: Agent[] = [];

  async open(): Promise<this> {
    await this.bed.open();
    this.attacker = new Attacker({ key: this.bed.key, env: this.bed.env });
    return this;
  }

  /** Starts one agent (seeded from the first one when there is one) and waits for its start event. */
  async agent(id: string, args: readonly string[] = []): Promise<Agent> {
    const seeds = this.agents.length > 0 ? ['--seeds', (this.agents[0] as Agent).address] : [];
    const child = new AgentProcess(id, process.execPath, [
      AGENT_BIN,
      'agent',
      ...['-k', this.bed.key, '-e', this.bed.env, '-i', id, '--bind', '127.0.0.1:0', '--http', '127.0.0.1:0'],
      ...['--config', this.bed.config, '--json', ...seeds, ...args],
    ]);
    this.bed.agents.push(child);
    const { address, http } = await this.bed.started(child);
    const agent = { id, process: child, address, http: `http://${http}` };
    this.agents.push(agent);
    return agent;
  }

  /** `count` agents that all see a settled view of `count` members. */
  async cluster(count: number): Promise<Agent[]> {
    for (let i = 0; i < count; i++) await this.agent(`real-${i}`);
    await Promise.all(
      this.agents.map((agent) =>
        agent.process.waitFor(
          `a settled view of ${count}`,
          (e) => e.event === 'settled' && e.total === count,
          WAIT_MS,
        ),
      ),
    );
    return this.agents;
  }

  /** 'fail' events any agent printed about a real member (one started here). */
  wronglyFailed(): string[] {
    const real = new Set(this.agents.map((agent) => agent.id));
    return this.agents.flatMap((agent) =>
      agent.process.events
        .filter((e) => e.event === 'fail' && real.has(String(e.id)))
        .map((e) => `${agent.id} failed ${String(e.id)}`),
    );
  }

  private readonly extraAttackers: Attacker[] = [];

  /** Another attacker of this cluster, on its own loopback source (another host as far as limits go). */
  attackerFrom(source: string): Attacker {
    const attacker = new Attacker({ key: this.bed.key, env: this.bed.env, source });
    this.extraAttackers.push(attacker);
    return attacker;
  }

  async close(): Promise<void> {
    this.attacker?.close();
    for (const attacker of this.extraAttackers) attacker.close();
    await this.bed.close();
  }
}

function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`no ${field} for ${pid}`);
  return Number.parseInt(line.slice(field.length + 1), 10);
}

/** The process's peak resident set so far, in MB (VmHWM). */
export function peakRssMb(agent: Agent): number {
  return procStatusKb(agent.process.pid as number, 'VmHWM') / 1024;
}

export function rssMb(agent: Agent): number {
  return procStatusKb(agent.process.pid as number, 'VmRSS') / 1024;
}

export function openDescriptors(agent: Agent): number {
  return readdirSync(`/proc/${agent.process.pid as number}/fd`).length;
}

/** meshnode_dropped_total by reason, from the agent's /metrics. */
export async function drops(agent: Agent): Promise<Record<string, number>> {
  const response = await fetch(`${agent.http}/metrics`, { signal: AbortSignal.timeout(WAIT_MS) });
  const text = await response.text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^meshnode_dropped_total\{reason="([^"]+)"\} (\d+)$/gm)) {
    const value = Number(match[2]);
    if (value > 0) counts[match[1] as string] = value;
  }
  return counts;
}

/** Resolves once `check` holds, polling every 20 ms; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One figure line for the test log: "figure: name=value ...". */
export function figure(name: string, values: Record<string, unknown>): void {
  const fields = Object.entries(values).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  console.log(`figure: ${name} ${fields.join(' ')}`);
}
