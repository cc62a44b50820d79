/**
 * Bootstrap without seeds: mDNS on loopback (pinned to 127.0.0.1, a free
 * port instead of 5353, any multicast-dns warning fails) and the view file.
 */
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/cli/children.js';
import { runCli, TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const total = (n: number) => (e: AgentEvent) => e.event === 'rebalance' && e.total === n;

describe('mDNS discovery on loopback', { timeout: 30_000 }, () => {
  it('agents with --mdns and no seeds find each other; another env on the same port stays apart', async () => {
    const port = String(await freeUdpPort());
    const mdns = ['--mdns', '--mdns-interface', '127.0.0.1', '--mdns-port', port, '--mdns-interval', '300'];
    const a = bed.agent('mdns-a', ['-n', '1', ...mdns]);
    const b = bed.agent('mdns-b', ['-n', '2', ...mdns]);
    await Promise.all([a.waitFor('total 3', total(3), WAIT_MS), b.waitFor('total 3', total(3), WAIT_MS)]);
    // Same key, another env, same mDNS port: it announces to a and b, and they answer its queries.
    const stranger = bed.agent('mdns-x', ['-e', `${bed.env}-other`, '-n', '4', ...mdns]);
    await stranger.waitFor('its start', (e) => e.event === 'joined', WAIT_MS);
    // A member started after the stranger still gets in: the mDNS traffic since has been processed.
    const d = bed.agent('mdns-d', ['-n', '1', ...mdns]);
    await Promise.all([a, b, d].map((agent) => agent.waitFor('total 4', total(4), WAIT_MS)));
    for (const agent of [a, b, d, stranger]) {
      agent.signal('SIGTERM');
      expect(await agent.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
      expect(agent.stderr).not.toMatch(/mdns (warning|error)/);
    }
    expect([...a.events, ...b.events, ...d.events].some((e) => e.id === 'mdns-x')).toBe(false);
    expect(stranger.events.some((e) => e.event === 'join')).toBe(false);
    const inView = stranger.events.filter((e) => e.event === 'rebalance' && e.index !== -1);
    expect(inView.map((e) => e.total)).toEqual([4]);
  });
});

describe('view file bootstrap', { timeout: 30_000 }, () => {
  it('the first agent creates the file, the next one joins through it, and the file follows the view', async () => {
    const path = join(bed.dir, 'cluster.view.json');
    const first = bed.agent('view-a', ['-n', '2', '--view-file', path]);
    await first.waitFor('its first view-file write', (e) => e.event === 'view-file', WAIT_MS);
    const initial = JSON.parse(await readFile(path, 'utf8'));
    expect(initial).toMatchObject({ meshnode: 1, key: bed.key, env: bed.env, updatedBy: 'view-a' });
    expect(initial.members.map((m: { id: string }) => m.id)).toEqual(['view-a']);

    const second = bed.agent('view-b', ['-n', '1', '--view-file', path]);
    await second.waitFor(
      'joined through the file',
      (e) => e.event === 'joined' && Array.isArray(e.through),
      WAIT_MS,
    );
    await Promise.all([first, second].map((agent) => agent.waitFor('total 3', total(3), WAIT_MS)));
    await first.waitFor(
      'a write listing both',
      (e) => e.event === 'view-file' && Array.isArray(e.members) && e.members.length === 2,
      WAIT_MS,
    );
    const after = JSON.parse(await readFile(path, 'utf8'));
    expect(after.members.map((m: { id: string }) => m.id).sort()).toEqual(['view-a', 'view-b']);
  });

  it('a corrupt view file and no other seed: a clear error and exit code 3', async () => {
    const path = await bed.writeConfig('broken.view.json', '{"meshnode": 1, "members": [');
    const result = await runCli([
      'agent',
      '-k',
      bed.key,
      '--bind',
      '127.0.0.1:0',
      '--http',
      'off',
      '--view-file',
      path,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`view file ${path}: not valid JSON`);
  });

  it('a corrupt view file with seeds: falls back to the seeds', async () => {
    const seed = bed.agent('seed', []);
    const { address } = await bed.started(seed);
    const path = await bed.writeConfig('broken.view.json', 'garbage');
    const joiner = bed.agent('joiner', ['--view-file', path, '--seeds', address]);
    await joiner.waitFor('joined through the seed', (e) => e.event === 'joined', WAIT_MS);
    await joiner.waitFor('total 2', total(2), WAIT_MS);
    expect(joiner.stderr).toMatch(/cannot use the view file; falling back to the other seeds/);
  });
});
