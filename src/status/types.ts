/** What the status API reads: a MeshNode (or anything shaped like one) plus the agent's own state. */
import type { Indices, MemberInfo, NodeStats } from '../node/types.js';
import type { AgentControl } from './control.js';

/** The subset of MeshNode the status API and the metrics read. */
export interface StatusNode {
  readonly id: string;
  readonly address: string;
  readonly isStatic: boolean;
  indices(): Indices;
  members(): MemberInfo[];
  member(id: string): MemberInfo | undefined;
  stats(): NodeStats;
}

export type AgentLifecycle = 'starting' | 'running' | 'leaving' | 'left';

export interface JoinStatus {
  /** idle, joining, retrying, background (every seed down, still trying), joined, alone, failed, stopped. */
  readonly state: string;
  readonly attempts: number;
  readonly seeds: readonly string[];
  readonly lastError: string | undefined;
}

export interface StatusSource {
  readonly node: StatusNode;
  readonly key: string;
  readonly env: string;
  /** Epoch milliseconds when the agent started. */
  readonly startedAt: number;
  lifecycle(): AgentLifecycle;
  join(): JoinStatus;
  /** Dead and left members the node still remembers (tombstones), most recent first. */
  departed(): MemberInfo[];
  /** What POST /v1/agent/... may change; without it those endpoints answer 404. */
  readonly control?: AgentControl;
}

/** The view id as 8 hex digits: what the CLI prints and the JSON carries. */
export function formatViewId(viewId: number): string {
  return (viewId >>> 0).toString(16).padStart(8, '0');
}
