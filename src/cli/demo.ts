/**
 * `meshnode demo`: a live mesh on this machine in under a minute. It starts
 * five agents on 127.0.0.1 as separate processes (local preset, --json),
 * prints the sorted view with indices, hard-kills one (SIGKILL) and shows
 * each survivor detecting the failure and rebalancing with the time it took,
 * makes another leave gracefully (SIGINT), and exits 0. Children are always
 * cleaned up, on errors and on Ctrl-C too.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { type AgentEvent, AgentProcess } from './children.js';
import { runToExit, withUsageExit, writeOut } from './command.js';
import { CliError, ExitCode, signalExitCode, UsageError } from './exit-codes.js';
import { formatStatusTable, renderTable } from './output.js';
import { fetchClusterStatus } from './status.js';
import { formatDuration, parseInteger, ValueError } from './values.js';

/** Thread counts of the five demo agents (libcluster's multi-threaded instances). */
const DEMO_THREADS = [2, 1, 3, 1, 2] as const;
const KEY = 'meshnode-demo';

interface DemoOptions {
  readonly timeout?: string;
  readonly verbose?: boolean;
}

export function demoCommand(): Command {
  const command = new Command('demo')
    .summary('start a local mesh of 5 agents, crash one, stop one, and show the rebalances')
    .description(
      [
        'Start 5 agents on 127.0.0.1 (separate processes, local preset), print',
        'the sorted view with indices, hard-kill one and show each survivor detect',
        'it and rebalance, make another leave gracefully, then stop everything.',
        'Exit codes: 0 ok, 1 the demo failed, 2 bad flags.',
      ].join('\n'),
    )
    .option('--timeout <ms>', 'give up (and clean up) after this long (default 90000)')
    .option('--verbose', 'print every event the agents report')
    .action(async (options: DemoOptions) => {
      await runToExit('demo', () => runDemo(options));
    });
  return withUsageExit(command);
}

/** bin/meshnode.js next to this build (dist/cli/demo.js -> bin/meshnode.js). */
export function binPath(): string {
  const path = fileURLToPath(new URL('../../bin/meshnode.js', import.meta.url));
  if (!existsSync(path))
    throw new CliError(ExitCode.failure, `cannot find ${path}; run "npm run build" first`);
  return path;
}

async function runDemo(options: DemoOptions): Promise<number> {
  let timeoutMs: number;
  try {
    timeoutMs =
      options.timeout === undefined ? 90_000 : parseInteger('--timeout', options.timeout, 1000, 600_000);
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message);
    throw error;
  }
  const demo = new Demo(binPath(), options.verbose === true);
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nmeshnode demo: ${signal}: stopping the agents\n`);
    void demo.cleanup().then(() => process.exit(signalExitCode(signal)));
  };
  // Last resort: whatever happens, no agent outlives the demo.
  const onExit = () => demo.killNow();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);
  let deadline: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      demo.run(),
      new Promise<never>((_, reject) => {
        deadline = setTimeout(
          () => reject(new Error(`the demo did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`\nmeshnode demo failed: ${(error as Error).message}\n`);
    return ExitCode.failure;
  } finally {
    clearTimeout(deadline);
    await demo.cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

class Demo {
  private readonly bin: string;
  private readonly verbose: boolean;
  private readonly env = `demo-${process.pid}`;
  private readonly agents: AgentProcess[] = [];

  constructor(bin: string, verbose: boolean) {
    this.bin = bin;
    this.verbose = verbose;
  }

  async run(): Promise<void> {
    const started = Date.now();
    const total = DEMO_THREADS.reduce((a, b) => a + b, 0);
    await say(
      `meshnode demo: starting ${DEMO_THREADS.length} agents on 127.0.0.1 ` +
        `(cluster ${KEY}/${this.env}, local preset, threads ${DEMO_THREADS.join(', ')})\n`,
    );
    const first = this.spawn(1, []);
    const start = await first.waitFor('its start event', (e) => e.event === 'start', 10_000);
    const seed = String(start.address);
    for (let i = 2; i <= DEMO_THREADS.length; i++) this.spawn(i, [seed]);
    const starts = await Promise.all(
      this.agents.map((a) => a.waitFor('its start event', (e) => e.event === 'start', 10_000)),
    );
    await say(
      `${renderTable(
        ['AGENT', 'PID', 'MESH ADDRESS', 'STATUS API'],
        this.agents.map((agent, i) => [
          agent.name,
          String(agent.pid ?? '?'),
          String(starts[i]?.address),
          `http://${String(starts[i]?.http)}`,
        ]),
      )}\n\n`,
    );

    // 1. Everyone converges on the same view: each agent reports the full total, settled.
    await Promise.all(
      this.agents.map((a) => a.waitFor(`a settled view of ${total} threads`, settledAt(total), 20_000)),
    );
    await say(
      `all ${this.agents.length} agents agree on one view after ${formatDuration(Date.now() - started)}:\n\n`,
    );
    await this.printView(this.agents[0] as AgentProcess);

    // 2. Crash: SIGKILL, no goodbye. The others must detect it (SWIM + Lifeguard suspicion).
    const victim = this.agents[2] as AgentProcess;
    const victimThreads = DEMO_THREADS[2];
    await this.disrupt(victim, 'SIGKILL', 'fail', total - victimThreads, 'hard-killing');
    await victim.waitExit(5000);

    // 3. Graceful leave: SIGINT, the agent announces its departure and exits 0.
    const leaver = this.agents[4] as AgentProcess;
    const remaining = total - victimThreads - DEMO_THREADS[4];
    await this.disrupt(leaver, 'SIGINT', 'leave', remaining, 'asking to leave (SIGINT):');
    const exit = await leaver.waitExit(10_000);
    const last = leaver.events.filter((e) => e.event === 'rebalance').at(-1);
    await say(
      `  ${leaver.name} exited with code ${exit.code}; its last rebalance: index ${String(last?.index)} ` +
        `(-1: no longer in the cluster)\n\n`,
    );
    if (exit.code !== 0)
      throw new Error(`${leaver.name} exited with ${JSON.stringify(exit)}, expected code 0`);

    const survivors = this.agents.filter((a) => a.running);
    await Promise.all(
      survivors.map((a) => a.waitFor(`a settled view of ${remaining} threads`, settledAt(remaining), 20_000)),
    );
    await say('the view now, settled again:\n\n');
    await this.printView(this.agents[0] as AgentProcess);

    // 4. Stop the rest gracefully.
    const rest = this.agents.filter((a) => a.running);
    for (const agent of rest) agent.signal('SIGINT');
    const codes = await Promise.all(rest.map((a) => a.waitExit(10_000)));
    const bad = codes.findIndex((status) => status.code !== 0);
    if (bad >= 0) throw new Error(`${rest[bad]?.name} exited with ${JSON.stringify(codes[bad])}`);
    await say(
      `stopped the remaining ${rest.length} agents gracefully; demo done in ${formatDuration(Date.now() - started)}.\n` +
        'next: "npx meshnode agent --help", then "npx meshnode members" or "npx meshnode monitor" against a running agent.\n',
    );
  }

  /**
   * Signals `target`, then waits on every other running agent for the member
   * event about it and for its rebalance to the new total; prints the times.
   */
  private async disrupt(
    target: AgentProcess,
    signal: NodeJS.Signals,
    expected: 'fail' | 'leave',
    newTotal: number,
    verb: string,
  ): Promise<void> {
    const observers = this.agents.filter((a) => a !== target && a.running);
    const marks = observers.map((a) => a.events.length);
    await say(`${verb} ${target.name} (pid ${target.pid})...\n`);
    const t0 = Date.now();
    target.signal(signal);
    const rows = await Promise.all(
      observers.map(async (agent, i) => {
        const from = marks[i] ?? 0;
        const seen = await agent.waitFor(
          `the ${expected} of ${target.name}`,
          (e) => (e.event === 'fail' || e.event === 'leave') && e.id === target.name,
          30_000,
          from,
        );
        const rebalance = await agent.waitFor(
          `a rebalance to ${newTotal} threads`,
          (e) => e.event === 'rebalance' && e.total === newTotal,
          30_000,
          from,
        );
        return [
          agent.name,
          `${seen.event === 'fail' ? 'failed' : 'left'} after ${formatDuration(seen.ts - t0)}`,
          formatDuration(rebalance.ts - t0),
          `${String(rebalance.index)} of ${String(rebalance.total)}`,
        ];
      }),
    );
    await say(
      `${renderTable(
        ['SURVIVOR', `SAW ${target.name.toUpperCase()}`, 'REBALANCED AFTER', 'NEW INDEX'],
        rows,
        ['left', 'left', 'right', 'right'],
      )}\n\n`,
    );
  }

  private async printView(agent: AgentProcess): Promise<void> {
    const start = agent.events.find((e) => e.event === 'start');
    const { status, members } = await fetchClusterStatus(`http://${String(start?.http)}`, 3000);
    await say(`${formatStatusTable(status, members)}\n\n`);
  }

  private spawn(n: number, seeds: readonly string[]): AgentProcess {
    const name = `node-${n}`;
    const args = [
      this.bin,
      'agent',
      ...['-k', KEY, '-e', this.env, '-i', name, '-n', String(DEMO_THREADS[n - 1])],
      ...['--bind', '127.0.0.1:0', '--http', '127.0.0.1:0', '--preset', 'local', '--json', '-v', 'warn'],
      ...(seeds.length > 0 ? ['--seeds', seeds.join(',')] : []),
    ];
    const agent = new AgentProcess(name, process.execPath, args);
    if (this.verbose) {
      agent.child.stdout?.on('data', (chunk: Buffer) =>
        process.stderr.write(`[${name}] ${chunk.toString()}`),
      );
    }
    this.agents.push(agent);
    return agent;
  }

  /** Stops what still runs: SIGINT first (a graceful leave), SIGKILL after 5 s. */
  async cleanup(): Promise<void> {
    const running = this.agents.filter((a) => a.running);
    for (const agent of running) agent.signal('SIGINT');
    await Promise.all(running.map((a) => a.waitExit(5000).catch(() => a.destroy())));
  }

  killNow(): void {
    for (const agent of this.agents) if (agent.running) agent.child.kill('SIGKILL');
  }
}

function settledAt(total: number): (event: AgentEvent) => boolean {
  return (e) => e.event === 'settled' && e.total === total;
}

function say(text: string): Promise<void> {
  return writeOut(text);
}
