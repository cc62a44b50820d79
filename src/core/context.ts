/**
 * What the parts of the core share: configuration, randomness, the host,
 * the time of the input being handled, timers by token, events and counters.
 */
import type { ProtocolConfig } from './config.js';
import { CORE_COUNTERS, type CoreCounters, zeroCounts } from './counters.js';
import type { DropCounts } from './drops.js';
import type { CoreEvent, CoreHost, DropReason } from './host.js';
import type { TimerAction } from './timer-action.js';
import type { RandomSource } from './types.js';

export class CoreContext {
  /** Time of the input being handled; set by MeshCore on every input. */
  nowMs = 0;
  readonly counters: CoreCounters = zeroCounts(CORE_COUNTERS);
  readonly drops: DropCounts = {};
  private readonly timers = new Map<number, TimerAction>();
  private nextToken = 0;

  constructor(
    readonly id: string,
    readonly config: ProtocolConfig,
    readonly random: RandomSource,
    readonly host: CoreHost,
  ) {}

  /** Asks the host for a timer; the returned token identifies it when it fires. */
  schedule(delayMs: number, action: TimerAction): number {
    const token = ++this.nextToken;
    this.timers.set(token, action);
    this.host.schedule(Math.max(0, Math.round(delayMs)), token);
    return token;
  }

  /** Forgets a pending timer and tells the host it may drop it. */
  cancel(token: number): void {
    if (this.timers.delete(token)) this.host.cancel?.(token);
  }

  /** The action of a fired timer, once; undefined for tokens no longer expected. */
  takeTimer(token: number): TimerAction | undefined {
    const action = this.timers.get(token);
    if (action !== undefined) this.timers.delete(token);
    return action;
  }

  clearTimers(): void {
    this.timers.clear();
  }

  emit(event: CoreEvent): void {
    this.host.notify(event);
  }

  drop(reason: DropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
    this.emit({ type: 'drop', reason });
  }
}
