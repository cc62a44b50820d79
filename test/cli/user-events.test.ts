/**
 * `meshnode event` against three real agents on loopback: every agent
 * hears the event once and streams it as a `user` line, and an agent's
 * `user:NAME` handler runs with the payload on stdin.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/cli/children.js';
import { runCli, TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(() => bed.close());

const isUser = (name: string) => (e: AgentEvent) => e.event === 'user' && e.name === name;

/** Reads `path` until it has `lines` lines, polling every 50 ms up to WAIT_MS. */
async function readLines(path: string, lines: number): Promise<string[]> {
  const deadline = Date.now() + WAIT_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = await readFile(path, 'utf8').catch(() => '');
    if (text.split('\n').filter(Boolean).length >= lines) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return text.split('\n').filter(Boolean);
}

describe('meshnode event', () => {
  it('reaches three agents once each, and runs the user:NAME handler with the payload', async () => {
    const out = join(bed.dir, 'deploys.txt');
    const handler = join(bed.dir, 'on-deploy.sh');
    await writeFile(
      handler,
      `#!/bin/sh\necho "$MESHNODE_EVENT $MESHNODE_USER_EVENT $MESHNODE_USER_FROM $(cat)" >> ${out}\n`,
    );
    await chmod(handler, 0o755);
    const a = bed.agent('a');
    const { address, http } = await bed.started(a);
    const b = bed.agent('b', ['--seeds', address]);
    const c = bed.agent('c', ['--seeds', address, '--event-handler', `user:deploy=${handler}`]);
    await Promise.all([bed.started(b), bed.started(c)]);
    for (const agent of [b, c]) {
      const other = agent === b ? 'c' : 'b';
      await agent.waitFor(`${other} in the view`, (e) => e.event === 'join' && e.id === other, WAIT_MS);
    }

    const sent = await runCli(['event', 'deploy', 'v2 ✓', '--http', http]);
    expect(sent.code).toBe(0);
    const ltime = Number(/ltime (\d+)/.exec(sent.stdout)?.[1]);
    expect(sent.stdout).toMatch(/^meshnode: sent user event deploy \(ltime \d+\)\n$/);
    // A second event that the handler's filter does not select, and that marks the end of the first one's spread.
    const marker = await runCli(['event', 'other', '--http', http, '--json']);
    expect(JSON.parse(marker.stdout)).toMatchObject({ name: 'other' });
    for (const agent of [a, b, c]) {
      await agent.waitFor('the marker event', isUser('other'), WAIT_MS);
      const deploys = agent.events.filter(isUser('deploy'));
      expect(deploys).toHaveLength(1);
      expect(deploys[0]).toMatchObject({ from: 'a', payload: 'v2 ✓', ltime });
    }
    expect(await readLines(out, 1)).toEqual(['user deploy a v2 ✓']);
  });

  it('refuses a bad name before calling the agent, and exits 6 when no agent answers', async () => {
    const badName = await runCli(['event', 'two words', '--http', '127.0.0.1:1']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/event name must not contain whitespace/);
    const nobody = await runCli(['event', 'deploy', '--http', '127.0.0.1:1']);
    expect(nobody.code).toBe(6);
  });

  it('says the agent refused an event over the payload limit', async () => {
    const a = bed.agent('a');
    const { http } = await bed.started(a);
    const refused = await runCli(['event', 'big', 'x'.repeat(600), '--http', http]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: event payload is 600 bytes, over the limit of 512/);
  });
});
