import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/exit-codes.js';
import { replayCommand, simulateParams } from '../../src/cli/simulate.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/meshnode.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));

describe('meshnode simulate flags', () => {
  it('turns flags into scenario parameters', () => {
    expect(
      simulateParams({
        scenario: 'lossy',
        nodes: '40',
        seed: '7',
        loss: '0.1',
        preset: 'local',
        duration: '5000',
        lifeguard: false,
      }),
    ).toEqual({
      name: 'lossy',
      params: { nodes: 40, seed: 7, loss: 0.1, preset: 'local', durationMs: 5000, lifeguard: false },
    });
    expect(simulateParams({ scenario: 'crash', lifeguard: true })).toEqual({ name: 'crash', params: {} });
  });

  it.each([
    [{ scenario: 'nope' }, /--scenario must be one of/],
    [{ scenario: 'crash', nodes: '0' }, /--nodes/],
    [{ scenario: 'crash', nodes: 'many' }, /--nodes/],
    [{ scenario: 'crash', seed: '-3' }, /--seed/],
    [{ scenario: 'crash', loss: '1' }, /--loss/],
    [{ scenario: 'crash', loss: 'abc' }, /--loss/],
    [{ scenario: 'crash', preset: 'moon' }, /--preset/],
  ])('rejects %j', (flags, message) => {
    expect(() => simulateParams(flags)).toThrow(UsageError);
    expect(() => simulateParams(flags)).toThrow(message);
  });

  it('prints a replay command that gives the same run', () => {
    expect(replayCommand('lossy', { loss: 0.1, lifeguard: false }, 10, 15)).toBe(
      'meshnode simulate --scenario lossy --nodes 10 --seed 15 --loss 0.1 --no-lifeguard',
    );
  });
});

describe.skipIf(!built)('meshnode simulate (built CLI)', () => {
  it('prints one JSON object with the measured figures and writes an SVG chart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshnode-sim-'));
    try {
      const svg = join(dir, 'crash.svg');
      const { stdout, stderr } = await run(
        process.execPath,
        [bin, 'simulate', '--scenario', 'crash', '--nodes', '30', '--seed', '1', '--json', '--svg', svg],
        { timeout: 60_000 },
      );
      expect(stderr).toBe('');
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({
        scenario: 'crash',
        nodes: 30,
        seed: 1,
        converged: true,
        falsePositives: 0,
      });
      expect(report.detection.allMs).toBeGreaterThan(0);
      expect((await readFile(svg, 'utf8')).startsWith('<svg')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with a usage message on a bad flag', async () => {
    const failure = await run(process.execPath, [bin, 'simulate', '--scenario', 'crash', '--loss', '7'], {
      timeout: 30_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/--loss must be a number/);
  });
});
