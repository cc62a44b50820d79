/**
 * The package as a user gets it: `npm pack`, installed into a fresh folder
 * without the registry (its dependencies come from npm's cache, pinned by
 * the repository's lock file), then type-checked by a project with
 * TypeScript's default tsconfig and run through its own `meshnode` binary.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess } from '../../src/cli/children.js';
import { closedPort, REPO, WAIT_MS } from '../cli/helpers.js';

const run = promisify(execFile);
const TSC = join(REPO, 'node_modules', '.bin', 'tsc');

interface LockEntry {
  readonly dev?: boolean;
  readonly [field: string]: unknown;
}

/** A lock file for a project that depends on the tarball: meshnode's own non-dev entries, at the same paths. */
function consumerLock(tarball: string, integrity: string): unknown {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const root = lock.packages[''] as LockEntry;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { meshnode: `file:${tarball}` } },
    'node_modules/meshnode': {
      version: (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
      resolved: `file:${tarball}`,
      integrity,
      dependencies: root.dependencies,
      peerDependencies: root.peerDependencies,
      peerDependenciesMeta: root.peerDependenciesMeta,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') && entry.dev !== true) packages[path] = entry;
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

let dir = '';
let installError: string | undefined;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshnode-consumer-'));
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO });
  const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz')) as string;
  const integrity = `sha512-${createHash('sha512')
    .update(readFileSync(join(dir, tarball)))
    .digest('base64')}`;
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      version: '1.0.0',
      private: true,
      type: 'module',
      dependencies: { meshnode: `file:${tarball}` },
    }),
  );
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify(consumerLock(tarball, integrity)));
  try {
    await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
  } catch (error) {
    installError = String((error as { stderr?: string }).stderr ?? error);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.destroy()));
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/**
 * The offline install must have worked. The README's commands run `npm ci`
 * before `npm test`, which fills npm's cache with every dependency, so a
 * failure here (ENOTCACHED included) is a real fault, never a reason to skip.
 */
function expectInstalled(): void {
  expect(installError, 'npm ci --offline of the packed tarball').toBeUndefined();
}

describe('the packed package in a fresh folder', () => {
  it('type-checks with the default tsconfig of `tsc --init`', async () => {
    expectInstalled();
    await run(TSC, ['--init'], { cwd: dir });
    await writeFile(
      join(dir, 'index.ts'),
      [
        "import { createNode, type MeshNode, type MemberInfo } from 'meshnode';",
        "import { runScenario } from 'meshnode/sim';",
        "const node: MeshNode = await createNode({ key: 'k', bind: { host: '127.0.0.1', port: 0 } });",
        "node.on('join', (member: MemberInfo) => console.log(member.id));",
        "node.on('close', ({ left }) => console.log(left));",
        'const closed: Promise<{ left: boolean }> = node.closed;',
        'void closed;',
        'void runScenario;',
        'await node.close();',
        '',
      ].join('\n'),
    );
    const strict = await run(TSC, ['--noEmit', '-p', '.'], { cwd: dir }).then(
      () => 'ok',
      (error: { stdout?: string }) => error.stdout ?? 'failed',
    );
    expect(strict).toBe('ok');
    // And the declarations themselves, not only their use.
    const libs = await run(TSC, ['--noEmit', '-p', '.', '--skipLibCheck', 'false'], { cwd: dir }).then(
      () => 'ok',
      (error: { stdout?: string }) => error.stdout ?? 'failed',
    );
    expect(libs).toBe('ok');
  });

  it('its meshnode binary runs the agent and the commands; --svg says how to get vega', async () => {
    expectInstalled();
    const bin = join(dir, 'node_modules', '.bin', 'meshnode');
    expect(existsSync(bin)).toBe(true);
    const agent = new AgentProcess('packed', bin, [
      ...[
        'agent',
        '-k',
        'packed',
        '--bind',
        '127.0.0.1:0',
        '--http',
        '127.0.0.1:0',
        '--json',
        '--preset',
        'local',
      ],
    ]);
    agents.push(agent);
    const start = await agent.waitFor('the start', (e) => e.event === 'start', WAIT_MS);
    const members = await run(bin, ['members', '--http', String(start.http), '--json']);
    expect(JSON.parse(members.stdout)).toHaveLength(1);
    const absent = await run(bin, ['members', '--http', `127.0.0.1:${await closedPort()}`]).catch(
      (error: { code?: number }) => error,
    );
    expect((absent as { code?: number }).code).toBe(6);
    const svg = await run(bin, ['simulate', '-s', 'crash', '-n', '5', '--svg', join(dir, 'x.svg')]).catch(
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(svg).toMatchObject({ code: 2 });
    expect((svg as { stderr: string }).stderr).toMatch(/npm install vega vega-lite/);
    agent.signal('SIGTERM');
    expect(await agent.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
  });
});
