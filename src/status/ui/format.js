/**
 * Pure helpers of the status page: no DOM, no network, so they are tested
 * on their own. Everything here returns plain values; escaping is the
 * renderer's job (preact sets text and attributes, never HTML).
 */

/** Events kept in the page's log. */
export const EVENT_LOG_MAX = 200;
/** The page re-reads the members (and takes an RTT sample) this often, stream or not. */
export const MEMBERS_POLL_MS = 2000;
/** How far back the RTT charts reach. */
export const RTT_WINDOW_MS = 5 * 60_000;

/** "start-end" of a member's thread indices, or "-" outside the view. */
export function indexRange(member) {
  if (member.index < 0 || member.threads < 1) return '-';
  return `${member.index}-${member.index + member.threads - 1}`;
}

export function formatRtt(rttMs) {
  if (rttMs === null || rttMs === undefined || !Number.isFinite(rttMs)) return '-';
  return rttMs < 10 ? `${rttMs.toFixed(2)} ms` : `${Math.round(rttMs)} ms`;
}

/** "45 s", "12 min 5 s", "3 h 4 min", "2 d 1 h". */
export function formatUptime(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatTime(ts) {
  const d = new Date(ts);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "k=v, k2=v2" in key order. */
export function formatMetadata(metadata) {
  return Object.keys(metadata ?? {})
    .sort()
    .map((key) => `${key}=${metadata[key]}`)
    .join(', ');
}

const SORT_KEYS = {
  id: (m) => m.id,
  address: (m) => m.address,
  state: (m) => m.state,
  threads: (m) => m.threads,
  index: (m) => m.index,
  incarnation: (m) => m.incarnation,
  rtt: (m) => (m.self ? -1 : (m.rttMs ?? Number.POSITIVE_INFINITY)),
  metadata: (m) => formatMetadata(m.metadata),
};

export const SORTABLE_COLUMNS = Object.keys(SORT_KEYS);

/** A sorted copy; ties keep the view order (by index), so the table does not jump. */
export function sortMembers(members, column, descending) {
  const key = SORT_KEYS[column] ?? SORT_KEYS.index;
  const sign = descending ? -1 : 1;
  return members
    .map((member, position) => ({ member, position }))
    .sort((a, b) => {
      const x = key(a.member);
      const y = key(b.member);
      if (x < y) return -sign;
      if (x > y) return sign;
      return a.position - b.position;
    })
    .map((entry) => entry.member);
}

/** A stable colour per member id, so a member keeps its colour in the bar and the charts. */
export function memberColour(id) {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619) >>> 0;
  return `hsl(${hash % 360} 65% 42%)`;
}

/** The index bar's segments: every member of the view in index order. */
export function barSegments(members) {
  return members
    .filter((m) => m.index >= 0 && m.threads > 0)
    .sort((a, b) => a.index - b.index)
    .map((m) => ({ id: m.id, threads: m.threads, range: indexRange(m), state: m.state, self: m.self }));
}

const MEMBER_VERBS = {
  join: 'joined',
  leave: 'left gracefully',
  fail: 'failed (declared dead)',
  update: 'was updated',
  suspect: 'is suspected',
  recover: 'is alive again',
};

/** One line of the event log for a stream event. */
export function describeEvent(event) {
  const verb = MEMBER_VERBS[event.type];
  if (verb !== undefined) return `${event.id} (${event.address}) ${verb}`;
  switch (event.type) {
    case 'rebalance':
      return `rebalanced: index ${event.index}, ${event.threads} thread(s) of ${event.total}${event.settled ? ', settled' : ', not settled'}`;
    case 'settled':
      return `view settled (index ${event.index} of ${event.total}, view ${event.viewId})`;
    case 'start':
      return `agent ${event.id} started on ${event.address}`;
    case 'joined':
      return 'joined the cluster';
    case 'seeds-down':
      return 'every seed is down; retrying in the background';
    case 'stop':
      return `agent stopping (${event.reason ?? 'signal'})`;
    case 'resync':
      return 'missed some events; state re-read';
    case 'user':
      return `user event ${event.name} from ${event.from} (ltime ${event.ltime})`;
    default:
      return typeof event.name === 'string' ? `${event.type}: ${event.name}` : event.type;
  }
}

/** Adds `item` in front and keeps at most `max` items (newest first). */
export function prependBounded(list, item, max) {
  const out = [item, ...list];
  if (out.length > max) out.length = max;
  return out;
}

/**
 * Adds one RTT sample per member present in `members` at time `ts` and drops
 * samples older than the window: { id: { ts: [...], ms: [...] } }.
 */
export function addRttSamples(series, members, ts, windowMs = RTT_WINDOW_MS) {
  const out = {};
  const from = ts - windowMs;
  for (const member of members) {
    if (member.self) continue;
    const previous = series[member.id] ?? { ts: [], ms: [] };
    let start = 0;
    while (start < previous.ts.length && previous.ts[start] < from) start++;
    out[member.id] = {
      ts: [...previous.ts.slice(start), ts],
      ms: [...previous.ms.slice(start), member.rttMs ?? null],
    };
  }
  return out;
}
