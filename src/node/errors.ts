/**
 * Errors of the embedded library, on top of the core's MeshError family.
 * Applications branch on `code`; the message is for humans.
 */
import { MeshError } from '../core/errors.js';

export { BindError } from '../runtime/errors.js';

/** No seed answered with a full state before the join deadline. */
export class JoinError extends MeshError {
  readonly seeds: readonly string[];
  /** Last failure seen per seed ("connect ECONNREFUSED", "timeout", "foreign cluster"...). */
  readonly failures: Readonly<Record<string, string>>;
  constructor(seeds: readonly string[], timeoutMs: number, failures: Readonly<Record<string, string>>) {
    const detail = Object.entries(failures)
      .map(([seed, why]) => `${seed}: ${why}`)
      .join('; ');
    super(
      'ERR_MESH_JOIN',
      `could not join through ${seeds.join(', ')} within ${timeoutMs} ms${detail ? ` (${detail})` : ''}`,
    );
    this.seeds = seeds;
    this.failures = failures;
  }
}

/** A join, leave or close was cut short because the node closed meanwhile. */
export class ClosedError extends MeshError {
  constructor(what: string) {
    super('ERR_MESH_CLOSED', `${what}: the node was closed`);
  }
}
