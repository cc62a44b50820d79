/**
 * Every human output path escapes what came from the network: a member id,
 * address or metadata key/value, a log field, an agent's API answer. The
 * hostile string below clears the screen, sets the window title, writes to
 * the clipboard (OSC 52), forges a new line and reverses the text after it.
 */
import { describe, expect, it } from 'vitest';
import { EventPrinter } from '../../src/cli/event-printer.js';
import { formatLogLine } from '../../src/cli/logger.js';
import { formatMembersTable } from '../../src/cli/members.js';
import { formatMonitorEvent } from '../../src/cli/monitor.js';
import { formatMemberEvent, formatStatusTable } from '../../src/cli/output.js';
import { printable } from '../../src/cli/terminal-text.js';
import type { MemberJson, MembersResponse, StatusResponse } from '../../src/status/server.js';

const HOSTILE =
  '\x1b[2J\x1b]0;owned\x07\x1b]52;c;ZWNobyBoaQ==\x07\r\nmeshnode: member x joined\u009b31m\u202eevil';

/** Fails when any line of `text` holds a C0/C1 control, DEL or a bidi control; `lines` is the expected count. */
function expectPrintable(text: string, lines: number): void {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const split = body.split('\n');
  expect(split).toHaveLength(lines);
  for (const line of split) {
    const unsafe = [...line].filter((char) => {
      const code = char.codePointAt(0) as number;
      return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e);
    });
    expect(unsafe).toEqual([]);
  }
}

const member = (overrides: Partial<MemberJson> = {}): MemberJson =>
  ({
    id: 'b',
    address: '127.0.0.1:2',
    threads: 1,
    index: 0,
    state: 'alive',
    incarnation: 1,
    metadata: {},
    rttMs: 0.5,
    self: false,
    ...overrides,
  }) as MemberJson;

describe('printable', () => {
  it('escapes C0, DEL, C1 and bidi controls as visible escapes', () => {
    expect(printable('a\x1b[2Jb\x7f\u009bc\u202ed\r\n\t')).toBe(
      'a\\x1b[2Jb\\x7f\\x9bc\\u202ed\\x0d\\x0a\\x09',
    );
  });

  it('leaves every other character alone, any script or emoji', () => {
    const text = 'nœud-東京-😀 [::1]:7946 zone=eu-west \\x1b';
    expect(printable(text)).toBe(text);
  });
});

describe('human output escapes network text', () => {
  it('member event lines (agent output and monitor)', () => {
    expectPrintable(formatMemberEvent('join', { id: HOSTILE, address: HOSTILE, threads: 2 }), 1);
    expectPrintable(
      formatMonitorEvent({ type: 'join', id: HOSTILE, address: HOSTILE, threads: 1, ts: 0 }),
      1,
    );
  });

  it('other monitor events, their field names and values', () => {
    expectPrintable(formatMonitorEvent({ type: HOSTILE, [HOSTILE]: HOSTILE, nested: { v: HOSTILE } }), 1);
  });

  it('the agent printer, human text built from network fields', () => {
    const out: string[] = [];
    new EventPrinter(false, (text) => out.push(text)).other(
      'conflict',
      { id: HOSTILE },
      `id ${HOSTILE} twice`,
    );
    expectPrintable(out.join(''), 1);
  });

  it('the members table: ids, addresses and metadata keys and values', () => {
    const text = formatMembersTable([
      member({ id: HOSTILE, address: HOSTILE, metadata: { [HOSTILE]: HOSTILE } }),
    ]);
    expectPrintable(text, 2);
    expect(text).toContain('\\x1b[2J');
  });

  it('the status table and its summary and self lines', () => {
    const status = {
      id: HOSTILE,
      address: HOSTILE,
      key: HOSTILE,
      env: HOSTILE,
      index: 0,
      total: 1,
      viewId: '0000abcd',
      settled: true,
      lifecycle: HOSTILE,
      counts: { alive: 1, suspect: 0, dead: 0, left: 0 },
      join: { state: 'background', attempts: 1, seeds: [], lastError: HOSTILE },
    } as unknown as StatusResponse;
    const members = {
      members: [member({ id: HOSTILE, state: HOSTILE })],
      departed: [],
    } as unknown as MembersResponse;
    // Summary, self, join warning, blank, header, one row.
    expectPrintable(formatStatusTable(status, members), 6);
  });

  it('pretty log lines: the message, field names and values', () => {
    const line = JSON.stringify({ level: 40, msg: HOSTILE, [HOSTILE]: HOSTILE, err: { message: HOSTILE } });
    expectPrintable(formatLogLine(line), 1);
  });
});
