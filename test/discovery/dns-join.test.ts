/**
 * Joining through names on real sockets, all on loopback: a hostname with
 * several A records (a headless Service: most of its addresses have
 * nothing listening) and an SRV name whose record carries the port. The
 * names live in a DNS server the test runs on 127.0.0.1; nothing else is
 * asked. 127.0.0.2 and 127.0.0.3 are loopback too: a connection there to a
 * port nobody listens on is refused at once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SeedJoiner } from '../../src/discovery/seeds.js';
import { createDnsResolver, JoinError, type MeshNode, type SeedResolver } from '../../src/index.js';
import { Cluster, waitUntil } from '../node/helpers.js';
import { TestDnsServer } from './dns-server.js';

let dns: TestDnsServer;
let resolver: SeedResolver;
const cluster = new Cluster();

beforeAll(async () => {
  dns = await new TestDnsServer().start();
  resolver = createDnsResolver({ servers: [dns.address], queryTimeoutMs: 200, tries: 2 });
});
afterAll(async () => {
  await dns.stop();
});
afterEach(async () => {
  await cluster.closeAll();
});

function portOf(node: MeshNode): number {
  return Number(node.address.slice(node.address.lastIndexOf(':') + 1));
}

const sees = (node: MeshNode, other: MeshNode) => () => node.members().some((m) => m.id === other.id);

describe('a hostname with several A records', { timeout: 15_000 }, () => {
  it('join() gets in through the one address that answers', async () => {
    const seed = await cluster.start({ id: 'seed' });
    dns.set('pods.join.internal', { a: ['127.0.0.2', '127.0.0.3', '127.0.0.1'] });
    const joiner = await cluster.start({
      id: 'joiner',
      resolver,
      seeds: [`pods.join.internal:${portOf(seed)}`],
    });
    await joiner.join();
    await waitUntil([seed, joiner], sees(seed, joiner), 'the seed to see the joiner');
    expect(joiner.members().map((m) => m.id)).toContain('seed');
  });

  it('join() tries every address a batch at a time, past the transport limit on concurrent syncs', async () => {
    const seed = await cluster.start({ id: 'many-seed' });
    // 19 addresses with nothing listening, then the live one: more than the 8 syncs a node opens at once.
    const dead = Array.from({ length: 19 }, (_, i) => `127.0.0.${i + 2}`);
    dns.set('many.join.internal', { a: [...dead, '127.0.0.1'] });
    const joiner = await cluster.start({ id: 'many-joiner', resolver });
    await joiner.join([`many.join.internal:${portOf(seed)}`]);
    await waitUntil([seed, joiner], sees(seed, joiner), 'the seed to see the joiner');
  });

  it('join() looks the name up again after a round that failed', async () => {
    const seed = await cluster.start({ id: 'round-seed' });
    dns.set('round.join.internal', { a: ['127.0.0.2'] });
    let lookups = 0;
    const counting: SeedResolver = {
      addresses: async (host) => {
        lookups += 1;
        const found = await resolver.addresses(host);
        // The pod moves to 127.0.0.1 once the first answer has gone out.
        dns.set('round.join.internal', { a: ['127.0.0.1'] });
        return found;
      },
      services: (name) => resolver.services(name),
    };
    const joiner = await cluster.start({ id: 'round-joiner', resolver: counting });
    await joiner.join([`round.join.internal:${portOf(seed)}`]);
    expect(lookups).toBe(2);
    await waitUntil([seed, joiner], sees(seed, joiner), 'the seed to see the joiner');
  });

  it('join() with retry false makes one round and names what failed', async () => {
    dns.set('dead.join.internal', { a: ['127.0.0.2', '127.0.0.3'] });
    const joiner = await cluster.start({ id: 'one-round', resolver });
    const error = (await joiner
      .join(['dead.join.internal:7'], { retry: false })
      .catch((e) => e)) as JoinError;
    expect(error).toBeInstanceOf(JoinError);
    expect(Object.keys(error.failures).sort()).toEqual(['127.0.0.2:7', '127.0.0.3:7']);
    expect(error.message).not.toMatch(/within/);
  });

  it('join() names every seed and why when no name resolves', async () => {
    const joiner = await cluster.start({ id: 'lonely', resolver });
    const error = await joiner
      .join(['nothing.join.internal:7946', 'srv:_none._udp.join.internal'], { retry: false })
      .catch((e) => e);
    expect(error).toBeInstanceOf(JoinError);
    expect((error as JoinError).failures).toEqual({
      'nothing.join.internal:7946': 'unknown host',
      'srv:_none._udp.join.internal': 'unknown SRV name',
    });
  });
});

describe('srv: seeds', { timeout: 15_000 }, () => {
  it('join() takes the port from the SRV record', async () => {
    const seed = await cluster.start({ id: 'srv-seed' });
    dns.set('_meshnode._udp.join.internal', {
      srv: [{ priority: 10, weight: 1, port: portOf(seed), target: 'node-0.join.internal' }],
    });
    dns.set('node-0.join.internal', { a: ['127.0.0.1'] });
    const joiner = await cluster.start({
      id: 'srv-joiner',
      resolver,
      seeds: ['srv:_meshnode._udp.join.internal'],
    });
    // Seeds that name another node: the joiner waits outside its view until admitted.
    expect(joiner.indices().index).toBe(-1);
    await joiner.join();
    await waitUntil([seed, joiner], () => joiner.indices().index >= 0, 'the joiner to be admitted');
    await waitUntil([seed, joiner], sees(seed, joiner), 'the seed to see the joiner');
  });

  it('the join loop looks the SRV name up again on every attempt and follows a record that moved', async () => {
    const seed = await cluster.start({ id: 'moved-seed' });
    const joinerNode = await cluster.start({ id: 'moved-joiner', resolver });
    dns.set('node-0.move.internal', { a: ['127.0.0.1'] });
    // First the record points at a port nobody listens on (the pod's old home).
    dns.set('_meshnode._udp.move.internal', {
      srv: [{ priority: 1, weight: 1, port: 1, target: 'node-0.move.internal' }],
    });
    const before = dns.asked('_meshnode._udp.move.internal');
    const joiner = new SeedJoiner({
      seeds: () => ['srv:_meshnode._udp.move.internal'],
      join: (addresses) => joinerNode.join(addresses, { retry: false }),
      resolver,
      attempts: 3,
      mode: 'exit',
      backoff: { initialMs: 1, maxMs: 5, jitter: 0 },
      onAttemptFailed: () =>
        dns.set('_meshnode._udp.move.internal', {
          srv: [{ priority: 1, weight: 1, port: portOf(seed), target: 'node-0.move.internal' }],
        }),
    });
    const outcome = await joiner.start();
    expect(outcome).toEqual({ kind: 'joined', addresses: [seed.address], attempts: 2 });
    expect(dns.asked('_meshnode._udp.move.internal') - before).toBe(2);
    await waitUntil([seed, joinerNode], sees(seed, joinerNode), 'the seed to see the joiner');
  });
});
