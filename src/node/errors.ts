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

/**
 * Another live process already runs with this node's id, at `address`: two
 * members with one id would share one index range and fight over the id.
 * The running one keeps its place; this node stopped without announcing itself.
 */
export class IdConflictError extends MeshError {
  readonly id: string;
  /** Where the process that owns the id answered. */
  readonly address: string;
  constructor(id: string, address: string) {
    super(
      'ERR_MESH_ID_CONFLICT',
      `id "${id}" is already in use by a live member at ${address}; start this node with another id`,
    );
    this.id = id;
    this.address = address;
  }
}

/** A join, leave or close was cut short because the node closed meanwhile. */
export class ClosedError extends MeshError {
  constructor(what: string) {
    super('ERR_MESH_CLOSED', `${what}: the node was closed`);
  }
}
