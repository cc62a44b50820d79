/**
 * Operating running agents from the command line: members, tags,
 * force-leave, monitor, leave, SIGHUP reloads and event handlers, against
 * real agents on loopback.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(() => bed.close());

async function twoAgents() {
  const a = bed.agent('a', ['--meta', 'role=seed']);
  const { address, http } = await bed.started(a);
  const b = bed.agent('b', ['--seeds', address, '-n', '2']);
  const bStarted = await bed.started(b);
  await a.waitFor('b in the view', (e) => e.event === 'join' && e.id === 'b', WAIT_MS);
  return { a, b, http, bHttp: bStarted.http };
}

describe('commands against a running agent', () => {
  it('members lists id, address, state, threads, index range and tags, and filters', async () => {
    const { http } = await twoAgents();
    const table = await runCli(['members', '--http', http]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ADDRESS\s+STATE\s+THREADS\s+INDEX\s+RTT\s+TAGS$/);
    expect(lines[1]).toMatch(/^a \*\s+127\.0\.0\.1:\d+\s+alive\s+1\s+0\s+self\s+role=seed$/);
    expect(lines[2]).toMatch(/^b\s+127\.0\.0\.1:\d+\s+alive\s+2\s+1-2\s+[\d.]+ ms$/);
    const filtered = await runCli(['members', '--http', http, '--tag', 'role=seed', '--json']);
    expect(JSON.parse(filtered.stdout).map((m: { id: string }) => m.id)).toEqual(['a']);
    const none = await runCli(['members', '--http', http, '--status', 'dead', '--json']);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const bad = await runCli(['members', '--http', http, '--status', 'gone']);
    expect(bad.code).toBe(2);
  });

  it('tags sets and deletes metadata, and peers hear the update', async () => {
    const { b, http } = await twoAgents();
    const set = await runCli(['tags', '--http', http, '--set', 'zone=east', '--delete', 'role', '--json']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ zone: 'east' });
    await b.waitFor('the update', (e) => e.event === 'update' && e.id === 'a', WAIT_MS);
    const empty = await runCli(['tags', '--http', http]);
    expect(empty.code).toBe(2);
  });

  it('force-leave refuses a live member, marks a failed one left', async () => {
    const { b, http } = await twoAgents();
    const refused = await runCli(['force-leave', 'b', '--http', http]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: member b is alive/);
    b.signal('SIGKILL');
    await bed.agents[0]?.waitFor('b failed', (e) => e.event === 'fail' && e.id === 'b', WAIT_MS);
    const forced = await runCli(['force-leave', 'b', '--http', http]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/member b is marked left/);
    const left = await runCli(['members', '--http', http, '--status', 'left', '--json']);
    expect(JSON.parse(left.stdout).map((m: { id: string }) => m.id)).toEqual(['b']);
  });

  it('monitor streams the events as they happen; leave makes the agent leave and exit 0', async () => {
    const { a, b, http } = await twoAgents();
    // With the kept history replayed first, the events before the stream opened are not missed.
    const monitor = bed.command('monitor', ['monitor', '--http', http, '--json', '--history', '100']);
    await monitor.waitForText(/"type":"join","id":"b"/, WAIT_MS);
    const left = await runCli(['leave', '--http', bed.agentHttp(b)]);
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(/is leaving the cluster\n.*left and exited/);
    expect(await b.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
    const seen = JSON.parse(await monitor.waitForText(/"type":"leave","id":"b"/, WAIT_MS));
    expect(seen).toMatchObject({ type: 'leave', state: 'left' });
    a.signal('SIGTERM');
    expect(await a.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
    expect(await monitor.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
  });

  it('with --http-token-file, the state-changing commands need the token', async () => {
    const tokenFile = await bed.writeConfig('token', 'a-long-enough-bearer-token-1234');
    const a = bed.agent('a', ['--http-token-file', tokenFile]);
    const { http } = await bed.started(a);
    const without = await runCli(['tags', '--http', http, '--set', 'k=v']);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/token/);
    const withToken = await runCli(['tags', '--http', http, '--set', 'k=v', '--http-token-file', tokenFile]);
    expect(withToken.code).toBe(0);
    // Reads stay open.
    expect((await runCli(['members', '--http', http])).code).toBe(0);
  });

  it('every command exits 6 when no agent answers, and says so for a server that is not meshnode', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"members":{}}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    try {
      for (const args of [
        ['status'],
        ['members'],
        ['tags', '--set', 'a=b'],
        ['force-leave', 'x'],
        ['leave'],
      ]) {
        const other = await runCli([...args, '--http', `127.0.0.1:${port}`]);
        expect(other.code, args.join(' ')).toBe(6);
        expect(other.stderr).toMatch(/is not a meshnode agent/);
        expect(other.stderr).not.toMatch(/TypeError|\n\s+at /);
      }
    } finally {
      await new Promise((done) => server.close(done));
    }
    // The mesh port of an agent speaks TCP, but not HTTP.
    const agent = bed.agent('mesh');
    const { address } = await bed.started(agent);
    const meshPort = await runCli(['status', '--http', address]);
    expect(meshPort.code).toBe(6);
    expect(meshPort.stderr).toMatch(/is not a meshnode agent's status API .*is that the mesh port\?/);
    const closed = await runCli(['monitor', '--http', '127.0.0.1:1']);
    expect(closed.code).toBe(6);
    expect(closed.stderr).toMatch(/no agent answered/);
  });
});

describe('SIGHUP and event handlers', () => {
  it('--event-handler given at start runs on the first rebalance, told the indices', async () => {
    const out = join(bed.dir, 'rebalance.txt');
    const handler = join(bed.dir, 'on-rebalance.sh');
    await writeFile(
      handler,
      `#!/bin/sh\necho "$MESHNODE_EVENT $MESHNODE_INDEX $MESHNODE_THREADS $MESHNODE_TOTAL" >> ${out}\n`,
    );
    await chmod(handler, 0o755);
    const a = bed.agent('a', ['-n', '3', '--event-handler', `rebalance=${handler}`]);
    await bed.started(a);
    const deadline = Date.now() + WAIT_MS;
    let text = '';
    while (Date.now() < deadline && text === '') {
      text = await readFile(out, 'utf8').catch(() => '');
      if (text === '') await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).toBe('rebalance 0 3 3\n');
  });

  it('SIGHUP reloads log level, metadata and handlers, reports what needs a restart, keeps running', async () => {
    const out = join(bed.dir, 'events.txt');
    const handler = join(bed.dir, 'handler.sh');
    await writeFile(handler, `#!/bin/sh\necho "$MESHNODE_EVENT $MESHNODE_TOTAL $(cut -f1)" >> ${out}\n`);
    await chmod(handler, 0o755);
    const config = await bed.writeConfig('live.json', {
      preset: 'local',
      protocol: { probeIntervalMs: 100, probeTimeoutMs: 50, gossipIntervalMs: 25, viewDelayMs: 100 },
      metadata: { role: 'one' },
    });
    const a = bed.agent('a', ['--config', config]);
    const { address } = await bed.started(a);
    await writeFile(
      config,
      JSON.stringify({
        preset: 'local',
        protocol: { probeIntervalMs: 100, probeTimeoutMs: 50, gossipIntervalMs: 25, viewDelayMs: 100 },
        logLevel: 'debug',
        metadata: { role: 'two' },
        eventHandlers: [`member-join=${handler}`],
        threads: 4,
      }),
    );
    a.signal('SIGHUP');
    const reload = await a.waitFor('the reload', (e) => e.event === 'reload', WAIT_MS);
    expect(reload.applied).toEqual(['logLevel', 'metadata', 'eventHandlers']);
    expect(reload.needRestart).toEqual(['threads']);
    expect(a.running).toBe(true);
    const b = bed.agent('b', ['--seeds', address]);
    await bed.started(b);
    await b.waitFor('a with its new metadata', (e) => e.event === 'join' && e.id === 'a', WAIT_MS);
    await a.waitFor('b joined', (e) => e.event === 'join' && e.id === 'b', WAIT_MS);
    const deadline = Date.now() + WAIT_MS;
    let text = '';
    while (Date.now() < deadline && !text.includes('member-join')) {
      text = await readFile(out, 'utf8').catch(() => '');
      if (!text.includes('member-join')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(text.trim()).toMatch(/^member-join \d+ b$/);
    // Debug lines only from the reload on (the membership event of b's join).
    expect(a.stderr).toMatch(/"level":20,.*"msg":"membership event"/);
    const members = await runCli(['members', '--http', bed.agentHttp(a), '--json']);
    expect(JSON.parse(members.stdout).find((m: { id: string }) => m.id === 'a').metadata).toEqual({
      role: 'two',
    });
    // A broken file changes nothing and kills nothing.
    await writeFile(config, '{ not json');
    a.signal('SIGHUP');
    const failed = await a.waitFor(
      'the failed reload',
      (e) => e.event === 'reload' && e.error !== null,
      WAIT_MS,
    );
    expect(String(failed.error)).toMatch(/not valid JSON/);
    expect(a.running).toBe(true);
  });
});
