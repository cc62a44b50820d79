/**
 * What the CLI prints: libcluster's rebalance block, one JSON object per line
 * for --json, and aligned tables (the `status` command and the demo).
 */
import type { Indices, MemberInfo, UserEvent } from '../node/types.js';
import type { MembersResponse, StatusResponse } from '../status/server.js';
import { formatViewId } from '../status/types.js';
import { printable } from './terminal-text.js';

/** libcluster's cluster-test transcript, with our program name. */
export function formatRebalance(
  indices: Pick<Indices, 'index' | 'threads' | 'total'>,
  program = 'meshnode',
): string {
  return [
    `${program}: cluster has re-balanced:`,
    `   instance index:        ${indices.index}`,
    `   instance thread count: ${indices.threads}`,
    `   total thread count:    ${indices.total}`,
  ].join('\n');
}

export type MemberEventName = 'join' | 'leave' | 'fail' | 'update' | 'suspect' | 'recover';

/** The --json line of a rebalance or settled event. */
export function indicesEvent(
  event: 'rebalance' | 'settled' | 'unsettled',
  indices: Indices,
  ts = Date.now(),
) {
  return {
    event,
    index: indices.index,
    threads: indices.threads,
    total: indices.total,
    viewId: formatViewId(indices.viewId),
    settled: indices.settled,
    ts,
  };
}

/** The --json line of a membership event about another member (or this one). */
export function memberEvent(event: MemberEventName, member: MemberInfo, ts = Date.now()) {
  return {
    event,
    id: member.id,
    address: member.address,
    threads: member.threads,
    index: member.index,
    state: member.state,
    incarnation: member.incarnation,
    metadata: member.metadata,
    ts,
  };
}

/** One human line per membership event. */
export function formatMemberEvent(
  event: MemberEventName,
  member: Pick<MemberInfo, 'id' | 'address' | 'threads'>,
  program = 'meshnode',
): string {
  const threads = `${member.threads} thread${member.threads === 1 ? '' : 's'}`;
  const who = `${printable(member.id)} (${printable(member.address)}, ${threads})`;
  const verb: Record<MemberEventName, string> = {
    join: 'joined',
    leave: 'left gracefully',
    fail: 'failed (declared dead)',
    update: 'was updated',
    suspect: 'is suspected',
    recover: 'is alive again',
  };
  return `${program}: member ${who} ${verb[event]}`;
}

export type Align = 'left' | 'right';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The fields of a user event's --json line (type `user`, which handler
 * filters `user` and `user:NAME` select). The payload is text when it is
 * UTF-8, which is what `meshnode event` sends; other bytes travel as
 * `payloadBase64` with an empty `payload`.
 */
export function userEventFields(event: UserEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: event.name, from: event.from, ltime: event.ltime };
  try {
    fields.payload = strictUtf8.decode(event.payload);
  } catch {
    fields.payload = '';
    fields.payloadBase64 = Buffer.from(event.payload).toString('base64');
  }
  return fields;
}

/** The human line of a user event; the payload is counted, not shown (it may hold bytes a terminal acts on). */
export function formatUserEvent(event: {
  readonly name: unknown;
  readonly from: unknown;
  readonly ltime: unknown;
  readonly payloadBytes: number;
}): string {
  return `user event ${printable(String(event.name))} from ${printable(String(event.from))} (ltime ${String(event.ltime)}, ${event.payloadBytes} bytes)`;
}

/** Aligns rows under headers, two spaces between columns, no trailing spaces; cells are made printable. */
export function renderTable(
  headers: readonly string[],
  givenRows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const rows = givenRows.map((row) => row.map(printable));
  const widths = headers.map((header, col) =>
    Math.max(header.length, ...rows.map((row) => (row[col] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, col) => {
        const width = widths[col] ?? cell.length;
        return align[col] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatRtt(rttMs: number | null | undefined): string {
  if (rttMs === null || rttMs === undefined) return '-';
  if (rttMs < 10) return `${rttMs.toFixed(2)} ms`;
  return `${Math.round(rttMs)} ms`;
}

/** The summary line above the status table. */
export function formatSummary(status: StatusResponse): string {
  const c = status.counts;
  const known = (c.alive ?? 0) + (c.suspect ?? 0);
  const parts = [
    `cluster ${printable(status.key ?? '(key hidden)')}/${printable(status.env)}:`,
    `${known} member${known === 1 ? '' : 's'} (${c.alive ?? 0} alive, ${c.suspect ?? 0} suspect, ${c.dead ?? 0} dead, ${c.left ?? 0} left),`,
    `${status.total} thread${status.total === 1 ? '' : 's'},`,
    `${status.settled ? 'settled' : 'not settled'},`,
    `view ${status.viewId}`,
  ];
  return parts.join(' ');
}

/** Bib-style `cluster status`: the summary line, then one row per member (view first, then departed). */
export function formatStatusTable(status: StatusResponse, members: MembersResponse): string {
  const rows = [...members.members, ...members.departed].map((m) => [
    m.self ? `${m.id} *` : m.id,
    m.address,
    String(m.threads),
    m.index >= 0 ? String(m.index) : '-',
    m.state,
    m.self ? 'self' : m.state === 'dead' || m.state === 'left' ? '-' : formatRtt(m.rttMs),
  ]);
  const table = renderTable(['ID', 'ADDRESS', 'THREADS', 'INDEX', 'STATE', 'RTT'], rows, [
    'left',
    'left',
    'right',
    'right',
    'left',
    'right',
  ]);
  const self = printable(
    `this node: ${status.id} at ${status.address}, index ${status.index} of ${status.total}, ${status.lifecycle}`,
  );
  const join =
    status.join.state === 'background'
      ? `\nwarning: every seed is down; retrying in the background (${printable(status.join.lastError ?? '')})`
      : '';
  return `${formatSummary(status)}\n${self}${join}\n\n${table}`;
}
