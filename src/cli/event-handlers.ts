/**
 * Runs the agent's event handlers (Serf's -event-handler). Each handler
 * gets its matching events one at a time, in the order they happened; runs
 * of different handlers overlap up to a global limit. A run that outlives
 * its time limit is killed (its whole process group: SIGTERM, then SIGKILL),
 * and a run that fails is logged; neither ever blocks the agent, whose
 * events only ever go into a bounded queue.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../runtime/logger.js';
import {
  type HandlerSpec,
  handlerEnv,
  handlerEventName,
  handlerInput,
  type SelfInfo,
  specMatches,
} from './event-handler-spec.js';

export interface EventHandlerLimits {
  /** A run is killed after this long. */
  readonly timeoutMs: number;
  /** Runs at once across all handlers. */
  readonly concurrency: number;
  /** Events waiting per handler; more are dropped (and counted). */
  readonly queueMax: number;
  /** Time between SIGTERM and SIGKILL of a run that timed out. */
  readonly killGraceMs: number;
}

export const EVENT_HANDLER_DEFAULTS: EventHandlerLimits = {
  timeoutMs: 30_000,
  concurrency: 4,
  queueMax: 1024,
  killGraceMs: 2000,
};

/** Bytes of a run's stderr / stdout kept for the log line. */
const OUTPUT_TAIL_BYTES = 2048;

/** How one run ended. */
export interface RunResult {
  readonly handler: string;
  readonly event: string;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** The spawn error (missing program, not executable), if any. */
  readonly error: string | undefined;
  readonly stderr: string;
}

interface Job {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly input: string;
}

class HandlerQueue {
  readonly spec: HandlerSpec;
  readonly jobs: Job[] = [];
  running = false;
  dropped = 0;
  constructor(spec: HandlerSpec) {
    this.spec = spec;
  }
}

export class EventHandlers {
  private limits: EventHandlerLimits;
  private readonly logger: Logger;
  private readonly self: () => SelfInfo;
  private readonly onRun: (result: RunResult) => void;
  private queues: HandlerQueue[] = [];
  private readonly children = new Set<ChildProcess>();
  private runningCount = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: {
    readonly specs: readonly HandlerSpec[];
    readonly self: () => SelfInfo;
    readonly logger: Logger;
    readonly limits?: Partial<EventHandlerLimits>;
    /** Sees every finished run (tests, metrics). */
    readonly onRun?: (result: RunResult) => void;
  }) {
    this.limits = { ...EVENT_HANDLER_DEFAULTS, ...options.limits };
    this.logger = options.logger;
    this.self = options.self;
    this.onRun = options.onRun ?? (() => {});
    this.replace(options.specs);
  }

  get handlers(): readonly string[] {
    return this.queues.map((queue) => queue.spec.text);
  }

  get running(): number {
    return this.runningCount;
  }

  /**
   * New handler list (a reload): a handler given again keeps its queue and
   * order; one no longer given gets no more events (a run in progress
   * finishes or times out as usual).
   */
  replace(specs: readonly HandlerSpec[]): void {
    const byText = new Map(this.queues.map((queue) => [queue.spec.text, queue]));
    this.queues = specs.map((spec) => byText.get(spec.text) ?? new HandlerQueue(spec));
    for (const queue of byText.values()) if (!this.queues.includes(queue)) queue.jobs.length = 0;
  }

  /** New time limit or concurrency (a reload): for the runs that start from now on. */
  setLimits(limits: Partial<EventHandlerLimits>): void {
    this.limits = { ...this.limits, ...limits };
    this.pump();
  }

  /** Hands a stream event ({ type, ...fields }) to every handler whose filter matches. Never throws. */
  dispatch(event: Readonly<Record<string, unknown>>): void {
    if (this.closed || this.queues.length === 0) return;
    const name = handlerEventName(event);
    if (name === undefined) return;
    let env: Record<string, string> | undefined;
    let input: string | undefined;
    for (const queue of this.queues) {
      if (!specMatches(queue.spec, name)) continue;
      if (queue.jobs.length >= this.limits.queueMax) {
        queue.dropped += 1;
        // Once per power of two: a stuck handler is visible without a line per event.
        if ((queue.dropped & (queue.dropped - 1)) === 0) {
          this.logger.warn(
            { handler: queue.spec.text, dropped: queue.dropped, queueMax: this.limits.queueMax },
            'event handler is falling behind; dropping events for it',
          );
        }
        continue;
      }
      env ??= handlerEnv(name, event, this.self());
      input ??= handlerInput(name, event);
      queue.jobs.push({ name, env, input });
    }
    this.pump();
  }

  /** Resolves once no run is in progress and nothing waits (bounded by the runs' time limit). */
  idle(): Promise<void> {
    if (this.runningCount === 0 && this.queues.every((queue) => queue.jobs.length === 0))
      return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** No more runs; the running ones are killed. */
  close(): void {
    this.closed = true;
    for (const queue of this.queues) queue.jobs.length = 0;
    for (const child of this.children) killGroup(child, 'SIGKILL');
  }

  private pump(): void {
    for (const queue of this.queues) {
      if (this.runningCount >= this.limits.concurrency) return;
      if (queue.running || queue.jobs.length === 0) continue;
      const job = queue.jobs.shift() as Job;
      queue.running = true;
      this.runningCount += 1;
      this.run(queue.spec, job, (result) => {
        queue.running = false;
        this.runningCount -= 1;
        this.report(result);
        this.pump();
        this.checkIdle();
      });
    }
  }

  private checkIdle(): void {
    if (this.runningCount > 0 || this.queues.some((queue) => queue.jobs.length > 0)) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private report(result: RunResult): void {
    try {
      this.onRun(result);
    } catch {
      // An observer's mistake must not stop the handlers.
    }
    if (result.ok) {
      this.logger.debug({ handler: result.handler, event: result.event }, 'event handler ran');
      return;
    }
    const why = result.timedOut
      ? 'event handler timed out and was killed'
      : result.error !== undefined
        ? 'event handler could not be started'
        : 'event handler failed';
    this.logger.warn(
      {
        handler: result.handler,
        event: result.event,
        exitCode: result.exitCode,
        signal: result.signal,
        ...(result.error !== undefined ? { err: result.error } : {}),
        ...(result.stderr !== '' ? { stderr: result.stderr } : {}),
        ...(result.timedOut ? { timeoutMs: this.limits.timeoutMs } : {}),
      },
      why,
    );
  }

  private run(spec: HandlerSpec, job: Job, done: (result: RunResult) => void): void {
    let child: ChildProcess;
    const finish = (fields: Partial<RunResult>): void => {
      done({
        handler: spec.text,
        event: job.name,
        ok: false,
        exitCode: null,
        signal: null,
        timedOut: false,
        error: undefined,
        stderr: '',
        ...fields,
      });
    };
    try {
      child = spawn(spec.path, [], {
        env: { ...process.env, ...job.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a timeout kills whatever the handler started too.
        detached: process.platform !== 'win32',
      });
    } catch (error) {
      finish({ error: (error as Error).message });
      return;
    }
    this.children.add(child);
    let stderr = '';
    let timedOut = false;
    let spawnError: string | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    });
    // Output is read (so a chatty handler never blocks on a full pipe) and dropped.
    child.stdout?.resume();
    child.stdin?.on('error', () => {
      // The handler exited or closed its input without reading it all: not our failure.
    });
    child.stdin?.end(job.input);
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), this.limits.killGraceMs);
    }, this.limits.timeoutMs);
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      this.children.delete(child);
      finish({
        ok: code === 0 && !timedOut && spawnError === undefined,
        exitCode: code,
        signal,
        timedOut,
        error: spawnError,
        stderr: stderr.trim(),
      });
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // The group may outlive its leader (a handler that started a background job): no exit check here.
  if (child.pid === undefined) return;
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone.
  }
}
