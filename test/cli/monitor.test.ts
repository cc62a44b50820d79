/** The event stream reader of `meshnode monitor` and its human lines. */
import { describe, expect, it } from 'vitest';
import { formatIndexRange, formatMembersTable } from '../../src/cli/members.js';
import { formatMonitorEvent, SseParser } from '../../src/cli/monitor.js';
import { planReload } from '../../src/cli/reload.js';
import { resolveSettings } from '../../src/cli/settings.js';

describe('SseParser', () => {
  it('assembles data lines split across chunks, skips comments and foreign data', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 3000\n\n: keepalive\n\nid: x-1\ndata: {"type":"jo')).toEqual([]);
    expect(
      parser.push('in","id":"b"}\n\ndata: not json\n\nid: x-2\r\ndata: {"type":"settled"}\r\n\r\n'),
    ).toEqual([{ type: 'join', id: 'b' }, { type: 'settled' }]);
  });

  it('refuses a line that never ends instead of buffering without bound', () => {
    const parser = new SseParser();
    expect(() => parser.push(`data: ${'x'.repeat(1 << 21)}`)).toThrow(/over 1 MiB/);
  });
});

describe('human lines', () => {
  it('prints member events and rebalances as the agent does, others as key=value', () => {
    const ts = Date.UTC(2026, 0, 1, 12, 30, 5, 120);
    expect(formatMonitorEvent({ type: 'fail', id: 'b', address: '127.0.0.1:7001', threads: 2, ts })).toBe(
      '12:30:05.120 meshnode: member b (127.0.0.1:7001, 2 threads) failed (declared dead)',
    );
    expect(
      formatMonitorEvent({ type: 'user', name: 'deploy', from: 'a', ltime: 4, payload: 'é\u001b[2J' }),
    ).toBe('meshnode: user event deploy from a (ltime 4, 6 bytes)');
    expect(
      formatMonitorEvent({
        type: 'user',
        name: 'bin',
        from: 'a',
        ltime: 5,
        payload: '',
        payloadBase64: '/w==',
      }),
    ).toBe('meshnode: user event bin from a (ltime 5, 1 bytes)');
    expect(formatMonitorEvent({ type: 'rebalance', index: 1, threads: 1, total: 3 }).split('\n')).toEqual([
      'meshnode: cluster has re-balanced:',
      '   instance index:        1',
      '   instance thread count: 1',
      '   total thread count:    3',
    ]);
    expect(formatMonitorEvent({ type: 'seeds-down', attempts: 5, error: 'refused' })).toBe(
      'meshnode: seeds-down attempts=5 error=refused',
    );
  });

  it('index ranges and the members table', () => {
    expect(formatIndexRange(0, 1)).toBe('0');
    expect(formatIndexRange(3, 4)).toBe('3-6');
    expect(formatIndexRange(-1, 2)).toBe('-');
    const table = formatMembersTable([
      {
        id: 'a',
        address: '127.0.0.1:1',
        threads: 2,
        index: 0,
        state: 'alive',
        incarnation: 0,
        metadata: { role: 'web', zone: 'e' },
        rttMs: null,
        self: true,
      },
      {
        id: 'b',
        address: '127.0.0.1:2',
        threads: 1,
        index: -1,
        state: 'dead',
        incarnation: 0,
        metadata: {},
        rttMs: 1,
        self: false,
      },
    ]);
    expect(table.split('\n')).toEqual([
      'ID   ADDRESS      STATE  THREADS  INDEX   RTT  TAGS',
      'a *  127.0.0.1:1  alive        2    0-1  self  role=web,zone=e',
      'b    127.0.0.1:2  dead         1      -     -',
    ]);
  });
});

describe('planReload', () => {
  const base = resolveSettings({ key: 'k' });
  it('sorts changed fields into applied now and needing a restart', () => {
    const next = resolveSettings({ key: 'k', logLevel: 'debug', threads: '3', metadata: ['a=b'] });
    expect(planReload(base, next)).toEqual({ apply: ['logLevel', 'metadata'], needRestart: ['threads'] });
    expect(planReload(base, resolveSettings({ key: 'k' }))).toEqual({ apply: [], needRestart: [] });
  });
});
