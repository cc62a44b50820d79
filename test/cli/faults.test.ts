/**
 * Faults of the agreement work with real agent processes on 127.0.0.1: a
 * second process with a live id, a fast restart with new threads, and a
 * process frozen with SIGSTOP for longer than the suspicion timeout.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/cli/children.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

const total = (n: number) => (e: AgentEvent) =>
  e.event === 'rebalance' && e.total === n && (e.index as number) >= 0;

describe('faults with real agents', { timeout: 60_000 }, () => {
  it('a second process with a live id exits 7 naming the id and the address; the owner keeps its place', async () => {
    const owner = bed.agent('dup');
    const { address } = await bed.started(owner);
    const other = bed.agent('other', ['--seeds', address]);
    await Promise.all([owner, other].map((agent) => agent.waitFor('2 members', total(2), WAIT_MS)));
    const watched = owner.events.length;
    const otherWatched = other.events.length;
    const impostor = bed.agent('dup', ['--seeds', address]);
    expect(await impostor.waitExit(WAIT_MS)).toEqual({ code: ExitCode.conflict, signal: null });
    expect(impostor.stderr).toContain(`id "dup" is already in use by a live member at ${address}`);
    // The owner was not evicted, re-admitted or refuted, and nobody saw a change.
    const noise = [...owner.events.slice(watched), ...other.events.slice(otherWatched)].filter(
      (e) => (e.event === 'fail' || e.event === 'leave' || e.event === 'join') && e.id === 'dup',
    );
    expect(noise).toEqual([]);
    expect(other.events.slice(otherWatched).filter((e) => e.event === 'rebalance')).toEqual([]);
  });

  it('a restart with the same id and new threads within a second reaches every view', async () => {
    const seed = bed.agent('a');
    const { address } = await bed.started(seed);
    const b = bed.agent('b', ['--seeds', address]);
    await Promise.all([seed, b].map((agent) => agent.waitFor('2 threads', total(2), WAIT_MS)));
    b.signal('SIGKILL');
    await b.waitExit(WAIT_MS);
    const again = bed.agent('b', ['--seeds', address, '-n', '4']);
    await again.waitFor('its new total', total(5), WAIT_MS);
    await seed.waitFor('the new thread count', total(5), WAIT_MS);
  });

  it('an agent frozen past the suspicion timeout is declared failed and, resumed, is never settled on its stale view', async () => {
    const a = bed.agent('a');
    const { address } = await bed.started(a);
    const b = bed.agent('b', ['--seeds', address]);
    const c = bed.agent('c', ['--seeds', address]);
    await Promise.all([a, b, c].map((agent) => agent.waitFor('3 members', total(3), WAIT_MS)));
    // Freeze c while it reports settled: on a loaded machine a missed ack can
    // unsettle it for a moment (its health score), and then the first word
    // after the freeze would rightly be 'settled'.
    const settleWords = () => c.events.filter((e) => e.event === 'settled' || e.event === 'unsettled');
    await c.waitFor('settled', (e) => e.event === 'settled', WAIT_MS);
    for (let tries = 0; tries < 10 && settleWords().at(-1)?.event !== 'settled'; tries++) {
      await c.waitFor(
        'settled again before the freeze',
        (e) => e.event === 'settled',
        WAIT_MS,
        c.events.length,
      );
    }
    expect(settleWords().at(-1)?.event).toBe('settled');
    const aBefore = a.events.length;
    c.signal('SIGSTOP');
    await a.waitFor('c failed', (e) => e.event === 'fail' && e.id === 'c', WAIT_MS, aBefore);
    await a.waitFor('2 members', total(2), WAIT_MS, aBefore);
    // Whatever c printed before it froze has arrived by now: count from here.
    const cFrozen = c.events.length;
    const aAfterFail = a.events.length;
    c.signal('SIGCONT');
    // Back: it must first stop vouching for its old view, then be re-admitted and settle again.
    const first = await c.waitFor(
      'its first word on settling',
      (e) => e.event === 'settled' || e.event === 'unsettled',
      WAIT_MS,
      cFrozen,
    );
    expect(first.event).toBe('unsettled');
    await a.waitFor('3 members again', total(3), WAIT_MS, aAfterFail);
    const settledAgain = await c.waitFor('settled again', (e) => e.event === 'settled', WAIT_MS, cFrozen);
    expect(settledAgain).toMatchObject({ total: 3, index: 2 });
  });

  it.each([
    ['that does not exist yet', undefined],
    ['that lists only members of an earlier run, long gone', ['127.0.0.1:1', '127.0.0.1:2']],
  ])('three agents started at one moment through one view file %s form one cluster', async (_name, stale) => {
    const path = join(bed.dir, 'together.view.json');
    if (stale !== undefined) {
      const members = stale.map((address, i) => ({ id: `old-${i}`, address, threads: 1 }));
      await writeFile(path, JSON.stringify({ meshnode: 1, key: bed.key, env: bed.env, members }));
    }
    const agents = ['va', 'vb', 'vc'].map((id) => bed.agent(id, ['--view-file', path]));
    await Promise.all(agents.map((agent) => agent.waitFor('3 members', total(3), WAIT_MS)));
    // The file was merged, never clobbered: it lists all three.
    await Promise.all(
      agents.map((agent) =>
        agent.waitFor(
          'a write of all three',
          (e) => e.event === 'view-file' && (e.members as string[]).length >= 3,
          WAIT_MS,
        ),
      ),
    );
    const written = JSON.parse(await readFile(path, 'utf8')) as { members: Array<{ id: string }> };
    expect(
      written.members
        .map((m) => m.id)
        .filter((id) => id.startsWith('v'))
        .sort(),
    ).toEqual(['va', 'vb', 'vc']);
  });
});
