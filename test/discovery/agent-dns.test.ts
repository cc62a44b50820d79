/**
 * `meshnode agent --seeds srv:... / hostname:port --dns-servers ...` as
 * processes from the build, on loopback, against a DNS server the test runs
 * on 127.0.0.1 (never the system's).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/cli/children.js';
import { closedPort, runCli, TestBed, WAIT_MS } from '../cli/helpers.js';
import { TestDnsServer } from './dns-server.js';

let dns: TestDnsServer;
let bed: TestBed;
beforeAll(async () => {
  dns = await new TestDnsServer().start();
});
afterAll(async () => {
  await dns.stop();
});
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

const total = (n: number) => (e: AgentEvent) => e.event === 'rebalance' && e.total === n;
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

describe('agents joining through DNS names', { timeout: 40_000 }, () => {
  it('one joins through an SRV name, another through a hostname with several A records', async () => {
    const first = bed.agent('dns-a', ['-n', '2']);
    const { address } = await bed.started(first);
    dns.set('_meshnode._udp.cli.internal', {
      srv: [{ priority: 1, weight: 1, port: portOf(address), target: 'pod-0.cli.internal' }],
    });
    dns.set('pod-0.cli.internal', { a: ['127.0.0.1'] });
    // A headless Service's name: two of its addresses have nothing listening.
    dns.set('pods.cli.internal', { a: ['127.0.0.2', '127.0.0.1', '127.0.0.3'] });
    const viaSrv = bed.agent('dns-b', [
      ...['--seeds', 'srv:_meshnode._udp.cli.internal', '--dns-servers', dns.address],
    ]);
    const joined = await viaSrv.waitFor('joined', (e) => e.event === 'joined', WAIT_MS);
    expect(joined.through).toEqual([address]);
    const viaName = bed.agent('dns-c', [
      ...['--seeds', `pods.cli.internal:${portOf(address)}`, '--dns-servers', dns.address],
    ]);
    const joinedByName = await viaName.waitFor('joined', (e) => e.event === 'joined', WAIT_MS);
    expect(joinedByName.through).toContain(address);
    await Promise.all([first, viaSrv, viaName].map((agent) => agent.waitFor('total 4', total(4), WAIT_MS)));
    for (const agent of [viaName, viaSrv, first]) {
      agent.signal('SIGTERM');
      expect(await agent.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
    }
  });

  it('two agents that each saw only themselves behind the name find each other once it lists both', async () => {
    const [portA, portB] = [await closedPort(), await closedPort()];
    const record = (port: number, target: string) => ({ priority: 1, weight: 1, port, target });
    dns.set('a.watch.internal', { a: ['127.0.0.1'] });
    dns.set('b.watch.internal', { a: ['127.0.0.1'] });
    const seeds = ['--seeds', 'srv:_meshnode._udp.watch.internal', '--dns-servers', dns.address];
    const lookAgainMs = ['--join-backoff-max', '200'];
    const alone = (e: AgentEvent) => e.event === 'joined' && e.alone === true;
    dns.set('_meshnode._udp.watch.internal', { srv: [record(portA, 'a.watch.internal')] });
    const a = bed.agent('watch-a', [...seeds, ...lookAgainMs, '--bind', `127.0.0.1:${portA}`]);
    await a.waitFor('alone', alone, WAIT_MS);
    // Nobody else behind the name: it is the first member of a cluster, index 0 of 1.
    await a.waitFor('total 1', total(1), WAIT_MS);
    dns.set('_meshnode._udp.watch.internal', { srv: [record(portB, 'b.watch.internal')] });
    const b = bed.agent('watch-b', [...seeds, ...lookAgainMs, '--bind', `127.0.0.1:${portB}`]);
    await b.waitFor('alone', alone, WAIT_MS);
    dns.set('_meshnode._udp.watch.internal', {
      srv: [record(portA, 'a.watch.internal'), record(portB, 'b.watch.internal')],
    });
    await Promise.all([a, b].map((agent) => agent.waitFor('total 2', total(2), WAIT_MS)));
    // The joiner reports its join when its join call returns, which may be after both views hold
    // two: wait for the report (from either) instead of reading the events at this instant.
    const viaDns = (e: AgentEvent) => e.event === 'joined' && e.via === 'dns';
    const found = await Promise.any(
      [a, b].map((agent) => agent.waitFor('a join through DNS', viaDns, WAIT_MS)),
    );
    expect(found).toMatchObject({ event: 'joined', via: 'dns' });
  });

  it('an SRV name that never resolves is a join failure (exit 5) naming the name and why', async () => {
    const agent = bed.agent('dns-none', [
      ...['--seeds', 'srv:_absent._udp.cli.internal', '--dns-servers', dns.address],
      ...['--join-attempts', '2', '--join-retry', 'exit', '--join-backoff-max', '100'],
    ]);
    expect(await agent.waitExit(WAIT_MS)).toEqual({ code: 5, signal: null });
    expect(agent.stderr).toContain('srv:_absent._udp.cli.internal: unknown SRV name');
  });

  it('bad --seeds and --dns-servers values are usage errors (exit 2)', async () => {
    const badSrv = await runCli(['agent', '-k', 'k', '--seeds', 'srv:not..a.name', '--http', 'off']);
    expect(badSrv.code).toBe(2);
    expect(badSrv.stderr).toContain('--seeds');
    const badServer = await runCli(['agent', '-k', 'k', '--dns-servers', 'dns.example', '--http', 'off']);
    expect(badServer.code).toBe(2);
    expect(badServer.stderr).toContain('--dns-servers');
  });
});
