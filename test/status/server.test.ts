import { afterEach, describe, expect, it } from 'vitest';
import { DROP_REASONS } from '../../src/core/drops.js';
import {
  type MembersResponse,
  type StatusResponse,
  type StatusServer,
  startStatusServer,
} from '../../src/status/server.js';
import type { StatusSource } from '../../src/status/types.js';
import { fakeSource } from './helpers.js';

const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(source: StatusSource): Promise<string> {
  const server = await startStatusServer(source, '127.0.0.1', 0);
  servers.push(server);
  expect(server.address).toMatch(/^127\.0\.0\.1:[1-9][0-9]*$/);
  return `http://${server.address}`;
}

describe('status API', () => {
  it('GET /v1/members lists the sorted view and the departed members', async () => {
    const base = await start(fakeSource());
    const response = await fetch(`${base}/v1/members`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as MembersResponse;
    expect(body).toMatchObject({ id: 'a', viewId: '00000abc', total: 7, settled: true });
    expect(body.members.map((m) => [m.id, m.index, m.threads, m.state])).toEqual([
      ['a', 0, 2, 'alive'],
      ['b', 2, 1, 'alive'],
      ['c', 3, 4, 'suspect'],
    ]);
    expect(body.members[0]).toMatchObject({ self: true, rttMs: null, incarnation: 0 });
    expect(body.members[1]).toMatchObject({ self: false, rttMs: 0.432, metadata: { role: 'web' } });
    expect(body.departed).toEqual([expect.objectContaining({ id: 'd', state: 'dead', index: -1 })]);
  });

  it('GET /v1/status summarises this node, counts by state and the join state', async () => {
    const base = await start(fakeSource());
    const body = (await (await fetch(`${base}/v1/status`)).json()) as StatusResponse;
    expect(body).toMatchObject({
      id: 'a',
      address: '127.0.0.1:7000',
      key: 'k',
      env: 'dev',
      static: false,
      lifecycle: 'running',
      index: 0,
      threads: 2,
      total: 7,
      viewId: '00000abc',
      settled: true,
      viewSize: 3,
      counts: { alive: 2, suspect: 1, dead: 1, left: 0 },
      join: { state: 'joined', attempts: 1, seeds: ['127.0.0.1:7002'], lastError: null },
      pid: process.pid,
      redacted: false,
    });
    expect(body.uptimeMs).toBeGreaterThanOrEqual(1000);
  });

  it('GET /metrics names every counter after its stats field, and lists every drop reason from 0', async () => {
    const base = await start(fakeSource());
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const line of [
      'meshnode_packets_total{direction="in"} 10',
      'meshnode_packets_total{direction="out"} 12',
      'meshnode_bytes_total{direction="in"} 1000',
      'meshnode_bytes_total{direction="out"} 1200',
      'meshnode_stream_bytes_total{direction="in"} 5',
      'meshnode_stream_bytes_total{direction="out"} 6',
      'meshnode_stream_packets_total{direction="in"} 1',
      'meshnode_stream_packets_total{direction="out"} 2',
      'meshnode_probes_total 7',
      'meshnode_probes_failed_total 1',
      'meshnode_indirect_probes_total 2',
      'meshnode_nacks_received_total 0',
      'meshnode_suspicions_total 1',
      'meshnode_refutations_total 0',
      'meshnode_syncs_total 1',
      'meshnode_syncs_failed_total 0',
      'meshnode_syncs_served_total 2',
      'meshnode_dropped_total{reason="foreign-cluster"} 3',
      'meshnode_dropped_total{reason="malformed"} 1',
      'meshnode_dropped_total{reason="bad-magic"} 0',
      'meshnode_dropped_total{reason="stale-seq"} 0',
      'meshnode_dropped_total{reason="frame-too-large"} 0',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text.match(/^meshnode_dropped_total\{/gm)).toHaveLength(Object.keys(DROP_REASONS).length);
  });

  it('GET /metrics serves Prometheus text with counters and a gauge per state', async () => {
    const base = await start(fakeSource());
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE meshnode_packets_total counter');
    expect(text).toContain('meshnode_packets_total{direction="in"} 10');
    expect(text).toContain('meshnode_dropped_total{reason="foreign-cluster"} 3');
    expect(text).toContain('meshnode_probes_total 7');
    for (const [state, n] of [
      ['alive', 2],
      ['suspect', 1],
      ['dead', 1],
      ['left', 0],
    ]) {
      expect(text).toContain(`meshnode_members{state="${state}"} ${n}`);
    }
    expect(text).toContain('meshnode_total_threads 7');
    expect(text).toContain('meshnode_settled 1');
    expect(text).toContain('meshnode_rtt_max_seconds 0.0015');
  });

  it('two servers in one process keep separate registries', async () => {
    const one = await start(fakeSource());
    const other = fakeSource();
    other.node.indices = () => ({ index: 5, threads: 1, total: 9, viewId: 1, settled: false });
    const two = await start(other);
    const [a, b] = await Promise.all(
      [fetch(`${one}/metrics`), fetch(`${two}/metrics`)].map(async (p) => (await p).text()),
    );
    expect(a).toContain('meshnode_index 0');
    expect(b).toContain('meshnode_index 5');
  });

  it('GET /healthz is 200 while running and 503 once leaving', async () => {
    const source = fakeSource();
    const base = await start(source);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    source.state = 'leaving';
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', lifecycle: 'leaving' });
  });

  it('answers unknown paths with a JSON 404 and other methods with a JSON 405', async () => {
    const base = await start(fakeSource());
    const missing = await fetch(`${base}/v2/nothing?x=1`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: expect.stringContaining('/v2/nothing') },
    });
    const post = await fetch(`${base}/v1/members`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });

  it('reports a busy port as a listen error', async () => {
    const base = await start(fakeSource());
    const port = Number(new URL(base).port);
    await expect(startStatusServer(fakeSource(), '127.0.0.1', port)).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
