import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttemptFailure,
  backoffDelay,
  SeedJoiner,
  SeedsUnreachableError,
} from '../../src/discovery/seeds.js';
import { JoinError, MeshError, type SeedResolver } from '../../src/index.js';
import { SEED_ADDRESSES_PER_ATTEMPT_MAX, SEED_BATCH_SIZE } from '../../src/node/join-in-turn.js';
import { resolveSeeds } from '../../src/node/seed-resolution.js';

/** Hostnames from a table; no SRV records. */
const fakeResolver = (table: Record<string, string[]>): SeedResolver => ({
  addresses: async (host) => {
    const found = table[host];
    if (found === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  },
  services: async (name) => {
    throw Object.assign(new Error(`querySrv ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  },
});

describe('resolveSeeds', () => {
  it('keeps IP literals, expands hostnames to every address, dedupes and brackets IPv6', async () => {
    const resolver = fakeResolver({ 'seed.example': ['10.0.0.1', '10.0.0.2', 'fd00::1'] });
    const result = await resolveSeeds(['10.0.0.1:7946', 'seed.example:7946', '[::1]:7000'], resolver);
    expect(result.addresses).toEqual(['10.0.0.1:7946', '10.0.0.2:7946', '[fd00::1]:7946', '[::1]:7000']);
    expect(result.failures).toEqual({});
  });

  it('reports unknown hosts and malformed seeds without throwing', async () => {
    const result = await resolveSeeds(['nowhere.example:1', 'garbage', '127.0.0.1:2'], fakeResolver({}));
    expect(result.addresses).toEqual(['127.0.0.1:2']);
    expect(result.failures).toEqual({
      'nowhere.example:1': 'unknown host',
      garbage: 'not "host:port", "[v6]:port" or "srv:_service._proto.name"',
    });
  });
});

describe('backoffDelay', () => {
  it('grows geometrically, is capped, and stays within the jitter band', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (attempt, initialMs, maxMs, r) => {
          const delay = backoffDelay(attempt, { initialMs, maxMs, jitter: 0.2 }, () => r);
          const base = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
          expect(delay).toBeLessThanOrEqual(maxMs);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8) - 1);
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2) + 1);
        },
      ),
    );
  });

  it('is exact without jitter', () => {
    const policy = { initialMs: 100, maxMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('SeedJoiner', () => {
  const backoff = { initialMs: 1, maxMs: 4, jitter: 0 };

  it('joins through the resolved seeds on the first attempt', async () => {
    const calls: string[][] = [];
    const joiner = new SeedJoiner({
      seeds: () => ['seed.example:7946'],
      resolver: fakeResolver({ 'seed.example': ['10.1.1.1'] }),
      join: async (addresses) => {
        calls.push([...addresses]);
      },
      attempts: 3,
      mode: 'exit',
      backoff,
    });
    await expect(joiner.start()).resolves.toEqual({
      kind: 'joined',
      addresses: ['10.1.1.1:7946'],
      attempts: 1,
    });
    expect(calls).toEqual([['10.1.1.1:7946']]);
    expect(joiner.state).toBe('joined');
  });

  it('re-resolves hostnames on every attempt and succeeds once the seed answers', async () => {
    let lookups = 0;
    const resolver: SeedResolver = {
      addresses: async () => {
        lookups += 1;
        return [`10.0.0.${lookups}`];
      },
      services: async () => [],
    };
    const tried: string[] = [];
    const joiner = new SeedJoiner({
      seeds: () => ['moving.example:1'],
      resolver,
      join: async ([address]) => {
        tried.push(address as string);
        if (tried.length < 3) throw new Error('timeout');
      },
      attempts: 5,
      mode: 'exit',
      backoff,
    });
    const outcome = await joiner.start();
    expect(outcome).toMatchObject({ kind: 'joined', attempts: 3 });
    expect(tried).toEqual(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1']);
  });

  it('gives up after the attempts in exit mode with every failure reported', async () => {
    const failures: AttemptFailure[] = [];
    const joiner = new SeedJoiner({
      seeds: () => ['127.0.0.1:9'],
      join: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      attempts: 3,
      mode: 'exit',
      backoff,
      onAttemptFailed: (f) => failures.push(f),
    });
    const error = await joiner.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeedsUnreachableError);
    expect((error as SeedsUnreachableError).message).toContain('ECONNREFUSED');
    expect(failures.map((f) => [f.attempt, f.background, f.nextDelayMs])).toEqual([
      [1, false, 1],
      [2, false, 2],
      [3, false, undefined],
    ]);
    expect(joiner.state).toBe('failed');
  });

  it("passes the join's own error on, so a JoinError keeps its code, and adds unresolved names to the message", async () => {
    const joinError = new JoinError(['10.0.0.1:1'], 500, { '10.0.0.1:1': 'ECONNREFUSED' });
    const failures: AttemptFailure[] = [];
    const joiner = new SeedJoiner({
      seeds: () => ['10.0.0.1:1', 'gone.example:1'],
      resolver: fakeResolver({}),
      join: async () => {
        throw joinError;
      },
      attempts: 2,
      mode: 'exit',
      backoff,
      onAttemptFailed: (f) => failures.push(f),
    });
    const error = (await joiner.start().catch((e: unknown) => e)) as SeedsUnreachableError;
    expect(error.code).toBe('ERR_MESH_SEEDS_UNREACHABLE');
    expect(error.cause).toBe(joinError);
    expect((error.cause as JoinError).code).toBe('ERR_MESH_JOIN');
    expect(joiner.lastError).toBe(joinError);
    expect(failures.map((f) => f.error)).toEqual([joinError, joinError]);
    expect(joiner.lastErrorMessage).toBe(`${joinError.message}; gone.example:1: unknown host`);
    expect(error.message).toContain('gone.example:1: unknown host');
  });

  it('fails with ERR_MESH_SEEDS_UNRESOLVED when no seed name resolves', async () => {
    let joins = 0;
    const joiner = new SeedJoiner({
      seeds: () => ['gone.example:1'],
      resolver: fakeResolver({}),
      join: async () => {
        joins++;
      },
      attempts: 1,
      mode: 'exit',
      backoff,
    });
    const error = (await joiner.start().catch((e: unknown) => e)) as SeedsUnreachableError;
    expect(joins).toBe(0);
    expect(error.cause).toBeInstanceOf(MeshError);
    expect((error.cause as MeshError).code).toBe('ERR_MESH_SEEDS_UNRESOLVED');
  });

  it('keeps retrying in the background at the longest backoff, says so once, and stops when joined by a peer', async () => {
    let attempts = 0;
    let joinedByPeer = false;
    const background: AttemptFailure[] = [];
    const joiner = new SeedJoiner({
      seeds: () => ['127.0.0.1:9'],
      join: async () => {
        attempts += 1;
        if (attempts === 6) joinedByPeer = true;
        throw new Error('timeout');
      },
      isJoined: () => joinedByPeer,
      attempts: 2,
      mode: 'background',
      backoff,
      onBackground: (f) => background.push(f),
    });
    await expect(joiner.start()).resolves.toEqual({ kind: 'already-joined' });
    expect(attempts).toBe(6);
    expect(background).toHaveLength(1);
    expect(background[0]).toMatchObject({ attempt: 2, background: true, nextDelayMs: 4 });
  });

  it('stop() ends a background retry loop', async () => {
    const joiner = new SeedJoiner({
      seeds: () => ['127.0.0.1:9'],
      join: async () => {
        throw new Error('timeout');
      },
      attempts: 1,
      mode: 'background',
      backoff: { initialMs: 10_000, maxMs: 10_000 },
      onBackground: () => setImmediate(() => joiner.stop()),
    });
    await expect(joiner.start()).resolves.toEqual({ kind: 'stopped' });
    expect(joiner.state).toBe('stopped');
  });

  it('has nothing to join with no seeds or only its own address', async () => {
    const join = async () => {
      throw new Error('must not be called');
    };
    const none = new SeedJoiner({ seeds: () => [], join, attempts: 1, mode: 'exit', backoff });
    await expect(none.start()).resolves.toEqual({ kind: 'alone' });
    const self = new SeedJoiner({
      seeds: () => ['127.0.0.1:7946'],
      self: () => ['127.0.0.1:7946'],
      join,
      attempts: 1,
      mode: 'exit',
      backoff,
    });
    await expect(self.start()).resolves.toEqual({ kind: 'alone' });
    expect(self.state).toBe('no-seeds');
  });

  it('counts an unresolvable seed list as a failed attempt', async () => {
    const joiner = new SeedJoiner({
      seeds: () => ['nowhere.example:1'],
      resolver: fakeResolver({}),
      join: async () => {},
      attempts: 1,
      mode: 'exit',
      backoff,
    });
    await expect(joiner.start()).rejects.toThrow(/unknown host/);
  });
});

describe('SeedJoiner with many addresses behind one name', () => {
  const backoff = { initialMs: 1, maxMs: 4, jitter: 0 };
  const pods = Array.from({ length: 8 }, (_, i) => `10.9.0.${i + 1}`);
  const alive = '10.9.0.6:7946';
  const refusal = (batch: readonly string[]) =>
    new JoinError(batch, undefined, Object.fromEntries(batch.map((a) => [a, 'ECONNREFUSED'])));

  it('tries the addresses a batch at a time, each once, until the batch holding a live one joins', async () => {
    const batches: string[][] = [];
    const joiner = new SeedJoiner({
      seeds: () => ['pods.example:7946'],
      resolver: fakeResolver({ 'pods.example': pods }),
      join: async (batch) => {
        batches.push([...batch]);
        if (!batch.includes(alive)) throw refusal(batch);
      },
      attempts: 1,
      mode: 'exit',
      backoff,
      random: () => 0.999,
    });
    const outcome = await joiner.start();
    expect(outcome).toMatchObject({ kind: 'joined', attempts: 1 });
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.every((batch) => batch.length >= 1 && batch.length <= SEED_BATCH_SIZE)).toBe(true);
    const tried = batches.flat();
    expect(new Set(tried).size).toBe(tried.length);
    expect(batches.at(-1)).toContain(alive);
    expect((outcome as { addresses: readonly string[] }).addresses).toEqual(batches.at(-1));
    expect(tried.every((address) => pods.map((p) => `${p}:7946`).includes(address))).toBe(true);
  });

  it('spreads joiners: the first batch depends on the random source', async () => {
    const firstBatch = async (random: () => number) => {
      let first: string[] = [];
      const joiner = new SeedJoiner({
        seeds: () => ['pods.example:7946'],
        resolver: fakeResolver({ 'pods.example': pods }),
        join: async (batch) => {
          first = [...batch];
        },
        attempts: 1,
        mode: 'exit',
        backoff,
        random,
      });
      await joiner.start();
      return first;
    };
    expect(await firstBatch(() => 0)).not.toEqual(await firstBatch(() => 0.999));
  });

  it('one attempt tries at most SEED_ADDRESSES_PER_ATTEMPT_MAX addresses and reports all of them in one JoinError', async () => {
    const many = Array.from({ length: 60 }, (_, i) => `10.8.0.${i + 1}`);
    const tried: string[] = [];
    const joiner = new SeedJoiner({
      seeds: () => ['many.example:1'],
      resolver: fakeResolver({ 'many.example': many }),
      join: async (batch) => {
        tried.push(...batch);
        throw refusal(batch);
      },
      attempts: 1,
      mode: 'exit',
      backoff,
    });
    const error = (await joiner.start().catch((e: unknown) => e)) as SeedsUnreachableError;
    expect(tried).toHaveLength(SEED_ADDRESSES_PER_ATTEMPT_MAX);
    expect(error).toBeInstanceOf(SeedsUnreachableError);
    const cause = error.cause as JoinError;
    expect(cause).toBeInstanceOf(JoinError);
    expect([...cause.seeds].sort()).toEqual([...tried].sort());
    expect(Object.keys(cause.failures).sort()).toEqual([...tried].sort());
  });

  it('looks the name up again on every attempt and joins through an address that appeared since', async () => {
    const table: Record<string, string[]> = { 'pods.example': ['10.9.0.1', '10.9.0.2'] };
    const joiner = new SeedJoiner({
      seeds: () => ['pods.example:7946'],
      resolver: fakeResolver(table),
      join: async (batch) => {
        if (!batch.includes('10.9.0.3:7946')) throw refusal(batch);
      },
      attempts: 3,
      mode: 'exit',
      backoff,
      // The pod behind the name is replaced after the first attempt.
      onAttemptFailed: () => {
        table['pods.example'] = ['10.9.0.3'];
      },
    });
    await expect(joiner.start()).resolves.toEqual({
      kind: 'joined',
      addresses: ['10.9.0.3:7946'],
      attempts: 2,
    });
  });

  it('an id conflict from any batch ends the attempts at once', async () => {
    let joins = 0;
    const joiner = new SeedJoiner({
      seeds: () => ['pods.example:7946'],
      resolver: fakeResolver({ 'pods.example': pods }),
      join: async () => {
        joins += 1;
        throw Object.assign(new Error('id taken'), { code: 'ERR_MESH_ID_CONFLICT' });
      },
      attempts: 3,
      mode: 'exit',
      backoff,
    });
    await expect(joiner.start()).rejects.toThrow('id taken');
    expect(joins).toBe(1);
  });
});
