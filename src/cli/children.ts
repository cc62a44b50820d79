/**
 * Agents as child processes, driven through their --json output: the demo
 * (and the CLI tests) start `meshnode agent --json`, wait for event lines
 * with a deadline, send signals, and always clean up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface AgentEvent {
  readonly event: string;
  readonly ts: number;
  readonly [field: string]: unknown;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Waiter {
  readonly match: (event: AgentEvent) => boolean;
  readonly resolve: (event: AgentEvent) => void;
}

/** Non-JSON stdout lines reach waitFor() as `{ event: 'text', line }` (they are not kept in events[]). */
const TEXT = 'text';

/** Most stderr kept per agent, for failure reports. */
const STDERR_KEEP_CHARS = 16_384;

export class AgentProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every JSON event line seen on stdout, in order. */
  readonly events: AgentEvent[] = [];
  /** Stdout lines that were not JSON. */
  readonly text: string[] = [];
  private stderrTail = '';
  private readonly waiters = new Set<Waiter>();
  private exitStatus: ExitStatus | undefined;
  private readonly exited: Promise<ExitStatus>;

  constructor(name: string, command: string, args: readonly string[], env?: NodeJS.ProcessEnv) {
    this.name = name;
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
      this.child.once('error', (error) => {
        this.stderrTail += `\nspawn error: ${error.message}`;
        this.exitStatus = { code: null, signal: null };
        resolve(this.exitStatus);
      });
    });
    const lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => this.onLine(line));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP_CHARS);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /**
   * The first event at or after position `from` in events[] that matches,
   * waiting for it up to `timeoutMs`. Rejects naming the agent, what was
   * awaited and the last output when the deadline passes or the agent exits.
   */
  waitFor(
    what: string,
    match: (event: AgentEvent) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<AgentEvent> {
    for (let i = from; i < this.events.length; i++) {
      const event = this.events[i] as AgentEvent;
      if (match(event)) return Promise.resolve(event);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (event) => {
          finish();
          resolve(event);
        },
      };
      const fail = (why: string) => {
        finish();
        reject(new Error(`${this.name}: ${why} while waiting for ${what}\n${this.describe()}`));
      };
      const timer = setTimeout(() => fail(`no event within ${timeoutMs} ms`), timeoutMs);
      const onExit = () => fail(`exited (${JSON.stringify(this.exitStatus)})`);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.child.off('exit', onExit);
      };
      this.waiters.add(waiter);
      if (!this.running) onExit();
      else this.child.once('exit', onExit);
    });
  }

  /** Waits for the process to end; rejects after `timeoutMs`. */
  waitExit(timeoutMs: number): Promise<ExitStatus> {
    if (this.exitStatus !== undefined) return Promise.resolve(this.exitStatus);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: still running after ${timeoutMs} ms\n${this.describe()}`)),
        timeoutMs,
      );
      void this.exited.then((status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGKILL and wait (bounded) for the exit. Never throws. */
  async destroy(timeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.waitExit(timeoutMs).catch(() => {});
  }

  /** The last stdout lines and stderr, for error messages. */
  describe(): string {
    const last = this.events.slice(-8).map((event) => `  ${JSON.stringify(event)}`);
    const stderr = this.stderrTail
      .trim()
      .split('\n')
      .slice(-12)
      .map((line) => `  ${line}`);
    return [`--- last events of ${this.name}:`, ...last, `--- stderr of ${this.name}:`, ...stderr].join('\n');
  }

  /** Waits for a non-JSON stdout line (human output) matching `pattern`, seen before or after the call. */
  waitForText(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.text.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return this.waitFor(
      `a line matching ${pattern}`,
      (e) => e.event === TEXT && pattern.test(String(e.line)),
      timeoutMs,
      this.events.length,
    ).then((e) => String(e.line));
  }

  private onLine(line: string): void {
    let event: AgentEvent | undefined;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as AgentEvent).event === 'string') {
        event = parsed as AgentEvent;
      }
    } catch {
      // Human output.
    }
    if (event === undefined) {
      this.text.push(line);
      event = { event: TEXT, line, ts: Date.now() };
    } else {
      this.events.push(event);
    }
    for (const waiter of [...this.waiters]) if (waiter.match(event)) waiter.resolve(event);
  }
}

/** SIGKILLs every agent still running and waits for them (bounded). */
export async function destroyAll(agents: Iterable<AgentProcess>): Promise<void> {
  await Promise.all([...agents].map((agent) => agent.destroy()));
}
