/** NameWatch without sockets: a resolver and a join the test controls. */
import { describe, expect, it } from 'vitest';
import { NameWatch } from '../../src/discovery/name-watch.js';
import type { SeedResolver } from '../../src/index.js';

function setup(table: Record<string, string[]>, alone = () => true) {
  const joins: string[][] = [];
  const joined: string[][] = [];
  const resolver: SeedResolver = {
    addresses: async (host) => {
      const found = table[host];
      if (found === undefined) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return found;
    },
    services: async () => [],
  };
  const watch = new NameWatch({
    seeds: () => ['pods.example:7946', '10.0.0.99:7946'],
    resolver,
    self: () => ['10.0.0.1:7946'],
    isAlone: alone,
    join: async (addresses) => {
      joins.push([...addresses]);
    },
    intervalMs: 60_000,
    onJoined: (through) => joined.push([...through]),
  });
  return { watch, joins, joined };
}

describe('NameWatch', () => {
  it('applies only when some seed is a name', () => {
    expect(NameWatch.applies(['10.0.0.1:1', '[::1]:2'])).toBe(false);
    expect(NameWatch.applies(['10.0.0.1:1', 'pods.example:1'])).toBe(true);
    expect(NameWatch.applies(['srv:_m._udp.example'])).toBe(true);
  });

  it('joins through the other addresses a name gained, never through itself or the literal seeds', async () => {
    const table: Record<string, string[]> = { 'pods.example': ['10.0.0.1'] };
    const { watch, joins, joined } = setup(table);
    await watch.look();
    expect(joins).toEqual([]);
    table['pods.example'] = ['10.0.0.1', '10.0.0.2'];
    await watch.look();
    expect(joins).toEqual([['10.0.0.2:7946']]);
    expect(joined).toEqual([['10.0.0.2:7946']]);
  });

  it('does not look while the node has company, an unknown name stays quiet, and stop() ends it', async () => {
    let company = true;
    const { watch, joins } = setup({ 'pods.example': ['10.0.0.2'] }, () => !company);
    await watch.look();
    expect(joins).toEqual([]);
    company = false;
    watch.stop();
    await watch.look();
    expect(joins).toEqual([]);
    const quiet = setup({});
    await expect(quiet.watch.look()).resolves.toBeUndefined();
    expect(quiet.joins).toEqual([]);
  });
});
