/**
 * `meshnode token create | inspect`: the built CLI as real processes, with
 * bounded waits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { encodeToken } from '../../src/discovery/token.js';
import { runCli, TestBed } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

/** A token that expired an hour ago, made with the library's encoder and a clock in the past. */
function expiredToken(seeds: string[]): string {
  return encodeToken({ key: bed.key, env: bed.env, seeds, ttlSeconds: 60, nowMs: Date.now() - 3_600_000 });
}

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
