/**
 * The JSON documents of the status API and what an unauthorized caller sees
 * of them: the private fields (key, pid, seeds, join errors, which name
 * seeds) are null for such a caller and `redacted` says so.
 */
import type { MemberInfo } from '../node/types.js';
import type { StatusEvent } from './events.js';
import { countByState } from './metrics.js';
import { formatViewId, type StatusSource } from './types.js';
import { packageVersion } from './version.js';

export interface MemberJson {
  readonly id: string;
  readonly address: string;
  readonly threads: number;
  readonly index: number;
  readonly state: string;
  readonly incarnation: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly rttMs: number | null;
  readonly self: boolean;
}

export interface MembersResponse {
  readonly id: string;
  readonly viewId: string;
  readonly total: number;
  readonly settled: boolean;
  readonly members: readonly MemberJson[];
  readonly departed: readonly MemberJson[];
}

export interface StatusResponse {
  readonly id: string;
  readonly address: string;
  /** Null when the caller is not authorized (see `redacted`). */
  readonly key: string | null;
  readonly env: string;
  readonly static: boolean;
  readonly lifecycle: string;
  readonly index: number;
  readonly threads: number;
  readonly total: number;
  readonly viewId: string;
  readonly settled: boolean;
  readonly viewSize: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly join: {
    readonly state: string;
    readonly attempts: number;
    /** Null when the caller is not authorized. */
    readonly seeds: readonly string[] | null;
    readonly lastError: string | null;
  };
  readonly awareness: number;
  readonly startedAt: string;
  readonly uptimeMs: number;
  /** Null when the caller is not authorized. */
  readonly pid: number | null;
  readonly version: string;
  /** True when key, pid, seeds and lastError are hidden from this caller. */
  readonly redacted: boolean;
}

function memberJson(member: MemberInfo, selfId: string): MemberJson {
  return {
    id: member.id,
    address: member.address,
    threads: member.threads,
    index: member.index,
    state: member.state,
    incarnation: member.incarnation,
    metadata: member.metadata,
    rttMs: member.rttMs === undefined ? null : Math.round(member.rttMs * 1000) / 1000,
    self: member.id === selfId,
  };
}

export function membersResponse(source: StatusSource): MembersResponse {
  const { node } = source;
  const indices = node.indices();
  return {
    id: node.id,
    viewId: formatViewId(indices.viewId),
    total: indices.total,
    settled: indices.settled,
    members: node.members().map((m) => memberJson(m, node.id)),
    departed: source.departed().map((m) => memberJson(m, node.id)),
  };
}

export function statusResponse(source: StatusSource, authorized: boolean): StatusResponse {
  const { node } = source;
  const indices = node.indices();
  const stats = node.stats();
  const join = source.join();
  return {
    id: node.id,
    address: node.address,
    key: authorized ? source.key : null,
    env: source.env,
    static: node.isStatic,
    lifecycle: source.lifecycle(),
    index: indices.index,
    threads: indices.threads,
    total: indices.total,
    viewId: formatViewId(indices.viewId),
    settled: indices.settled,
    viewSize: stats.viewSize,
    counts: countByState(source),
    join: {
      state: join.state,
      attempts: join.attempts,
      seeds: authorized ? join.seeds : null,
      lastError: authorized ? (join.lastError ?? null) : null,
    },
    awareness: stats.awareness,
    startedAt: new Date(source.startedAt).toISOString(),
    uptimeMs: Date.now() - source.startedAt,
    pid: authorized ? process.pid : null,
    version: packageVersion(),
    redacted: !authorized,
  };
}

/**
 * Event fields an unauthorized stream reader does not get: the start
 * event's key and pid, the seeds a join went through, and join errors.
 */
const PRIVATE_EVENT_FIELDS: ReadonlySet<string> = new Set(['key', 'pid', 'seeds', 'through', 'error']);

export function redactEvent(event: StatusEvent): StatusEvent {
  if (!Object.keys(event).some((field) => PRIVATE_EVENT_FIELDS.has(field))) return event;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(event))
    if (!PRIVATE_EVENT_FIELDS.has(field)) out[field] = value;
  return out as StatusEvent;
}
