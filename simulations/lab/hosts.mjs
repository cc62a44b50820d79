// One lab host: the agent running in its namespace, the sampler reading its
// status API, and everything they printed. Every process is started through
// `ip netns exec`, which execs the program, so the pid we hold is the
// agent's own and a signal reaches it directly.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HTTP_PORT, MESH_PORT } from './topology.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', '..', 'bin', 'meshnode.js');
const SAMPLER = join(here, 'sampler.mjs');
const WARM_AGENT = join(here, 'warm-agent.mjs');
const WARM_READY_MS = 15_000;
const LOG_TAIL_LINES = 40;
const EXIT_WAIT_MS = 5000;
export const CLUSTER_KEY = 'lab';

/** Every process the lab started, so that cleanup can end exactly those. */
export const startedProcesses = new Set();

function track(child) {
  startedProcesses.add(child);
  child.once('exit', () => startedProcesses.delete(child));
  return child;
}

function waitExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export class LabHost {
  constructor({ index, ns, address }, logDir, preset) {
    this.index = index;
    this.ns = ns;
    this.address = address;
    this.id = `lab-h${index}`;
    this.preset = preset;
    this.threads = 1;
    this.life = 0;
    this.agent = undefined;
    this.sampler = undefined;
    /** Parsed --json lines of every life: { host, life, ...event }. */
    this.events = [];
    /** Status samples: { host, t, up, viewId, total, settled, index, threads, view }. */
    this.samples = [];
    this.counters = { suspicions: 0, refutations: 0 };
    this.countersByLife = [];
    this.tail = [];
    /** Flags every life of this host's agent gets besides the lab's own (a scenario's choice). */
    this.extraArgs = [];
    this.log = createWriteStream(join(logDir, `h${index}.log`), { flags: 'a' });
  }

  get meshAddress() {
    return `${this.address}:${MESH_PORT}`;
  }

  get running() {
    return this.agent !== undefined && this.agent.exitCode === null && this.agent.signalCode === null;
  }

  remember(source, line) {
    this.log.write(`${new Date().toISOString()} ${source} ${line}\n`);
    this.tail.push(`${source} ${line}`);
    if (this.tail.length > LOG_TAIL_LINES) this.tail.shift();
  }

  agentArgs(threads, seeds) {
    const args = ['agent', '--key', CLUSTER_KEY, '--id', this.id, '--threads', String(threads)];
    args.push('--bind', this.meshAddress, '--http', `127.0.0.1:${HTTP_PORT}`, '--preset', this.preset);
    args.push('--json', '--log-level', 'info');
    if (seeds.length > 0) args.push('--seeds', seeds.join(','));
    args.push(...this.extraArgs);
    return args;
  }

  /** Spawns `program` in this host's namespace; its output is attributed to the life current when it prints. */
  spawnAgent(program, args, stdin) {
    if (this.closed) throw new Error(`${this.id}: the lab was torn down`);
    const child = track(
      spawn('ip', ['netns', 'exec', this.ns, process.execPath, program, ...args], {
        stdio: [stdin, 'pipe', 'pipe'],
      }),
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.remember('out', line);
      try {
        this.events.push({ host: this.index, life: this.life, ...JSON.parse(line) });
      } catch {
        // not JSON: kept in the log only
      }
    });
    const stderr = createInterface({ input: child.stderr });
    stderr.on('line', (line) => this.remember('err', line));
    return { child, stderr };
  }

  becomeLife(child, threads, how) {
    this.threads = threads;
    this.life++;
    const life = this.life;
    this.agent = child;
    this.startedAtMs = Date.now();
    this.remember('lab', `life ${life} (${how}): meshnode ${child.spawnargs.slice(6).join(' ')}`);
    child.once('exit', (code, signal) =>
      this.remember('lab', `life ${life} exited: code ${code} signal ${signal}`),
    );
  }

  /** Starts this host's agent (a new life); `seeds` are mesh addresses. */
  start({ seeds = [], threads = this.threads } = {}) {
    if (this.running) throw new Error(`${this.id} is already running`);
    const { child } = this.spawnAgent(BIN, this.agentArgs(threads, seeds), 'ignore');
    this.becomeLife(child, threads, 'started');
    return child;
  }

  /**
   * Loads a new agent's code while the current one may still run, and
   * returns `go()`, which starts it (a new life) in milliseconds.
   */
  async prepareWarmStart({ seeds = [], threads = this.threads } = {}) {
    const { child, stderr } = this.spawnAgent(WARM_AGENT, this.agentArgs(threads, seeds), 'pipe');
    const ready = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), WARM_READY_MS);
      stderr.on('line', (line) => {
        if (line === 'warm: ready') {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => resolve(false));
    });
    if (!ready) {
      child.kill('SIGKILL');
      throw new Error(`${this.id}: the warm agent did not load within ${WARM_READY_MS / 1000} s`);
    }
    return {
      go: () => {
        if (this.running) throw new Error(`${this.id} is still running`);
        this.becomeLife(child, threads, 'warm start');
        child.stdin.write('go\n');
      },
    };
  }

  signal(name) {
    if (!this.running) throw new Error(`${this.id} is not running`);
    this.remember('lab', `sending ${name}`);
    this.agent.kill(name);
  }

  async kill9() {
    this.signal('SIGKILL');
    await waitExit(this.agent, EXIT_WAIT_MS);
  }

  /** A graceful stop (SIGTERM: the agent leaves, then exits); SIGKILL if it does not exit in time. */
  async stop() {
    if (!this.running) return;
    this.signal('SIGTERM');
    if (!(await waitExit(this.agent, EXIT_WAIT_MS))) await this.kill9();
  }

  startSampler(intervalMs, durationMs) {
    const args = ['netns', 'exec', this.ns, process.execPath, SAMPLER];
    args.push(
      '--port',
      String(HTTP_PORT),
      '--interval',
      String(intervalMs),
      '--duration',
      String(durationMs),
    );
    const child = track(spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.sampler = child;
    createInterface({ input: child.stdout }).on('line', (line) => {
      let sample;
      try {
        sample = JSON.parse(line);
      } catch {
        return;
      }
      if (sample.counters !== undefined) {
        this.countersByLife[this.life] = sample.counters;
      } else {
        this.samples.push({ host: this.index, life: this.life, ...sample });
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => this.remember('sampler', line));
  }

  /** The latest sample, if it is at most `maxAgeMs` old. */
  latest(maxAgeMs = 1000) {
    const sample = this.samples.at(-1);
    return sample !== undefined && Date.now() - sample.t <= maxAgeMs ? sample : undefined;
  }

  /** Suspicions this host raised and refutations it made, summed over its lives. */
  totals() {
    let suspicions = 0;
    let refutations = 0;
    for (const counters of this.countersByLife) {
      if (counters === undefined) continue;
      suspicions += counters.suspicions ?? 0;
      refutations += counters.refutations ?? 0;
    }
    return { suspicions, refutations };
  }

  async shutdown() {
    for (const child of startedProcesses) {
      if (child !== this.agent && child !== this.sampler && child.spawnargs[3] === this.ns)
        child.kill('SIGKILL');
    }
    for (const child of [this.agent, this.sampler]) {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      // A stopped agent must be continued to handle SIGKILL's exit promptly; SIGKILL works anyway.
      child.kill('SIGKILL');
      await waitExit(child, EXIT_WAIT_MS);
    }
    await new Promise((resolve) => this.log.end(resolve));
  }
}

/** Ends every process the lab started, synchronously (for exit paths). */
export function killAllStarted() {
  for (const child of startedProcesses) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
