/**
 * Seed names against a DNS server the test runs on 127.0.0.1 (no real DNS
 * is ever asked): hostnames with several A/AAAA records, SRV records and
 * their targets, lookups again on every call, and every failure worded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { resolveOptions } from '../../src/node/options.js';
import { ADDRESSES_PER_NAME_MAX, resolveSeeds, SERVICE_RECORDS_MAX } from '../../src/node/seed-resolution.js';
import { createDnsResolver, type SeedResolver } from '../../src/node/seed-resolver.js';
import { formatSeed, isDnsName, parseSeed } from '../../src/node/seed-syntax.js';
import { TestDnsServer } from './dns-server.js';

let dns: TestDnsServer;
let resolver: SeedResolver;

beforeAll(async () => {
  dns = await new TestDnsServer().start();
  resolver = createDnsResolver({ servers: [dns.address], queryTimeoutMs: 200, tries: 1 });
});
afterAll(async () => {
  await dns.stop();
});
beforeEach(() => {
  dns.silent = false;
  dns.garbage = undefined;
  for (const name of [
    'pods.test.internal',
    '_meshnode._udp.test.internal',
    'a.test.internal',
    'b.test.internal',
  ])
    dns.delete(name);
});

describe('seed syntax', () => {
  it('accepts addresses, hostnames and srv: names, and nothing else', () => {
    expect(parseSeed('10.0.0.1:7946')).toEqual({ kind: 'address', host: '10.0.0.1', port: 7946 });
    expect(parseSeed('[fd00::1]:7946')).toEqual({ kind: 'address', host: 'fd00::1', port: 7946 });
    expect(parseSeed('meshnode.default.svc:7946')).toEqual({
      kind: 'address',
      host: 'meshnode.default.svc',
      port: 7946,
    });
    expect(parseSeed('srv:_meshnode._udp.example.internal')).toEqual({
      kind: 'srv',
      name: '_meshnode._udp.example.internal',
    });
    expect(formatSeed({ kind: 'srv', name: '_m._udp.x' })).toBe('srv:_m._udp.x');
    expect(parseSeed('SRV:_m._udp.x')).toEqual({ kind: 'srv', name: '_m._udp.x' });
    for (const bad of ['srv:', 'srv:a..b', 'srv:a b', `srv:${'a'.repeat(64)}.x`, 'nohost', ':7946', 42]) {
      expect(parseSeed(bad), String(bad)).toBeUndefined();
    }
  });

  it('bounds DNS names at 63 characters a label and 253 in all', () => {
    const label = 'a'.repeat(63);
    expect(isDnsName(label)).toBe(true);
    expect(isDnsName(`${label}a`)).toBe(false);
    const long = [label, label, label, 'a'.repeat(61)].join('.');
    expect(long).toHaveLength(253);
    expect(isDnsName(long)).toBe(true);
    expect(isDnsName(`${long}a`)).toBe(false);
    expect(isDnsName('trailing.dot.')).toBe(true);
  });
});

describe('hostname seeds', () => {
  it('expand to every A and AAAA record, with the seed port', async () => {
    dns.set('pods.test.internal', { a: ['10.1.0.1', '10.1.0.2', '10.1.0.3'], aaaa: ['fd00::7'] });
    const result = await resolveSeeds(['pods.test.internal:7946'], resolver);
    expect(result.failures).toEqual({});
    expect(result.addresses).toEqual(['10.1.0.1:7946', '10.1.0.2:7946', '10.1.0.3:7946', '[fd00::7]:7946']);
  });

  it('are looked up again on every call, so a pod that moved is found', async () => {
    dns.set('pods.test.internal', { a: ['10.1.0.1'] });
    const before = dns.asked('pods.test.internal');
    expect((await resolveSeeds(['pods.test.internal:1'], resolver)).addresses).toEqual(['10.1.0.1:1']);
    dns.set('pods.test.internal', { a: ['10.1.0.9'] });
    expect((await resolveSeeds(['pods.test.internal:1'], resolver)).addresses).toEqual(['10.1.0.9:1']);
    // A and AAAA each time.
    expect(dns.asked('pods.test.internal') - before).toBe(4);
  });

  it('report an unknown name and a name without addresses, and keep the other seeds', async () => {
    dns.set('a.test.internal', {});
    const result = await resolveSeeds(
      ['missing.test.internal:1', 'a.test.internal:1', '127.0.0.1:2', 'garbage'],
      resolver,
    );
    expect(result.addresses).toEqual(['127.0.0.1:2']);
    expect(result.failures).toEqual({
      'missing.test.internal:1': 'unknown host',
      'a.test.internal:1': 'no address',
      garbage: 'not "host:port", "[v6]:port" or "srv:_service._proto.name"',
    });
  });

  it('a silent DNS server is a timeout, not a hang', async () => {
    dns.set('pods.test.internal', { a: ['10.1.0.1'] });
    dns.silent = true;
    const result = await resolveSeeds(['pods.test.internal:1'], resolver);
    expect(result.addresses).toEqual([]);
    expect(result.failures).toEqual({ 'pods.test.internal:1': 'DNS lookup timed out' });
  });

  it('a server answering garbage is a worded failure of that seed, not a crash or a hang', async () => {
    dns.set('pods.test.internal', { a: ['10.1.0.1'] });
    for (const garbage of [
      Buffer.alloc(0),
      Buffer.from([0x81, 0x80, 0, 1, 0, 5, 0, 0]),
      Buffer.alloc(600, 0xc0),
    ]) {
      dns.garbage = garbage;
      const result = await resolveSeeds(['pods.test.internal:1', 'srv:_m._udp.test.internal'], resolver);
      expect(result.addresses).toEqual([]);
      expect(Object.keys(result.failures).sort()).toEqual([
        'pods.test.internal:1',
        'srv:_m._udp.test.internal',
      ]);
      expect(Object.values(result.failures)).toEqual([
        'bad answer from the DNS server',
        'bad answer from the DNS server',
      ]);
    }
  });

  it('IP literals never reach the DNS server', async () => {
    const before = dns.questions.length;
    const result = await resolveSeeds(['127.0.0.1:1', '[::1]:2'], resolver);
    expect(result.addresses).toEqual(['127.0.0.1:1', '[::1]:2']);
    expect(dns.questions.length).toBe(before);
  });
});

describe('srv: seeds', () => {
  it('resolve each target, take the port from its record, most preferred first', async () => {
    dns.set('_meshnode._udp.test.internal', {
      srv: [
        { priority: 20, weight: 0, port: 7000, target: 'b.test.internal' },
        { priority: 10, weight: 5, port: 7001, target: 'a.test.internal' },
        { priority: 10, weight: 50, port: 7002, target: 'b.test.internal' },
        { priority: 0, weight: 0, port: 7003, target: '.' },
      ],
    });
    dns.set('a.test.internal', { a: ['10.2.0.1'] });
    dns.set('b.test.internal', { a: ['10.2.0.2'], aaaa: ['fd00::2'] });
    const result = await resolveSeeds(['srv:_meshnode._udp.test.internal'], resolver);
    expect(result.failures).toEqual({});
    expect(result.addresses).toEqual([
      '10.2.0.2:7002',
      '[fd00::2]:7002',
      '10.2.0.1:7001',
      '10.2.0.2:7000',
      '[fd00::2]:7000',
    ]);
  });

  it('follow the records as they change', async () => {
    dns.set('a.test.internal', { a: ['10.2.0.1'] });
    dns.set('_meshnode._udp.test.internal', {
      srv: [{ priority: 1, weight: 1, port: 7001, target: 'a.test.internal' }],
    });
    expect((await resolveSeeds(['srv:_meshnode._udp.test.internal'], resolver)).addresses).toEqual([
      '10.2.0.1:7001',
    ]);
    dns.set('_meshnode._udp.test.internal', {
      srv: [{ priority: 1, weight: 1, port: 7100, target: 'a.test.internal' }],
    });
    expect((await resolveSeeds(['srv:_meshnode._udp.test.internal'], resolver)).addresses).toEqual([
      '10.2.0.1:7100',
    ]);
  });

  it('say which part failed: the SRV name, its records, or its targets', async () => {
    dns.set('a.test.internal', { a: ['10.2.0.1'] });
    dns.set('_meshnode._udp.test.internal', {
      srv: [{ priority: 1, weight: 1, port: 7001, target: 'gone.test.internal' }],
    });
    const result = await resolveSeeds(
      ['srv:_nothing._udp.test.internal', 'srv:a.test.internal', 'srv:_meshnode._udp.test.internal'],
      resolver,
    );
    expect(result.addresses).toEqual([]);
    expect(result.failures).toEqual({
      'srv:_nothing._udp.test.internal': 'unknown SRV name',
      'srv:a.test.internal': 'no SRV record',
      'srv:_meshnode._udp.test.internal': 'no SRV target resolved (gone.test.internal: unknown host)',
    });
  });
});

describe('bounds on what a resolver returns', () => {
  it('keeps at most ADDRESSES_PER_NAME_MAX addresses a name and SERVICE_RECORDS_MAX records, drops non-IPs', async () => {
    const many: SeedResolver = {
      addresses: async (host) =>
        host === 'big'
          ? ['not-an-ip', ...Array.from({ length: 200 }, (_, i) => `10.3.${i >> 8}.${i & 255}`)]
          : [`10.4.0.${Number(host.slice(1))}`],
      services: async () =>
        Array.from({ length: 100 }, (_, i) => ({ name: `t${i}`, port: 1000 + i, priority: i, weight: 0 })),
    };
    const byName = await resolveSeeds(['big:1'], many);
    expect(byName.addresses).toHaveLength(ADDRESSES_PER_NAME_MAX);
    expect(byName.addresses[0]).toBe('10.3.0.0:1');
    const bySrv = await resolveSeeds(['srv:_x._udp.y'], many);
    expect(bySrv.addresses).toHaveLength(SERVICE_RECORDS_MAX);
    expect(bySrv.addresses.at(-1)).toBe(
      `10.4.0.${SERVICE_RECORDS_MAX - 1}:${1000 + SERVICE_RECORDS_MAX - 1}`,
    );
  });

  it('a resolver that throws or answers nonsense is a failure of that seed, not a crash', async () => {
    const broken: SeedResolver = {
      addresses: async () => {
        throw new Error('resolver exploded');
      },
      services: async () => 'nonsense' as never,
    };
    const result = await resolveSeeds(['x.example:1', 'srv:_x._udp.y', '127.0.0.1:3'], broken);
    expect(result.addresses).toEqual(['127.0.0.1:3']);
    expect(result.failures['x.example:1']).toBe('resolver exploded');
    expect(result.failures['srv:_x._udp.y']).toMatch(/./);
  });

  it('createDnsResolver refuses bad servers and bounds', () => {
    expect(() => createDnsResolver({ servers: [] })).toThrow(ValidationError);
    expect(() => createDnsResolver({ servers: ['not an ip'] })).toThrow(ValidationError);
    expect(() => createDnsResolver({ servers: ['127.0.0.1'], queryTimeoutMs: 0 })).toThrow(ValidationError);
    expect(() => createDnsResolver({ servers: ['127.0.0.1'], tries: 11 })).toThrow(ValidationError);
  });
});

describe('the resolver option of createNode', () => {
  it('is checked before anything is bound, and a misspelling is named', () => {
    expect(() => resolveOptions({ key: 'k', resolver: {} as never })).toThrow(
      /addresses\(host\) and services\(name\)/,
    );
    expect(() => resolveOptions({ key: 'k', resolvr: resolver } as never)).toThrow(/did you mean "resolver"/);
    expect(resolveOptions({ key: 'k', resolver }).resolver).toBe(resolver);
  });
});
