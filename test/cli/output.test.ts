import { describe, expect, it } from 'vitest';
import { EventPrinter } from '../../src/cli/event-printer.js';
import { formatRebalance, formatStatusTable, renderTable } from '../../src/cli/output.js';
import type { MembersResponse, StatusResponse } from '../../src/status/server.js';

describe('formatRebalance', () => {
  it("prints libcluster's cluster-test block", () => {
    expect(formatRebalance({ index: 1, threads: 1, total: 2 })).toBe(
      [
        'meshnode: cluster has re-balanced:',
        '   instance index:        1',
        '   instance thread count: 1',
        '   total thread count:    2',
      ].join('\n'),
    );
  });
});

describe('EventPrinter', () => {
  it('prints one JSON object per line and skips rebalances that change nothing', () => {
    const lines: string[] = [];
    const printer = new EventPrinter(true, (text) => lines.push(text));
    const indices = { index: 1, threads: 1, total: 2, viewId: 0xdeadbeef, settled: false };
    printer.rebalance(indices);
    printer.rebalance({ ...indices, viewId: 1 });
    printer.settled({ ...indices, settled: true });
    printer.member('fail', {
      id: 'b',
      address: '127.0.0.1:2',
      threads: 3,
      index: -1,
      state: 'dead',
      incarnation: 4,
      metadata: { role: 'web' },
      rttMs: undefined,
    });
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    const events = lines.map((line) => JSON.parse(line));
    expect(events).toEqual([
      {
        event: 'rebalance',
        index: 1,
        threads: 1,
        total: 2,
        viewId: 'deadbeef',
        settled: false,
        ts: expect.any(Number),
      },
      {
        event: 'settled',
        index: 1,
        threads: 1,
        total: 2,
        viewId: 'deadbeef',
        settled: true,
        ts: expect.any(Number),
      },
      {
        event: 'fail',
        id: 'b',
        address: '127.0.0.1:2',
        threads: 3,
        index: -1,
        state: 'dead',
        incarnation: 4,
        metadata: { role: 'web' },
        ts: expect.any(Number),
      },
    ]);
  });
});

describe('tables', () => {
  it('aligns columns and trims trailing spaces', () => {
    expect(
      renderTable(
        ['A', 'NUMBER'],
        [
          ['xx', '1'],
          ['y', '100'],
        ],
        ['left', 'right'],
      ),
    ).toBe(['A   NUMBER', 'xx       1', 'y      100'].join('\n'));
  });

  it("renders Bib's cluster status shape: summary line, then id, address, threads, index, state, rtt", () => {
    const status = {
      id: 'a',
      address: '127.0.0.1:1',
      key: 'k',
      env: 'dev',
      index: 0,
      total: 3,
      viewId: '0000abcd',
      settled: true,
      lifecycle: 'running',
      counts: { alive: 2, suspect: 0, dead: 1, left: 0 },
      join: { state: 'joined', attempts: 1, seeds: [], lastError: null },
    } as unknown as StatusResponse;
    const m = (id: string, index: number, state: string, rttMs: number | null, self = false) => ({
      id,
      address: `127.0.0.1:${index + 10}`,
      threads: 1,
      index,
      state,
      incarnation: 0,
      metadata: {},
      rttMs,
      self,
    });
    const members = {
      members: [m('a', 0, 'alive', null, true), m('b', 1, 'alive', 0.5)],
      departed: [m('c', -1, 'dead', 3)],
    } as unknown as MembersResponse;
    const text = formatStatusTable(status, members);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'cluster k/dev: 2 members (2 alive, 0 suspect, 1 dead, 0 left), 3 threads, settled, view 0000abcd',
    );
    expect(lines.slice(3)).toEqual([
      'ID   ADDRESS       THREADS  INDEX  STATE      RTT',
      'a *  127.0.0.1:10        1      0  alive     self',
      'b    127.0.0.1:11        1      1  alive  0.50 ms',
      'c    127.0.0.1:9         1      -  dead         -',
    ]);
  });
});

describe('user events on the agent output', () => {
  const event = (payload: Uint8Array) => ({ name: 'deploy', from: 'b', ltime: 9, payload });

  it('--json: a user line with the payload as text, or as base64 when it is not UTF-8', () => {
    const lines: string[] = [];
    const printer = new EventPrinter(true, (text) => lines.push(text));
    printer.userEvent(event(new TextEncoder().encode('v2 ✓')));
    printer.userEvent(event(Uint8Array.of(0xff, 0x00)));
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed[0]).toMatchObject({ event: 'user', name: 'deploy', from: 'b', ltime: 9, payload: 'v2 ✓' });
    expect(parsed[0]).not.toHaveProperty('payloadBase64');
    expect(parsed[1]).toMatchObject({ event: 'user', payload: '', payloadBase64: '/wA=' });
  });

  it('for people: one line that counts the payload rather than printing it', () => {
    const lines: string[] = [];
    new EventPrinter(false, (text) => lines.push(text)).userEvent(event(Uint8Array.of(0x1b, 0x5b)));
    expect(lines).toEqual(['meshnode: user event deploy from b (ltime 9, 2 bytes)\n']);
  });
});
