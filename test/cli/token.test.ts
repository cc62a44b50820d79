/**
 * `meshnode token create | inspect` and `meshnode agent --token`: the built
 * CLI as real processes on 127.0.0.1 (ephemeral ports, bounded waits, every
 * child killed after each test), plus the settings precedence in-process.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentProcess } from '../../src/cli/children.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { DEFAULT_BIND, resolveSettings } from '../../src/cli/settings.js';
import { encodeToken } from '../../src/discovery/token.js';
import { BIN, runCli, TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

/** `meshnode agent --token` without -k / -e (they would win over the token), killed by bed.close(). */
function tokenAgent(id: string, token: string, args: readonly string[] = []): AgentProcess {
  const agent = new AgentProcess(id, process.execPath, [
    BIN,
    'agent',
    ...['--token', token, '-i', id, '--bind', '127.0.0.1:0', '--http', '127.0.0.1:0', '--json'],
    ...args,
  ]);
  bed.agents.push(agent);
  return agent;
}

/** A token that expired an hour ago, made with the library's encoder and a clock in the past. */
function expiredToken(seeds: string[]): string {
  return encodeToken({ key: bed.key, env: bed.env, seeds, ttlSeconds: 60, nowMs: Date.now() - 3_600_000 });
}

describe('settings precedence: flags > token > config file > defaults', () => {
  const token = { key: 'token-key', env: 'token-env', seeds: ['10.0.0.1:7946'] };
  const file = { key: 'file-key', env: 'file-env', seeds: ['10.0.0.9:7946'], threads: 3 };

  it('the token fills key, env and seeds over the config file; the file keeps the rest', () => {
    const s = resolveSettings({}, file, token);
    expect(s).toMatchObject({ key: 'token-key', env: 'token-env', seeds: ['10.0.0.1:7946'], threads: 3 });
    expect(s.bind).toEqual(DEFAULT_BIND);
  });

  it('explicit -k, -e and --seeds win over the token, one by one', () => {
    expect(resolveSettings({ key: 'flag-key' }, file, token)).toMatchObject({
      key: 'flag-key',
      env: 'token-env',
      seeds: ['10.0.0.1:7946'],
    });
    expect(resolveSettings({ env: 'flag-env', seeds: 'h:1' }, file, token)).toMatchObject({
      key: 'token-key',
      env: 'flag-env',
      seeds: ['h:1'],
    });
  });

  it('without a token nothing changes (file, then defaults)', () => {
    expect(resolveSettings({}, file)).toMatchObject({ key: 'file-key', env: 'file-env' });
    expect(resolveSettings({ key: 'k' })).toMatchObject({ env: undefined, seeds: [] });
  });
});

describe('meshnode token', { timeout: 30_000 }, () => {
  it('create -> inspect round trip with IPv4, IPv6 and hostname seeds, text and --json', async () => {
    const seeds = '10.0.0.1:7946,[::1]:7000, seed.example:7946';
    const created = await runCli(['token', 'create', '-k', 'mycluster', '-e', 'prod', '--seeds', seeds]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(created.stdout).toBe(`${token}\n`);
    expect(token).toMatch(/^mn1\.[A-Za-z0-9_-]+$/);

    const json = await runCli(['token', 'inspect', token, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const info = JSON.parse(json.stdout);
    expect(info).toMatchObject({
      v: 1,
      key: 'mycluster',
      env: 'prod',
      seeds: ['10.0.0.1:7946', '[::1]:7000', 'seed.example:7946'],
      expired: false,
    });
    // Default ttl: 24 h from now (the process started a moment ago).
    const inSeconds = info.exp - Date.now() / 1000;
    expect(inSeconds).toBeGreaterThan(86_400 - 60);
    expect(inSeconds).toBeLessThanOrEqual(86_400);
    expect(info.expiresAt).toBe(new Date(info.exp * 1000).toISOString());

    const text = await runCli(['token', 'inspect', token]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      'key:     mycluster',
      'env:     prod',
      'seeds:   10.0.0.1:7946, [::1]:7000, seed.example:7946',
      expect.stringMatching(/^expires: \d{4}-\d\d-\d\dT[0-9:.]+Z \((in 23 h 59 min|in 1 d)\)$/),
      'expired: no',
      '',
    ]);
  });

  it('create --json, --ttl and the default env', async () => {
    const created = await runCli(['token', 'create', '-k', 'k', '--seeds', 'h:1', '--ttl', '90m', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out).toMatchObject({ v: 1, key: 'k', env: 'default', seeds: ['h:1'], expired: false });
    expect(out.exp - Date.now() / 1000).toBeGreaterThan(5400 - 60);
    const again = await runCli(['token', 'inspect', out.token, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ key: 'k', env: 'default', exp: out.exp });
  });

  it('create with bad flags exits with the usage code and names the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--seeds', 'h:1'], /required option '-k, --key <key>'/],
      [['-k', 'k'], /required option '--seeds <list>'/],
      [['-k', 'k', '--seeds', 'nohost'], /--seeds must be "host:port"/],
      [['-k', 'k', '--seeds', 'h:0'], /needs a non-zero port/],
      [['-k', 'k', '--seeds', ' , '], /--seeds must name at least one/],
      [['-k', 'k', '--seeds', 'h:1', '--ttl', '366d'], /--ttl must be between 1s and 365d/],
      [['-k', 'k', '--seeds', 'h:1', '--ttl', '10'], /--ttl must be a whole number with a unit/],
      [
        ['-k', 'k', '--seeds', Array.from({ length: 65 }, (_, i) => `h:${i + 1}`).join(',')],
        /--seeds: seeds must hold 1 to 64 addresses, not 65/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['token', 'create', ...args]);
      expect({ code: result.code, stdout: result.stdout }, args.join(' ')).toEqual({
        code: ExitCode.usage,
        stdout: '',
      });
      expect(result.stderr).toMatch(message);
    }
  });

  it('inspect of a malformed token exits with the config code and says what is wrong', async () => {
    const wrap = (payload: unknown) => `mn1.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const good = { v: 1, key: 'k', env: 'e', seeds: ['h:1'], exp: 4_000_000_000 };
    const { seeds: _seeds, ...noSeeds } = good;
    const cases: [string, RegExp][] = [
      ['eyJjbHVzdGVyX25hbWUiOiJiaWIifQ==', /must start with "mn1\."/],
      ['mn1.not*base64', /not base64url: "\*" found/],
      [`mn1.${Buffer.from('{not json').toString('base64url')}`, /not UTF-8 JSON/],
      [wrap({ ...good, v: 2 }), /token version 2 is not supported/],
      [wrap(noSeeds), /no "seeds" field/],
      [wrap({ ...good, seeds: ['nohost'] }), /seed 1: "nohost" is not "host:port"/],
    ];
    for (const [token, message] of cases) {
      const result = await runCli(['token', 'inspect', token]);
      expect({ code: result.code, stdout: result.stdout }, token).toEqual({
        code: ExitCode.config,
        stdout: '',
      });
      expect(result.stderr).toMatch(/^meshnode token inspect: bad token: /);
      expect(result.stderr).toMatch(message);
    }
  });

  it('inspect of an expired token prints it, says so, and exits with the config code', async () => {
    const token = expiredToken(['127.0.0.1:7946']);
    const json = await runCli(['token', 'inspect', token, '--json']);
    expect(json.code).toBe(ExitCode.config);
    expect(JSON.parse(json.stdout)).toMatchObject({ key: bed.key, expired: true });
    expect(json.stderr).toMatch(/token expired at .*meshnode token create/);
    const text = await runCli(['token', 'inspect', token]);
    expect(text.code).toBe(ExitCode.config);
    expect(text.stdout).toMatch(/\(expired 59 min( \d+ s)? ago\)\nexpired: yes\n$/);
  });
});

describe('meshnode agent --token', { timeout: 30_000 }, () => {
  it('an expired token exits with the config code before binding or printing anything', async () => {
    const agent = tokenAgent('late', expiredToken(['127.0.0.1:1']));
    expect(await agent.waitExit(WAIT_MS)).toEqual({ code: ExitCode.config, signal: null });
    expect(agent.events).toEqual([]);
    expect(agent.stderr).toMatch(/meshnode agent: --token: token expired at /);
    expect(agent.stderr).not.toMatch(/agent started/);
  });

  it('a malformed token exits with the config code, even with -k given', async () => {
    const agent = tokenAgent('bad', 'mn1.garbage!', ['-k', bed.key]);
    expect(await agent.waitExit(WAIT_MS)).toEqual({ code: ExitCode.config, signal: null });
    expect(agent.events).toEqual([]);
    expect(agent.stderr).toMatch(/--token: the part after "mn1\." is not base64url/);
  });

  it('joins a live agent with only the token: key, env and seeds from it, over the config file', async () => {
    const first = bed.agent('node1');
    const { address } = await bed.started(first);
    const created = await runCli(['token', 'create', '-k', bed.key, '-e', bed.env, '--seeds', address]);
    expect(created.code, created.stderr).toBe(0);
    // The config file names another cluster and a dead seed: the token wins over it.
    const config = await bed.writeConfig('other.json', {
      key: 'other-key',
      env: 'other-env',
      seeds: ['127.0.0.1:1'],
      preset: 'local',
      protocol: { probeIntervalMs: 100, probeTimeoutMs: 50, viewDelayMs: 100, settleQuietMs: 200 },
      joinTimeoutMs: 3000,
    });
    const second = tokenAgent('node2', created.stdout.trim(), ['--config', config]);
    const start = await second.waitFor('the start event', (e) => e.event === 'start', WAIT_MS);
    expect(start).toMatchObject({ key: bed.key, env: bed.env });
    const joined = await second.waitFor('the joined event', (e) => e.event === 'joined', WAIT_MS);
    expect(joined).toMatchObject({ through: [address] });
    const twoOf = (index: number) => (e: { event: string; index?: unknown; total?: unknown }) =>
      e.event === 'rebalance' && e.index === index && e.total === 2;
    await second.waitFor('index 1 of 2', twoOf(1), WAIT_MS);
    await first.waitFor('index 0 of 2', twoOf(0), WAIT_MS);
    await first.waitFor('the join of node2', (e) => e.event === 'join' && e.id === 'node2', WAIT_MS);
  });
});
