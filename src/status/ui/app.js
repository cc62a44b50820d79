/**
 * The status page: reads /v1/status and /v1/members, follows /v1/events
 * (server-sent events) for what happens, and re-reads the state after every
 * event and every few seconds, so it stays right when the stream is down.
 * It only reads; nothing here changes the cluster.
 */

import { addRttSamples, EVENT_LOG_MAX, MEMBERS_POLL_MS, prependBounded } from './format.js';
import { render } from './vendor/preact.mjs';
import { EventLog, Header, html, IndexBar, MembersTable, RttCharts } from './view.js';

const STATUS_POLL_MS = 5000;
/** Events that change the view or this node: re-read soon after one. */
const REFRESH_DELAY_MS = 50;
/** Charts drawn at most (the first members in index order). */
const RTT_CHARTS_MAX = 24;

const state = {
  status: null,
  members: null,
  events: [],
  rtt: {},
  connection: 'connecting',
  sort: { column: 'index', descending: false },
  eventCount: 0,
};

const root = document.getElementById('app');

function App() {
  const charted = (state.members?.members ?? []).filter((m) => !m.self);
  return html`
    <${Header} status=${state.status} members=${state.members} connection=${state.connection} nowMs=${Date.now()} />
    <main class="grid">
      <${IndexBar} members=${state.members} />
      <${MembersTable} members=${state.members} sort=${state.sort} onSort=${onSort} />
      <${RttCharts} series=${state.rtt} shown=${Math.min(charted.length, RTT_CHARTS_MAX)} total=${charted.length} />
      <${EventLog} events=${state.events} />
    </main>`;
}

function draw() {
  render(html`<${App} />`, root);
}

function onSort(column) {
  const same = state.sort.column === column;
  state.sort = { column, descending: same ? !state.sort.descending : false };
  draw();
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function refreshMembers() {
  try {
    const members = await getJson('/v1/members');
    state.members = members;
    const charted = members.members.filter((m) => !m.self).slice(0, RTT_CHARTS_MAX);
    state.rtt = addRttSamples(state.rtt, charted, Date.now());
    if (state.connection === 'unreachable') state.connection = 'polling';
  } catch {
    state.connection = 'unreachable';
  }
  draw();
}

async function refreshStatus() {
  try {
    state.status = { ...(await getJson('/v1/status')), fetchedAt: Date.now() };
  } catch {
    state.connection = 'unreachable';
  }
  draw();
}

let refreshTimer;
function refreshSoon() {
  if (refreshTimer !== undefined) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    void refreshMembers();
    void refreshStatus();
  }, REFRESH_DELAY_MS);
}

/** Shows a membership change at once; the refresh that follows brings the rest. */
function applyMemberEvent(event) {
  const members = state.members;
  if (members === null || typeof event.id !== 'string') return;
  const update = (m) =>
    m.id === event.id && typeof event.state === 'string' ? { ...m, state: event.state } : m;
  state.members = {
    ...members,
    members: members.members.map(update),
    departed: members.departed.map(update),
  };
}

function onEvent(message) {
  let event;
  try {
    event = JSON.parse(message.data);
  } catch {
    return;
  }
  if (event === null || typeof event !== 'object' || typeof event.type !== 'string') return;
  // After a gap the server replays what it still has: start the log again from it.
  if (event.type === 'resync') state.events = [];
  state.eventCount += 1;
  state.events = prependBounded(
    state.events,
    { key: state.eventCount, event, receivedAt: Date.now() },
    EVENT_LOG_MAX,
  );
  applyMemberEvent(event);
  refreshSoon();
  draw();
}

function follow() {
  if (typeof EventSource !== 'function') {
    state.connection = 'polling';
    return;
  }
  const source = new EventSource(`/v1/events?history=${EVENT_LOG_MAX}`);
  source.onopen = () => {
    state.connection = 'live';
    draw();
  };
  source.onerror = () => {
    // EventSource reconnects by itself (with Last-Event-ID); the polls keep the page current meanwhile.
    state.connection = 'polling';
    draw();
  };
  source.onmessage = onEvent;
}

draw();
void refreshStatus();
void refreshMembers();
follow();
setInterval(refreshMembers, MEMBERS_POLL_MS);
setInterval(refreshStatus, STATUS_POLL_MS);
// The uptime ticks between status reads.
setInterval(draw, 1000);
