/** The documented exit codes of `meshnode agent` and `meshnode status`. */
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { closedPort, runCli, TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

describe('exit codes', { timeout: 30_000 }, () => {
  it.each([
    ['an unknown flag', ['agent', '-k', 'k', '--bogus'], /unknown option '--bogus'/],
    ['no cluster key', ['agent'], /-k\/--key is required/],
    ['a non-numeric thread count', ['agent', '-k', 'k', '-n', 'many'], /-n\/--threads must be an integer/],
    ['-I without -T', ['agent', '-I', '2'], /both -I\/--index and -T\/--total/],
    ['a bad --http for status', ['status', '--http', 'not an address'], /--http must be/],
  ])('%s: a usage message and exit code 2', async (_name, args, pattern) => {
    const result = await runCli(args);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).toMatch(/--help/);
    expect(result.stdout).toBe('');
  });

  it('--help exits 0', async () => {
    const result = await runCli(['agent', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/-k, --key <key>/);
  });

  it('a missing --config file: exit code 3', async () => {
    const result = await runCli(['agent', '--config', `${bed.dir}/absent.json`]);
    expect(result.code).toBe(ExitCode.config);
    expect(result.stderr).toMatch(/absent\.json: no such file/);
  });

  it('a bad protocol setting in the config file: exit code 3', async () => {
    const config = await bed.writeConfig('bad-protocol.json', { key: 'k', protocol: { probeIntervalMs: 1 } });
    const result = await runCli(['agent', '--config', config, '--bind', '127.0.0.1:0', '--http', 'off']);
    expect(result.code).toBe(ExitCode.config);
    expect(result.stderr).toMatch(/probeIntervalMs/);
  });

  it('a mesh port in use: exit code 4', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await runCli(['agent', '-k', 'k', '--bind', `127.0.0.1:${port}`, '--http', 'off']);
      expect(result.code).toBe(ExitCode.bind);
      expect(result.stderr).toMatch(new RegExp(`cannot bind 127\\.0\\.0\\.1:${port}`));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('an explicit --http address in use: exit code 4', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await runCli([
        'agent',
        '-k',
        'k',
        '--bind',
        '127.0.0.1:0',
        '--http',
        `127.0.0.1:${port}`,
      ]);
      expect(result.code).toBe(ExitCode.bind);
      expect(result.stderr).toMatch(/cannot bind the status API/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('no seed answers and --join-retry exit: exit code 5 after the attempts', async () => {
    const port = await closedPort();
    const result = await runCli([
      'agent',
      ...['-k', bed.key, '-e', bed.env, '--bind', '127.0.0.1:0', '--http', 'off', '--config', bed.config],
      ...[
        '--seeds',
        `127.0.0.1:${port}`,
        '--join-attempts',
        '2',
        '--join-timeout',
        '300',
        '--join-retry',
        'exit',
      ],
    ]);
    expect(result.code).toBe(ExitCode.join);
    expect(result.stderr).toMatch(
      new RegExp(`could not join through 127\\.0\\.0\\.1:${port} after 2 attempt`),
    );
  });

  it('every seed down in background mode: says so, keeps running, and the status API shows it', async () => {
    const port = await closedPort();
    const agent = bed.agent('lonely', [
      ...['--seeds', `127.0.0.1:${port},unknown-host.invalid:${port}`],
      ...['--join-attempts', '1', '--join-timeout', '200', '--join-backoff-max', '300'],
    ]);
    const { http } = await bed.started(agent);
    const down = await agent.waitFor('seeds-down', (e) => e.event === 'seeds-down', WAIT_MS);
    expect(down.error).toMatch(/unknown-host\.invalid/);
    // Said once, as the event on stdout; the log keeps the per-attempt detail.
    expect(agent.stderr).not.toMatch(/every seed is down/);
    expect(agent.stderr).toMatch(/join attempt failed/);
    const status = await runCli(['status', '--http', http, '--json']);
    expect(JSON.parse(status.stdout).status.join).toMatchObject({ state: 'background' });
    // Never admitted: no index was ever announced, and the status says so.
    expect(agent.events.filter((e) => e.event === 'rebalance' && (e.index as number) >= 0)).toEqual([]);
    expect(JSON.parse(status.stdout).status).toMatchObject({ index: -1, settled: false });
    agent.signal('SIGTERM');
    expect(await agent.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
  });

  it('status with no agent listening: exit code 6', async () => {
    const port = await closedPort();
    const result = await runCli(['status', '--http', `127.0.0.1:${port}`]);
    expect(result.code).toBe(ExitCode.unreachable);
    expect(result.stderr).toMatch(/no agent answered/);
  });
});
