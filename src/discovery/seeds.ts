/**
 * Joining through seeds: resolves hostnames and SRV names (again on every
 * attempt, so a seed that moved is found), tries the addresses found a few
 * at a time in a random order (join-in-turn.ts), backs off between attempts
 * with jitter, and after the foreground attempts either gives up (mode
 * "exit") or keeps retrying in the background at the longest backoff (mode
 * "background") until it succeeds, someone else brings this node in, or it
 * is stopped.
 */
import { MeshError } from '../core/errors.js';
import { joinInTurn } from '../node/join-in-turn.js';
import { resolveSeeds } from '../node/seed-resolution.js';
import { type SeedResolver, systemResolver } from '../node/seed-resolver.js';

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /** Fraction of random spread around the delay (0.2 = +-20%) so restarts do not stampede. Default 0.2. */
  readonly jitter?: number;
}

/** Delay after failed attempt number `attempt` (1-based): initial * factor^(attempt-1), capped, jittered. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const factor = policy.factor ?? 2;
  const jitter = policy.jitter ?? 0.2;
  const grown = policy.initialMs * factor ** Math.max(0, attempt - 1);
  const base = Number.isFinite(grown) ? Math.min(policy.maxMs, grown) : policy.maxMs;
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(policy.maxMs, base + spread)));
}

export type SeedJoinState =
  | 'idle'
  | 'joining'
  | 'retrying'
  | 'background'
  | 'joined'
  | 'no-seeds'
  | 'failed'
  | 'stopped';

export interface AttemptFailure {
  readonly attempt: number;
  readonly addresses: readonly string[];
  /** The join's own error as it was thrown (a JoinError keeps its code), or ERR_MESH_SEEDS_UNRESOLVED. */
  readonly error: Error;
  /** For humans: the error's message, plus the seeds whose names did not resolve. */
  readonly message: string;
  /** Wait before the next attempt; undefined when there is none. */
  readonly nextDelayMs: number | undefined;
  /** True once the foreground attempts are used up and the joiner retries in the background. */
  readonly background: boolean;
}

export interface SeedJoinerOptions {
  /** The seeds to try, read again before every attempt (a view file may have changed). */
  readonly seeds: () => readonly string[];
  /**
   * Joins through resolved addresses, once: rejects when none answered. The
   * joiner is the one retry loop, so this should not retry on its own
   * (MeshNode.join with `{ retry: false }`).
   */
  readonly join: (addresses: readonly string[]) => Promise<void>;
  /** True when this node is already in a cluster (another node or mDNS brought it in): stop retrying. */
  readonly isJoined?: () => boolean;
  /** This node's own addresses: never joined through. */
  readonly self?: () => readonly string[];
  /** Where seed names are looked up. Default: the system. */
  readonly resolver?: SeedResolver;
  /** Attempts before giving up (exit) or going to the background. At least 1. */
  readonly attempts: number;
  readonly mode: 'background' | 'exit';
  readonly backoff: BackoffPolicy;
  readonly random?: () => number;
  readonly onAttemptFailed?: (failure: AttemptFailure) => void;
  /** Called once when the foreground attempts are used up in background mode. */
  readonly onBackground?: (failure: AttemptFailure) => void;
}

export type JoinOutcome =
  | { readonly kind: 'joined'; readonly addresses: readonly string[]; readonly attempts: number }
  | { readonly kind: 'alone' }
  | { readonly kind: 'already-joined' }
  | { readonly kind: 'stopped' };

/** Every attempt failed and the mode is "exit". */
export class SeedsUnreachableError extends MeshError {
  readonly attempts: number;
  readonly seeds: readonly string[];
  /** `last` becomes the cause, so the last JoinError's code stays reachable; `detail` defaults to its message. */
  constructor(attempts: number, seeds: readonly string[], last: Error | undefined, detail = last?.message) {
    const list = seeds.length > 0 ? seeds.join(', ') : '(no seed resolved)';
    super(
      'ERR_MESH_SEEDS_UNREACHABLE',
      `could not join through ${list} after ${attempts} attempt(s)${detail ? `: ${detail}` : ''}`,
      { cause: last },
    );
    this.attempts = attempts;
    this.seeds = seeds;
  }
}

export class SeedJoiner {
  private readonly options: SeedJoinerOptions;
  private stateValue: SeedJoinState = 'idle';
  private lastErrorValue: Error | undefined;
  private lastMessageValue: string | undefined;
  private attemptCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<JoinOutcome> | undefined;

  constructor(options: SeedJoinerOptions) {
    if (!Number.isInteger(options.attempts) || options.attempts < 1)
      throw new RangeError('attempts must be >= 1');
    this.options = options;
  }

  get state(): SeedJoinState {
    return this.stateValue;
  }

  /** The last attempt's error as thrown (a JoinError keeps its code). */
  get lastError(): Error | undefined {
    return this.lastErrorValue;
  }

  /** The last attempt's failure for humans, unresolved seed names included. */
  get lastErrorMessage(): string | undefined {
    return this.lastMessageValue;
  }

  get attempts(): number {
    return this.attemptCount;
  }

  /** Runs the attempts; the same promise on every call. */
  start(): Promise<JoinOutcome> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stops retrying: a pending wait ends and start() resolves with "stopped". */
  stop(): void {
    if (this.stateValue === 'joined' || this.stateValue === 'no-seeds' || this.stateValue === 'failed')
      return;
    this.stateValue = 'stopped';
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
  }

  private async run(): Promise<JoinOutcome> {
    const { options } = this;
    let announcedBackground = false;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped()) return { kind: 'stopped' };
      if (attempt > 1 && options.isJoined?.() === true) {
        this.stateValue = 'joined';
        return { kind: 'already-joined' };
      }
      this.attemptCount = attempt;
      if (this.stateValue !== 'background') this.stateValue = attempt === 1 ? 'joining' : 'retrying';
      const seeds = options.seeds();
      if (seeds.length === 0) {
        this.stateValue = 'no-seeds';
        return { kind: 'alone' };
      }
      const resolved = await resolveSeeds(seeds, options.resolver ?? systemResolver);
      if (this.stopped()) return { kind: 'stopped' };
      const self = new Set(options.self?.() ?? []);
      const addresses = resolved.addresses.filter((address) => !self.has(address));
      const onlySelf = addresses.length === 0 && resolved.addresses.length > 0;
      if (onlySelf && Object.keys(resolved.failures).length === 0) {
        this.stateValue = 'no-seeds';
        return { kind: 'alone' };
      }
      let error: Error;
      let message: string;
      if (addresses.length === 0) {
        error = new MeshError('ERR_MESH_SEEDS_UNRESOLVED', describeFailures(resolved.failures));
        message = error.message;
      } else {
        const tried = await joinInTurn(addresses, options.join, {
          random: options.random ?? Math.random,
          stopped: () => this.stopped(),
          // Another live process owns our id: no other address or retry can help.
          fatal: (caught) => (caught as { code?: unknown }).code === 'ERR_MESH_ID_CONFLICT',
        });
        if (this.stopped()) return { kind: 'stopped' };
        if (tried.kind === 'stopped') return tried;
        if (tried.kind === 'joined') {
          this.stateValue = 'joined';
          this.lastErrorValue = undefined;
          this.lastMessageValue = undefined;
          return { kind: 'joined', addresses: tried.through, attempts: attempt };
        }
        error = tried.error;
        message =
          Object.keys(resolved.failures).length > 0
            ? `${error.message}; ${describeFailures(resolved.failures)}`
            : error.message;
      }
      if (this.stopped()) return { kind: 'stopped' };
      this.lastErrorValue = error;
      this.lastMessageValue = message;
      const foregroundLeft = attempt < options.attempts;
      if (!foregroundLeft && options.mode === 'exit') {
        this.stateValue = 'failed';
        options.onAttemptFailed?.({
          attempt,
          addresses,
          error,
          message,
          nextDelayMs: undefined,
          background: false,
        });
        throw new SeedsUnreachableError(attempt, addresses.length > 0 ? addresses : seeds, error, message);
      }
      const delay = foregroundLeft
        ? backoffDelay(attempt, options.backoff, options.random)
        : backoffDelay(Number.MAX_SAFE_INTEGER, options.backoff, options.random);
      const failure: AttemptFailure = {
        attempt,
        addresses,
        error,
        message,
        nextDelayMs: delay,
        background: !foregroundLeft,
      };
      options.onAttemptFailed?.(failure);
      if (!foregroundLeft && !announcedBackground) {
        announcedBackground = true;
        this.stateValue = 'background';
        options.onBackground?.(failure);
      }
      await this.sleep(delay);
    }
  }

  private stopped(): boolean {
    return this.stateValue === 'stopped';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake?.();
      }, ms);
    });
  }
}

function describeFailures(failures: Record<string, string>): string {
  const entries = Object.entries(failures);
  if (entries.length === 0) return 'no seed address';
  return entries.map(([seed, why]) => `${seed}: ${why}`).join('; ');
}
