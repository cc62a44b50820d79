/** `meshnode demo` end to end: it must finish by itself, exit 0 and leave no agent behind. */
import { describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('meshnode demo', () => {
  it('runs the five-agent story and exits 0 within a minute, cleaning up every agent', async () => {
    assertBuilt();
    const result = await runCli(['demo', '--timeout', '55000'], 60_000);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/starting 5 agents on 127\.0\.0\.1/);
    expect(out).toMatch(/all 5 agents agree on one view/);
    expect(out).toMatch(/ID\s+ADDRESS\s+THREADS\s+INDEX\s+STATE\s+RTT/);
    expect(out).toMatch(/hard-killing node-3/);
    for (const survivor of ['node-1', 'node-2', 'node-4', 'node-5']) {
      expect(out).toMatch(new RegExp(`${survivor}\\s+failed after [0-9.]+ m?s\\s+[0-9.]+ m?s\\s+\\d+ of 6`));
    }
    expect(out).toMatch(/node-5 exited with code 0/);
    expect(out).toMatch(/node-1\s+left after [0-9.]+ m?s\s+[0-9.]+ m?s\s+0 of 4/);
    expect(out).toMatch(/demo done in/);
    const pids = [...out.matchAll(/^node-\d\s+(\d+)\s+127\.0\.0\.1:/gm)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(5);
    expect(pids.filter(alive)).toEqual([]);
  }, 70_000);
});
