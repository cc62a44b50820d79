import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, flagsToFields } from '../../src/cli/agent.js';
import { CliError, ExitCode, UsageError } from '../../src/cli/exit-codes.js';
import {
  CONFIG_FIELDS,
  DEFAULT_BIND,
  DEFAULT_HTTP,
  FLAG_NAMES,
  readConfigFile,
  resolveSettings,
  SETTINGS,
} from '../../src/cli/settings.js';
import { parseHostPort, parseSeedList } from '../../src/cli/values.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshnode-settings-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(content: string): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(16).slice(2)}.json`);
  await writeFile(path, content);
  return path;
}

describe('resolveSettings', () => {
  it('applies the defaults', () => {
    const s = resolveSettings({ key: 'k' });
    expect(s).toMatchObject({
      key: 'k',
      env: undefined,
      threads: 1,
      static: undefined,
      bind: DEFAULT_BIND,
      http: DEFAULT_HTTP,
      httpExplicit: false,
      seeds: [],
      mdns: false,
      preset: 'lan',
      logLevel: 'info',
      json: false,
      joinAttempts: 5,
      joinRetry: 'background',
    });
  });

  it('parses flag strings: numbers, seed lists, bare ports, metadata', () => {
    const s = resolveSettings({
      key: 'k',
      threads: '4',
      bind: '7000',
      http: ':9000',
      seeds: 'a.example:1, 10.0.0.1:2,,[::1]:3',
      metadata: ['role=web', 'zone=a=b'],
      json: true,
    });
    expect(s.threads).toBe(4);
    expect(s.bind).toEqual({ host: '0.0.0.0', port: 7000 });
    expect(s.http).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(s.seeds).toEqual(['a.example:1', '10.0.0.1:2', '[::1]:3']);
    expect(s.metadata).toEqual({ role: 'web', zone: 'a=b' });
  });

  it('lets flags win over the config file, field by field', async () => {
    const file = readConfigFile(
      await configFile(
        JSON.stringify({
          key: 'from-file',
          env: 'prod',
          threads: 3,
          seeds: ['10.0.0.1:7946'],
          protocol: { probeIntervalMs: 50 },
        }),
      ),
    );
    const s = resolveSettings({ env: 'dev', threads: '2' }, file);
    expect(s).toMatchObject({ key: 'from-file', env: 'dev', threads: 2, seeds: ['10.0.0.1:7946'] });
    expect(s.protocol).toEqual({ probeIntervalMs: 50 });
  });

  it('merges static mode from both sources and checks it', () => {
    expect(resolveSettings({ index: '2', total: '7', threads: '3' }).static).toEqual({ index: 2, total: 7 });
    expect(() => resolveSettings({ index: '2' })).toThrow(/both -I\/--index and -T\/--total/);
    expect(() => resolveSettings({ index: '5', total: '6', threads: '2' })).toThrow(/at least/);
  });

  it('turns bad flag values into usage errors naming the flag', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /-k\/--key is required/],
      [{ key: 'k', threads: 'two' }, /-n\/--threads must be an integer/],
      [{ key: 'k', threads: '0' }, /between 1 and 65535/],
      [{ key: 'k', bind: 'nope' }, /--bind must be "host:port"/],
      [{ key: 'k', preset: 'fast' }, /--preset must be one of lan, local, wan/],
      [{ key: 'k', logLevel: 'loud' }, /-v\/--log-level/],
      [{ key: 'k', seeds: 'a.example' }, /--seeds/],
      [{ key: 'k', joinRetry: 'never' }, /--join-retry must be one of background, exit/],
      [{ key: 'k', mdnsInterface: 'no-such-if0' }, /no IPv4 interface named "no-such-if0"/],
    ];
    for (const [flags, pattern] of cases) {
      let error: unknown;
      try {
        resolveSettings(flags);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(flags)).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(ExitCode.usage);
      expect((error as Error).message).toMatch(pattern);
    }
  });

  it('accepts "off" to disable the status API and an interface name for mDNS', () => {
    expect(resolveSettings({ key: 'k', http: 'off' })).toMatchObject({ http: undefined, httpExplicit: true });
    expect(resolveSettings({ key: 'k', mdnsInterface: 'lo' }).mdnsInterface).toBe('127.0.0.1');
  });
});

describe('readConfigFile', () => {
  it.each([
    ['not JSON', '{', /is not valid JSON/],
    ['an array', '[]', /must hold a JSON object/],
    ['an unknown field', '{"kee": "typo"}', /unknown field "kee"/],
    ['a bad value', '{"threads": -1}', /threads must be an integer between 1 and 65535/],
    ['a bad protocol block', '{"protocol": 5}', /protocol must be an object/],
  ])('rejects %s with a config error (exit 3)', async (_name, text, pattern) => {
    const path = await configFile(text);
    let error: unknown;
    try {
      readConfigFile(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.config);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(pattern);
  });

  it('names a missing file', () => {
    expect(() => readConfigFile(join(dir, 'absent.json'))).toThrow(/absent\.json: no such file/);
  });
});

describe('value parsers', () => {
  it('keeps IPv6 brackets and rejects ports out of range', () => {
    expect(parseHostPort('x', '[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(() => parseHostPort('x', '1.2.3.4:70000')).toThrow();
    expect(() => parseSeedList('--seeds', '1.2.3.4:0')).toThrow(/non-zero port/);
  });
});

describe('the settings table drives flags, config keys and help', () => {
  it('names every flag in messages as commander spells it, written out by hand', () => {
    expect(FLAG_NAMES).toMatchObject({
      key: '-k/--key',
      logLevel: '-v/--log-level',
      mdnsIntervalMs: '--mdns-interval',
      joinBackoffMaxMs: '--join-backoff-max',
      metadata: '--meta',
    });
    expect(FLAG_NAMES.protocol).toBeUndefined();
    expect(CONFIG_FIELDS).toContain('protocol');
  });

  it('lists every flag of the table in the help, and nothing else but --token, --config and --help', () => {
    const help = agentCommand().helpInformation();
    const listed = [...help.matchAll(/^ {2}(-\w, --[\w-]+|--[\w-]+)/gm)].map((m) =>
      (m[1] as string).replace(',', ''),
    );
    const fromTable = Object.values(SETTINGS).flatMap((spec) =>
      spec.flag === undefined ? [] : [spec.flag.split(' <')[0]?.replace(',', '') as string],
    );
    expect(listed.sort()).toEqual([...fromTable, '--token', '--config', '-h --help'].sort());
  });

  it('maps parsed flags to config-file names, renamed ones included', () => {
    const command = agentCommand();
    command.parseOptions([
      '-k',
      'k',
      '--mdns-interval',
      '500',
      '--join-timeout',
      '700',
      '--join-backoff-max',
      '900',
      '--meta',
      'a=1',
      '--meta',
      'b=2',
      '--json',
      '--token',
      'ignored-here',
    ]);
    expect(flagsToFields(command.opts())).toEqual({
      key: 'k',
      mdnsIntervalMs: '500',
      joinTimeoutMs: '700',
      joinBackoffMaxMs: '900',
      metadata: ['a=1', 'b=2'],
      json: true,
    });
    expect(resolveSettings(flagsToFields(command.opts()))).toMatchObject({
      mdnsIntervalMs: 500,
      joinTimeoutMs: 700,
      joinBackoffMaxMs: 900,
      metadata: { a: '1', b: '2' },
      json: true,
    });
  });

  it('accepts every config-file key of the table and rejects others', async () => {
    expect(
      readConfigFile(await configFile('{"key":"k","joinBackoffMaxMs":900,"protocol":{}}')),
    ).toMatchObject({
      key: 'k',
      joinBackoffMaxMs: 900,
      protocol: {},
    });
    const path = await configFile('{"joinBackoffMax":900}');
    expect(() => readConfigFile(path)).toThrow(/unknown field "joinBackoffMax"/);
  });
});
