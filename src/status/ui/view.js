/**
 * The page's parts as preact components written with htm. Every string from
 * the network goes into text or an attribute, never into HTML, and nothing
 * here sends anything: the page only reads.
 */

import {
  barSegments,
  describeEvent,
  formatMetadata,
  formatRtt,
  formatTime,
  formatUptime,
  indexRange,
  memberColour,
  sortMembers,
} from './format.js';
import { RttChart } from './rtt-chart.js';
import htm from './vendor/htm.mjs';
import { h } from './vendor/preact.mjs';

export const html = htm.bind(h);

export function Header({ status, members, connection, nowMs }) {
  if (status === null) return html`<header class="header"><h1>meshnode</h1><p>connecting…</p></header>`;
  const uptimeMs = status.uptimeMs + (nowMs - status.fetchedAt);
  const key = status.key ?? 'hidden';
  const settled = members?.settled ?? status.settled;
  return html`
    <header class="header">
      <h1>meshnode <span class="cluster" title="cluster key/env">${key}/${status.env}</span></h1>
      <dl class="facts">
        <div><dt>agent</dt><dd data-fact="id">${status.id}</dd></div>
        <div><dt>index</dt><dd data-fact="index">${status.index}</dd></div>
        <div><dt>threads</dt><dd data-fact="threads">${status.threads}</dd></div>
        <div><dt>total</dt><dd data-fact="total">${members?.total ?? status.total}</dd></div>
        <div><dt>view</dt><dd data-fact="view">${members?.viewId ?? status.viewId}</dd></div>
        <div><dt>state</dt><dd data-fact="settled" class=${settled ? 'ok' : 'warn'}>${settled ? 'settled' : 'not settled'}</dd></div>
        <div><dt>uptime</dt><dd>${formatUptime(uptimeMs)}</dd></div>
        <div><dt>updates</dt><dd data-fact="connection" class=${connection === 'live' ? 'ok' : 'warn'}>${connection}</dd></div>
      </dl>
    </header>`;
}

export function IndexBar({ members }) {
  if (members === null) return null;
  const segments = barSegments(members.members);
  return html`
    <section class="panel">
      <h2>Thread indices <small>0..${Math.max(0, members.total - 1)} (total ${members.total})</small></h2>
      <div class="bar" data-total=${members.total} role="img" aria-label="thread index ranges">
        ${segments.map(
          (s) => html`
            <div
              key=${s.id}
              class=${`segment ${s.state}${s.self ? ' self' : ''}`}
              data-id=${s.id}
              data-range=${s.range}
              title=${`${s.id}: ${s.range} (${s.state})`}
              style=${{ flexGrow: s.threads, backgroundColor: memberColour(s.id) }}
            >
              <span>${s.id}</span><span class="range">${s.range}</span>
            </div>`,
        )}
      </div>
    </section>`;
}

const COLUMNS = [
  ['id', 'ID'],
  ['address', 'Address'],
  ['state', 'State'],
  ['threads', 'Threads'],
  ['index', 'Indices'],
  ['incarnation', 'Inc.'],
  ['rtt', 'RTT'],
  ['metadata', 'Metadata'],
];

function MemberRows({ list }) {
  return list.map(
    (m) => html`
      <tr key=${m.id} data-id=${m.id} data-state=${m.state} class=${`${m.state}${m.self ? ' self' : ''}`}>
        <td class="id">${m.id}${m.self ? ' (this agent)' : ''}</td>
        <td>${m.address}</td>
        <td><span class=${`state ${m.state}`}>${m.state}</span></td>
        <td class="num">${m.threads}</td>
        <td class="num" data-cell="range">${indexRange(m)}</td>
        <td class="num">${m.incarnation}</td>
        <td class="num">${m.self || m.state === 'dead' || m.state === 'left' ? '-' : formatRtt(m.rttMs)}</td>
        <td class="meta" data-cell="metadata">${formatMetadata(m.metadata)}</td>
      </tr>`,
  );
}

export function MembersTable({ members, sort, onSort }) {
  if (members === null) return null;
  const list = sortMembers(members.members, sort.column, sort.descending);
  const departed = members.departed;
  const head = html`
    <thead>
      <tr>
        ${COLUMNS.map(
          ([column, label]) => html`
            <th key=${column} aria-sort=${sort.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
              <button type="button" data-sort=${column} onClick=${() => onSort(column)}>
                ${label}${sort.column === column ? (sort.descending ? ' ▼' : ' ▲') : ''}
              </button>
            </th>`,
        )}
      </tr>
    </thead>`;
  return html`
    <section class="panel">
      <h2>Members <small>${members.members.length} in the view</small></h2>
      <div class="scroll">
        <table class="members" data-section="view">${head}<tbody><${MemberRows} list=${list} /></tbody></table>
      </div>
      <details class="departed" data-section="departed">
        <summary>Departed <span data-count="departed">${departed.length}</span></summary>
        <div class="scroll">
          <table class="members">${head}<tbody><${MemberRows} list=${sortMembers(departed, sort.column, sort.descending)} /></tbody></table>
        </div>
      </details>
    </section>`;
}

export function EventLog({ events }) {
  return html`
    <section class="panel">
      <h2>Events <small>newest first, last ${events.length}</small></h2>
      <ol class="log">
        ${events.map(
          (e) => html`
            <li key=${e.key} data-type=${e.event.type}>
              <time>${formatTime(e.event.ts ?? e.receivedAt)}</time>
              <span class=${`type ${e.event.type}`}>${e.event.type}</span>
              <span class="text">${describeEvent(e.event)}</span>
            </li>`,
        )}
      </ol>
    </section>`;
}

export function RttCharts({ series, shown, total }) {
  const ids = Object.keys(series);
  return html`
    <section class="panel">
      <h2>Round-trip time <small>last 5 minutes${shown < total ? `, ${shown} of ${total} members` : ''}</small></h2>
      <div class="charts">
        ${ids.length === 0 ? html`<p class="muted">no other member yet</p>` : null}
        ${ids.map((id) => html`<${RttChart} key=${id} id=${id} series=${series[id]} colour=${memberColour(id)} />`)}
      </div>
    </section>`;
}
