/**
 * While a node is alone, its seed names are looked up again now and then,
 * and it joins anyone else they name. Pods started together may each see
 * only themselves behind a headless Service's name for a moment (each DNS
 * server's cache fills at its own time); without this, each would stay a
 * cluster of its own once its seed joiner had found nobody else.
 */
import { isAddressSeed } from '../node/seed-resolution.js';
import type { SeedResolver } from '../node/seed-resolver.js';
import { SeedJoiner } from './seeds.js';

export interface NameWatchOptions {
  /** The seeds; only the names among them (hostnames, srv:) are watched. */
  readonly seeds: () => readonly string[];
  readonly resolver: SeedResolver;
  /** This node's own addresses: never joined through. */
  readonly self: () => readonly string[];
  /** True while nobody else is in this node's cluster. */
  readonly isAlone: () => boolean;
  /** Joins through addresses once (MeshNode.join with `{ retry: false }`). */
  readonly join: (addresses: readonly string[]) => Promise<void>;
  /** Time between lookups. */
  readonly intervalMs: number;
  readonly onJoined?: (through: readonly string[]) => void;
  /** A look that found someone but could not join (it is tried again at the next interval). */
  readonly onFailed?: (error: Error) => void;
}

export class NameWatch {
  private readonly options: NameWatchOptions;
  private timer: NodeJS.Timeout | undefined;
  private current: SeedJoiner | undefined;
  private stopped = false;

  constructor(options: NameWatchOptions) {
    if (!Number.isInteger(options.intervalMs) || options.intervalMs < 1)
      throw new RangeError('intervalMs must be a positive integer');
    this.options = options;
  }

  /** True when some seed is a name, so start() would do something. */
  static applies(seeds: readonly string[]): boolean {
    return seeds.some((seed) => !isAddressSeed(seed));
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => void this.look(), this.options.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.current?.stop();
  }

  /** One look (also what the timer runs); skipped while one is in flight or the node has company. */
  async look(): Promise<void> {
    const { options } = this;
    if (this.stopped || this.current !== undefined || !options.isAlone()) return;
    const names = options.seeds().filter((seed) => !isAddressSeed(seed));
    if (names.length === 0) return;
    const joiner = new SeedJoiner({
      seeds: () => names,
      join: options.join,
      self: options.self,
      resolver: options.resolver,
      attempts: 1,
      mode: 'exit',
      backoff: { initialMs: options.intervalMs, maxMs: options.intervalMs },
    });
    this.current = joiner;
    try {
      const outcome = await joiner.start();
      if (outcome.kind === 'joined' && !this.stopped) options.onJoined?.(outcome.addresses);
    } catch (error) {
      // Names that do not resolve right now are the usual case here: stay quiet about those.
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      if (code !== 'ERR_MESH_SEEDS_UNRESOLVED')
        options.onFailed?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.current = undefined;
    }
  }
}
