/**
 * Errors of the embedded library, on top of the core's MeshError family.
 * Applications branch on `code`; the message is for humans.
 */
import { MeshError } from '../core/errors.js';

export { BindError } from '../runtime/errors.js';

/** No seed answered with a full state before the join deadline. */
export class JoinError extends MeshError {
  readonly seeds: readonly string[];
  /** Last failure reason per seed ("ECONNREFUSED", "timeout", "foreign-cluster"...); the message spells them out. */
  readonly failures: Readonly<Record<string, string>>;
  /** `timeoutMs` undefined: every seed answered with a refusal before the deadline. */
  constructor(
    seeds: readonly string[],
    timeoutMs: number | undefined,
    failures: Readonly<Record<string, string>>,
  ) {
    const detail = Object.entries(failures)
      .map(([seed, why]) => `${seed}: ${describeSyncFailure(why)}`)
      .join('; ');
    super(
      'ERR_MESH_JOIN',
      `could not join through ${seeds.join(', ')}${timeoutMs === undefined ? '' : ` within ${timeoutMs} ms`}${detail ? ` (${detail})` : ''}`,
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

/** forceLeave() of a member that is alive or suspect: it would refute the verdict, so it is refused. */
export class MemberAliveError extends MeshError {
  readonly id: string;
  readonly state: 'alive' | 'suspect';
  constructor(id: string, state: 'alive' | 'suspect') {
    super(
      'ERR_MESH_MEMBER_ALIVE',
      `member ${id} is ${state}: only a failed member can be forced to leave (a live one would refute it)`,
    );
    this.id = id;
    this.state = state;
  }
}

/** A call named a member id this node does not know (never heard of, or already reaped). */
export class UnknownMemberError extends MeshError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_MESH_UNKNOWN_MEMBER', `no member ${id} is known (never seen, or already reaped)`);
    this.id = id;
  }
}

/**
 * Sync failures that are an answer, not a silence: nothing listens there, or
 * something that is not a meshnode agent does. Retrying within one join
 * cannot change them, so the join fails at once (the caller's own backoff
 * decides when to try again).
 */
const NOT_MESHNODE_REASONS = new Set([
  'frame-kind',
  'frame-too-large',
  'too-short',
  'bad-magic',
  'malformed',
]);

export function isDefinitiveSyncFailure(reason: string): boolean {
  return reason === 'ECONNREFUSED' || NOT_MESHNODE_REASONS.has(reason);
}

const ENCRYPTION_REASONS: Readonly<Record<string, string>> = {
  'bad-tag': 'a meshnode agent whose encryption key this node does not hold (bad-tag)',
  'no-key': 'an encrypting meshnode agent, and this node has no key (no-key)',
  'not-encrypted': 'an unencrypted meshnode agent, and this node requires encryption (not-encrypted)',
  stale: 'a meshnode agent whose clock is off by more than the replay window (stale)',
};

/** A sync failure reason as people read it: "ECONNREFUSED" -> "refused (nothing listening)". */
export function describeSyncFailure(reason: string): string {
  if (reason === 'ECONNREFUSED') return 'refused (nothing listening on that port)';
  if (NOT_MESHNODE_REASONS.has(reason)) return `not a meshnode agent (${reason})`;
  if (reason === 'foreign-cluster') return 'a meshnode agent of another cluster key or env';
  if (reason === 'bad-version') return 'a meshnode agent speaking another protocol version';
  return ENCRYPTION_REASONS[reason] ?? reason;
}
