/**
 * `meshnode agent` as real processes on 127.0.0.1: libcluster's indices over
 * the mesh, crash detection, graceful leave, and `meshnode status` against a
 * live agent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent, AgentProcess } from '../../src/cli/children.js';
import { runCli, TestBed, WAIT_MS } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

const rebalanceTo =
  (index: number, total: number) =>
  (e: AgentEvent): boolean =>
    e.event === 'rebalance' && e.index === index && e.total === total;

/** libcluster's example cluster: three instances with 2, 1 and 4 threads. */
async function startThree(): Promise<{ agents: AgentProcess[]; http: string }> {
  const first = bed.agent('node1', ['-n', '2']);
  const { address, http } = await bed.started(first);
  const second = bed.agent('node2', ['-n', '1', '--seeds', address]);
  // A hostname seed: resolved at join (localhost may give ::1 first; 127.0.0.1 answers).
  const port = address.slice(address.lastIndexOf(':') + 1);
  const third = bed.agent('node3', ['-n', '4', '--seeds', `localhost:${port}`]);
  const agents = [first, second, third];
  const expected = [0, 2, 3];
  await Promise.all(
    agents.map((agent, i) =>
      agent.waitFor(`index ${expected[i]} of 7`, rebalanceTo(expected[i] as number, 7), WAIT_MS),
    ),
  );
  return { agents, http };
}

describe('meshnode agent', { timeout: 30_000 }, () => {
  it('three agents joined by seeds reach the libcluster indices 0, 2, 3 of 7 and settle', async () => {
    const { agents } = await startThree();
    for (const agent of agents) {
      const settled = await agent.waitFor(
        'a settled view of 7',
        (e) => e.event === 'settled' && e.total === 7,
        WAIT_MS,
      );
      expect(settled).toMatchObject({ settled: true, viewId: expect.stringMatching(/^[0-9a-f]{8}$/) });
      const joined = agent.events.find((e) => e.event === 'joined');
      expect(joined).toBeDefined();
    }
    const viewIds = agents.map(
      (a) => a.events.filter((e) => e.event === 'settled' && e.total === 7).at(-1)?.viewId,
    );
    expect(new Set(viewIds).size).toBe(1);
  });

  it('kill -9 of one agent: the others report fail and rebalance', async () => {
    const { agents } = await startThree();
    const [node1, node2, node3] = agents as [AgentProcess, AgentProcess, AgentProcess];
    const marks = [node1.events.length, node3.events.length];
    node2.signal('SIGKILL');
    await node2.waitExit(WAIT_MS);
    const isFail = (e: AgentEvent) => e.event === 'fail' && e.id === 'node2';
    await node1.waitFor('the fail of node2', isFail, WAIT_MS, marks[0]);
    await node3.waitFor('the fail of node2', isFail, WAIT_MS, marks[1]);
    await node1.waitFor('index 0 of 6', rebalanceTo(0, 6), WAIT_MS, marks[0]);
    await node3.waitFor('index 2 of 6', rebalanceTo(2, 6), WAIT_MS, marks[1]);
  });

  it('SIGINT: the agent leaves, prints index -1, exits 0, and the rest rebalance', async () => {
    const { agents } = await startThree();
    const [node1, node2, node3] = agents as [AgentProcess, AgentProcess, AgentProcess];
    const marks = [node1.events.length, node2.events.length];
    node3.signal('SIGINT');
    const exit = await node3.waitExit(WAIT_MS);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(node3.events.filter((e) => e.event === 'rebalance').at(-1)).toMatchObject({ index: -1 });
    expect(node3.events.at(-1)).toMatchObject({ event: 'stop', reason: 'SIGINT', graceful: true });
    const isLeave = (e: AgentEvent) => e.event === 'leave' && e.id === 'node3';
    await node1.waitFor('the leave of node3', isLeave, WAIT_MS, marks[0]);
    await node2.waitFor('the leave of node3', isLeave, WAIT_MS, marks[1]);
    await node1.waitFor('index 0 of 3', rebalanceTo(0, 3), WAIT_MS, marks[0]);
    await node2.waitFor('index 2 of 3', rebalanceTo(2, 3), WAIT_MS, marks[1]);
    // A graceful leave is not a failure.
    expect([...node1.events, ...node2.events].some((e) => e.event === 'fail')).toBe(false);
  });

  it('meshnode status --json and the table against a live agent', async () => {
    const { agents, http } = await startThree();
    await Promise.all(
      agents.map((a) => a.waitFor('settled at 7', (e) => e.event === 'settled' && e.total === 7, WAIT_MS)),
    );
    const json = await runCli(['status', '--http', http, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const { status, members } = JSON.parse(json.stdout);
    expect(status).toMatchObject({ id: 'node1', key: bed.key, env: bed.env, index: 0, threads: 2, total: 7 });
    expect(status.counts).toMatchObject({ alive: 3, suspect: 0 });
    expect(members.members.map((m: { id: string; index: number }) => [m.id, m.index])).toEqual([
      ['node1', 0],
      ['node2', 2],
      ['node3', 3],
    ]);
    const table = await runCli(['status', '--http', http]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^cluster ${bed.key}/${bed.env}: 3 members \\(3 alive, 0 suspect, 0 dead, 0 left\\), 7 threads`,
      ),
    );
    expect(table.stdout).toMatch(/ID\s+ADDRESS\s+THREADS\s+INDEX\s+STATE\s+RTT/);
    expect(table.stdout).toMatch(/node3\s+127\.0\.0\.1:\d+\s+4\s+3\s+alive/);
  });

  it('static mode (-I/-T): the given placement, no network, index -1 after SIGINT', async () => {
    const agent = bed.agent('static', ['-I', '2', '-T', '7', '-n', '3', '--http', 'off']);
    const first = await agent.waitFor('the static placement', (e) => e.event === 'rebalance', WAIT_MS);
    expect(first).toMatchObject({ index: 2, threads: 3, total: 7 });
    expect(agent.events.find((e) => e.event === 'start')).toMatchObject({ static: true, address: '' });
    agent.signal('SIGINT');
    expect(await agent.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
    expect(agent.events.filter((e) => e.event === 'rebalance').at(-1)).toMatchObject({ index: -1, total: 7 });
  });

  it("prints libcluster's rebalance block without --json, and logs only on stderr", async () => {
    const human = bed.agent('solo', ['-n', '3'], { json: false });
    await human.waitForText(/^meshnode: cluster has re-balanced:$/, WAIT_MS);
    await human.waitForText(/^ {3}total thread count: {4}3$/, WAIT_MS);
    await human.waitForText(/running until terminated/, WAIT_MS);
    expect(human.text.slice(1, 5)).toEqual([
      'meshnode: cluster has re-balanced:',
      '   instance index:        0',
      '   instance thread count: 3',
      '   total thread count:    3',
    ]);
    human.signal('SIGTERM');
    expect(await human.waitExit(WAIT_MS)).toEqual({ code: 0, signal: null });
    expect(human.text.every((line) => !line.startsWith('{'))).toBe(true);
    // Said once, on stdout: the logs (JSON lines, stderr is no terminal here) do not repeat it.
    expect(human.text.filter((line) => /agent solo started/.test(line))).toHaveLength(1);
    expect(human.stderr).not.toMatch(/started/);
  });
});
