/** What a new user hit first, each pinned by a test: messages, exit codes, output discipline. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatLogLine, logSetup } from '../../src/cli/logger.js';
import { CONFIG_FIELDS } from '../../src/cli/settings.js';
import { simulateDescription } from '../../src/cli/simulate.js';
import { encodeToken } from '../../src/discovery/token.js';
import { writeViewFile } from '../../src/discovery/view-file.js';
import { closedPort, REPO, runCli, TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(() => bed.close());

describe('agent start-up', () => {
  it('--bind with a port over 65535 says the port is out of range (exit 2)', async () => {
    const result = await runCli(['agent', '-k', 'k', '--bind', '127.0.0.1:99999']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--bind port must be between 0 and 65535, got 99999/);
  });

  it('a refused seed fails the attempt at once, and --json ends with a stop event', async () => {
    const port = await closedPort();
    const agent = bed.agent('refused', [
      ...['--seeds', `127.0.0.1:${port}`, '--join-attempts', '2', '--join-retry', 'exit'],
      // Far beyond the wait below: only an immediate refusal ends both attempts in time.
      ...['--join-timeout', '600000', '--join-backoff-max', '100'],
    ]);
    expect(await agent.waitExit(WAIT_MS)).toEqual({ code: 5, signal: null });
    expect(agent.events.at(-1)).toMatchObject({ event: 'stop', reason: 'join-failed', graceful: false });
    expect(String(agent.events.at(-1)?.error)).toMatch(/refused \(nothing listening on that port\)/);
    // One human line at the end (the log has one entry per attempt, with its own detail).
    expect(agent.stderr.match(/meshnode agent: could not join through/g)).toHaveLength(1);
  });

  it('an expired --token stops a first join but not the restart of a node whose view file knows its cluster', async () => {
    const port = await closedPort();
    const expired = encodeToken({
      key: bed.key,
      env: bed.env,
      seeds: [`127.0.0.1:${port}`],
      ttlSeconds: 60,
      nowMs: Date.now() - 3_600_000,
    });
    const first = await runCli(['agent', '--token', expired, '--bind', '127.0.0.1:0', '--http', 'off']);
    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(/token expired at .*an expired token only stops a first join/);
    const viewFile = join(bed.dir, 'view.json');
    await writeViewFile(viewFile, {
      meshnode: 1,
      key: bed.key,
      env: bed.env,
      updatedAt: new Date().toISOString(),
      updatedBy: 'peer',
      members: [{ id: 'peer', address: `127.0.0.1:${port}`, threads: 1 }],
    });
    const agent = bed.command('restarted', [
      ...['agent', '--token', expired, '-i', 'me', '--view-file', viewFile, '--config', bed.config],
      ...['--bind', '127.0.0.1:0', '--http', '127.0.0.1:0', '--json', '--join-attempts', '1'],
    ]);
    await agent.waitFor('the start', (e) => e.event === 'start', WAIT_MS);
    await agent.waitFor('seeds-down', (e) => e.event === 'seeds-down', WAIT_MS);
    expect(agent.running).toBe(true);
    expect(agent.stderr).toMatch(/token expired at .*rejoining through the members in the view file/);
  });
});

describe('logs for people and for machines', () => {
  it('on a terminal: readable lines at warn and above, each said once', async () => {
    const port = await closedPort();
    // No logLevel in this file: the default for people applies.
    const quiet = await bed.writeConfig('quiet.json', { preset: 'local', joinTimeoutMs: 3000 });
    const agent = bed.agent(
      'pretty',
      ['--config', quiet, '--seeds', `127.0.0.1:${port}`, '--join-attempts', '1', '--log-format', 'pretty'],
      { json: false },
    );
    await agent.waitForText(/every seed is down/, WAIT_MS);
    agent.signal('SIGTERM');
    await agent.waitExit(WAIT_MS);
    const lines = agent.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(
      lines.every((line) => line.startsWith('meshnode: warning: ') || line.startsWith('meshnode: error: ')),
    ).toBe(true);
    expect(agent.stderr).toMatch(
      /meshnode: warning: join attempt failed \(attempt=1, seeds=\["127\.0\.0\.1:\d+"\]/,
    );
    const all = [...agent.text, ...lines];
    expect(all.filter((line) => /every seed is down/.test(line))).toHaveLength(1);
    expect(all.filter((line) => /started/.test(line))).toHaveLength(1);
  });

  it('formats pino lines for people and picks the format and level', () => {
    const line = JSON.stringify({
      level: 40,
      time: 't',
      pid: 1,
      msg: 'join attempt failed',
      attempt: 2,
      err: { message: 'boom', stack: 'x' },
    });
    expect(formatLogLine(line)).toBe('meshnode: warning: join attempt failed (attempt=2, err=boom)\n');
    expect(formatLogLine('not json')).toBe('not json\n');
    const base = {
      format: 'auto',
      json: false,
      level: 'info',
      levelExplicit: false,
      stderrIsTTY: true,
    } as const;
    expect(logSetup(base)).toEqual({ format: 'pretty', level: 'warn' });
    expect(logSetup({ ...base, levelExplicit: true })).toEqual({ format: 'pretty', level: 'info' });
    expect(logSetup({ ...base, json: true })).toEqual({ format: 'json', level: 'info' });
    expect(logSetup({ ...base, stderrIsTTY: false })).toEqual({ format: 'json', level: 'info' });
  });
});

describe('simulate', () => {
  it('--svg into a missing folder: a clear message and exit 2 before the run', async () => {
    const result = await runCli(['simulate', '-s', 'crash', '-n', '500', '--svg', '/missing/dir/x.svg']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--svg \/missing\/dir\/x\.svg: the folder \/missing\/dir does not exist/);
    expect(result.stderr).not.toMatch(/ENOENT|\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('--svg on a scenario with nothing to chart still prints the results', async () => {
    const svg = join(bed.dir, 'x.svg');
    const result = await runCli(['simulate', '-s', 'pause', '-n', '6', '--json', '--svg', svg]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ scenario: 'pause', nodes: 6 });
    expect(result.stderr).toMatch(/no chart written: .*nothing to chart/);
  });

  it('help fits 80 columns without breaking a scenario line at the margin, and says what churn reports', async () => {
    const text = simulateDescription(80);
    const lines = text.split('\n');
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    const scenarios = lines.slice(lines.indexOf('Scenarios (times in probe intervals P):') + 1);
    // Each line is a scenario's first line or a continuation under the description column.
    expect(scenarios.every((line) => /^ {2}[a-z-]+ {2,}\S/.test(line) || /^ {19}\S/.test(line))).toBe(true);
    const churn = text.slice(text.indexOf('  churn'), text.indexOf('  lossy'));
    const reported = Number(/(\d+) in the report/.exec(churn.replace(/\s+/g, ' '))?.[1]);
    const run = await runCli(['simulate', '-s', 'churn', '--json'], 60_000);
    expect(JSON.parse(run.stdout).nodes).toBe(reported);
    const help = await runCli(['simulate', '--help']);
    expect(help.stdout.split('\n').every((line) => line.length <= 80)).toBe(true);
  });
});

describe('the README', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

  it('names every config file field exactly as the agent accepts it', () => {
    const section = readme.slice(
      readme.indexOf('<!-- config-fields -->'),
      readme.indexOf('<!-- /config-fields -->'),
    );
    expect(section.length).toBeGreaterThan(100);
    const documented = [...section.matchAll(/^\| `([a-zA-Z]+)`/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...CONFIG_FIELDS].sort());
  });

  it('computes owner() in the library example on every rebalance, not once at start-up', () => {
    const example = readme.slice(readme.indexOf('## Embedded library'), readme.indexOf('| call'));
    const handler = example.indexOf("node.on('rebalance', () => {");
    expect(handler).toBeGreaterThan(0);
    const owner = example.indexOf("node.owner('order:42')");
    expect(owner).toBeGreaterThan(handler);
    expect(example.indexOf('});', handler)).toBeGreaterThan(owner);
    expect(example.match(/node\.owner\(/g)).toHaveLength(1);
  });

  it('shows how to run the CLI from a clone, and the demo points at it', async () => {
    expect(readme).toMatch(/npx meshnode agent/);
    const demo = readFileSync(join(REPO, 'src', 'cli', 'demo.ts'), 'utf8');
    expect(demo).toMatch(/next: "npx meshnode agent --help"/);
  });
});
