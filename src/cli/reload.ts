/**
 * SIGHUP: the agent re-reads its config file and applies what can change
 * while it runs, without leaving the cluster:
 *
 *   logLevel                      at once
 *   metadata (--meta, tags)       published as an update (tags set with
 *                                 `meshnode tags` are replaced)
 *   eventHandlers, eventHandlerTimeoutMs, eventHandlerConcurrency
 *                                 for the next events
 *   verifyIncoming, verifyOutgoing
 *                                 the encryption rollout switches, at once
 *   the keyring file's keys       read again on every SIGHUP (agent-keys.ts)
 *
 * Every other field needs a restart: a change to one is logged as such and
 * not applied. Flags still win over the file, as at start; a file that
 * cannot be read or parsed changes nothing (the agent keeps running).
 */
import type { AgentSettings } from './settings.js';

/** Fields a reload applies. */
export const RELOADABLE_FIELDS = [
  'logLevel',
  'metadata',
  'eventHandlers',
  'eventHandlerTimeoutMs',
  'eventHandlerConcurrency',
  'verifyIncoming',
  'verifyOutgoing',
] as const satisfies readonly (keyof AgentSettings)[];

/** Fields that are not part of the running agent's configuration (ignored when comparing). */
const NOT_COMPARED = new Set<keyof AgentSettings>(['httpExplicit']);

export interface ReloadPlan {
  /** Reloadable fields whose value changed. */
  readonly apply: readonly (keyof AgentSettings)[];
  /** Other fields whose value changed: they take effect at the next restart. */
  readonly needRestart: readonly (keyof AgentSettings)[];
}

export function planReload(current: AgentSettings, next: AgentSettings): ReloadPlan {
  const apply: (keyof AgentSettings)[] = [];
  const needRestart: (keyof AgentSettings)[] = [];
  for (const field of Object.keys(next) as (keyof AgentSettings)[]) {
    if (NOT_COMPARED.has(field) || sameValue(current[field], next[field])) continue;
    if ((RELOADABLE_FIELDS as readonly string[]).includes(field)) apply.push(field);
    else needRestart.push(field);
  }
  return { apply, needRestart };
}

/** Deep equality of settings values (plain JSON-like data). */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1));
    return Object.fromEntries(entries.map(([key, entry]) => [key, normalize(entry)]));
  }
  return value;
}
