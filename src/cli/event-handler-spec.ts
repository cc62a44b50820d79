/**
 * `--event-handler [filter=]PATH`: which events run a program, and what the
 * program is told. Events are the agent's --json lines as the status API's
 * stream carries them ({ type, ...fields }); a handler names them the way
 * Serf does:
 *
 *   member-join member-leave member-fail member-update member-suspect
 *   member-recover  (type join, leave, fail, update, suspect, recover)
 *   rebalance settled unsettled
 *   user  (every user event)   user:NAME  (user events called NAME)
 *
 * No filter (or "*") means every one of these. The program gets the event in
 * environment variables and the affected member (or a user event's payload)
 * on standard input.
 */
import { ValueError } from './values.js';

const MEMBER_EVENTS: Readonly<Record<string, string>> = {
  join: 'member-join',
  leave: 'member-leave',
  fail: 'member-fail',
  update: 'member-update',
  suspect: 'member-suspect',
  recover: 'member-recover',
};
const PLAIN_EVENTS = [...Object.values(MEMBER_EVENTS), 'rebalance', 'settled', 'unsettled', 'user'];
/** Event types that are user events (a name and a payload) in the agent's stream. */
const USER_EVENT_TYPES = new Set(['user', 'event']);
const SPECS_MAX = 32;

export interface HandlerSpec {
  /** What was given, for logs and to tell two reloads apart. */
  readonly text: string;
  readonly path: string;
  /** Event names (member-join, user:deploy, ...); empty: every event. */
  readonly filters: readonly string[];
}

/** "member-join,member-fail=/usr/local/bin/on-change" -> filters and path. */
export function parseHandlerSpec(field: string, value: unknown): HandlerSpec {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ValueError(`${field} must be "[filter=]PATH", got ${JSON.stringify(value)}`);
  const text = value.trim();
  const at = text.indexOf('=');
  const head = at < 0 ? '' : text.slice(0, at);
  // A path may hold "=" too: only a head that reads as a filter list is one.
  const isFilter = at > 0 && /^[a-z*][a-z0-9:,*_.-]*$/i.test(head);
  const path = isFilter ? text.slice(at + 1) : text;
  if (path === '') throw new ValueError(`${field}: "${text}" names no program after the filter`);
  const filters = isFilter ? head.split(',').filter((name) => name !== '' && name !== '*') : [];
  for (const name of filters) {
    const user = /^user:[^\s,]{1,128}$/.test(name);
    if (!user && !PLAIN_EVENTS.includes(name)) {
      throw new ValueError(
        `${field}: unknown event "${name}" (known: ${PLAIN_EVENTS.join(', ')}, user:NAME)`,
      );
    }
  }
  return { text, path, filters };
}

/** One spec or a list (repeated flag, or an array in the config file). */
export function parseHandlerSpecs(field: string, value: unknown): HandlerSpec[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length > SPECS_MAX) throw new ValueError(`${field}: at most ${SPECS_MAX} handlers`);
  return items.map((item) => parseHandlerSpec(field, item));
}

/** The handler name of a stream event (member-join, rebalance, user:deploy), or undefined for others. */
export function handlerEventName(event: Readonly<Record<string, unknown>>): string | undefined {
  const type = String(event.type);
  if (MEMBER_EVENTS[type] !== undefined) return MEMBER_EVENTS[type];
  if (type === 'rebalance' || type === 'settled' || type === 'unsettled') return type;
  if (USER_EVENT_TYPES.has(type) && typeof event.name === 'string') return `user:${event.name}`;
  return undefined;
}

export function specMatches(spec: HandlerSpec, name: string): boolean {
  if (spec.filters.length === 0) return true;
  if (spec.filters.includes(name)) return true;
  return name.startsWith('user:') && spec.filters.includes('user');
}

/** This agent as the handler sees it. */
export interface SelfInfo {
  readonly id: string;
  readonly address: string;
  readonly index: number;
  readonly threads: number;
  readonly total: number;
  readonly viewId: string;
  readonly settled: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The environment of one run (on top of the agent's own). */
export function handlerEnv(
  name: string,
  event: Readonly<Record<string, unknown>>,
  self: SelfInfo,
): Record<string, string> {
  const env: Record<string, string> = {
    MESHNODE_EVENT: name.startsWith('user:') ? 'user' : name,
    MESHNODE_SELF_ID: self.id,
    MESHNODE_SELF_ADDRESS: self.address,
    MESHNODE_INDEX: String(self.index),
    MESHNODE_THREADS: String(self.threads),
    MESHNODE_TOTAL: String(self.total),
    MESHNODE_VIEW_ID: self.viewId,
    MESHNODE_SETTLED: self.settled ? '1' : '0',
  };
  if (name.startsWith('user:')) {
    env.MESHNODE_USER_EVENT = name.slice('user:'.length);
    if (event.ltime !== undefined) env.MESHNODE_USER_LTIME = String(event.ltime);
    if (typeof event.from === 'string') env.MESHNODE_USER_FROM = event.from;
  }
  for (const [key, value] of Object.entries(self.metadata)) {
    const safe = key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    env[`MESHNODE_TAG_${safe}`] = value;
  }
  return env;
}

/**
 * Standard input of one run: for a member event one line
 * "id<TAB>address<TAB>state<TAB>threads<TAB>index<TAB>k=v,k=v"; for a user
 * event its payload as sent; otherwise the event as one JSON line.
 */
export function handlerInput(name: string, event: Readonly<Record<string, unknown>>): string {
  if (name.startsWith('member-')) {
    const metadata = (event.metadata ?? {}) as Record<string, string>;
    const tags = Object.entries(metadata)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    const index = typeof event.index === 'number' ? event.index : -1;
    const fields = [event.id, event.address, event.state, event.threads, index, tags];
    return `${fields.map((field) => String(field ?? '')).join('\t')}\n`;
  }
  if (name.startsWith('user:')) return typeof event.payload === 'string' ? event.payload : '';
  return `${JSON.stringify(event)}\n`;
}
