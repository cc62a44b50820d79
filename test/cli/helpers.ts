/**
 * Process-level CLI tests: real `meshnode` processes from the build (run
 * `npm run build` first) on 127.0.0.1 with ephemeral ports, a fast protocol
 * config, a cluster env of their own, and bounded waits on output lines.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentProcess } from '../../src/cli/children.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'bin', 'meshnode.js');
/** Ceiling of one wait on an agent's output; the usual wait is well under a second. */
export const WAIT_MS = 15_000;

export function assertBuilt(): void {
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js')) || !existsSync(BIN)) {
    throw new Error('the CLI tests run the build: run "npm run build" first');
  }
}

/** Timers a few times faster than the local preset, so a crash is detected in well under a second. */
export const FAST_PROTOCOL = {
  probeIntervalMs: 100,
  probeTimeoutMs: 50,
  gossipIntervalMs: 25,
  viewDelayMs: 100,
  settleQuietMs: 200,
  leaveTimeoutMs: 300,
};

let envCounter = 0;

/** A temp dir, a fast config file in it, and the agents of one test; close() cleans all of it. */
export class TestBed {
  readonly env = `test-${process.pid}-${++envCounter}`;
  readonly key = 'cli-test';
  readonly agents: AgentProcess[] = [];
  dir = '';
  config = '';

  async open(): Promise<this> {
    assertBuilt();
    this.dir = await mkdtemp(join(tmpdir(), 'meshnode-cli-'));
    this.config = await this.writeConfig('fast.json', {
      preset: 'local',
      logLevel: 'info',
      protocol: FAST_PROTOCOL,
      joinTimeoutMs: 3000,
    });
    return this;
  }

  async writeConfig(name: string, content: unknown): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  /** `meshnode agent` of this bed's cluster on 127.0.0.1, port 0, status API on port 0, --json unless told. */
  agent(
    id: string,
    args: readonly string[] = [],
    options: { json?: boolean; env?: NodeJS.ProcessEnv } = {},
  ): AgentProcess {
    const agent = new AgentProcess(
      id,
      process.execPath,
      [
        BIN,
        'agent',
        ...['-k', this.key, '-e', this.env, '-i', id, '--bind', '127.0.0.1:0', '--http', '127.0.0.1:0'],
        ...['--config', this.config, ...(options.json === false ? [] : ['--json'])],
        ...args,
      ],
      options.env,
    );
    this.agents.push(agent);
    return agent;
  }

  /** Waits for the agent's start event and returns its mesh and status API addresses. */
  async started(agent: AgentProcess): Promise<{ address: string; http: string }> {
    const event = await agent.waitFor('the start event', (e) => e.event === 'start', WAIT_MS);
    return { address: String(event.address), http: String(event.http) };
  }

  /** Another `meshnode` command that runs until stopped (monitor), cleaned up with the agents. */
  command(name: string, args: readonly string[]): AgentProcess {
    const command = new AgentProcess(name, process.execPath, [BIN, ...args]);
    this.agents.push(command);
    return command;
  }

  /** The status API address an agent announced in its start event. */
  agentHttp(agent: AgentProcess): string {
    const start = agent.events.find((e) => e.event === 'start');
    if (start === undefined) throw new Error(`${agent.name} has not started`);
    return String(start.http);
  }

  async close(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.destroy()));
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true });
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `meshnode ...args` to its end (SIGKILL after timeoutMs, which fails the result). */
export function runCli(
  args: readonly string[],
  timeoutMs = WAIT_MS,
  options: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`meshnode ${args.join(' ')} still running after ${timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}
