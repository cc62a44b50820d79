import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { JoinError, MetadataTooLargeError } from '../../src/index.js';
import { Cluster, converged, nextEvent, waitUntil } from './helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.closeAll());

/** The libcluster example: node1, node2, node3 with 2, 1 and 4 threads. */
async function libclusterExample() {
  const node1 = await cluster.start({ id: 'node1', threads: 2 });
  const node2 = await cluster.start({ id: 'node2', threads: 1, seeds: [node1.address] });
  const node3 = await cluster.start({ id: 'node3', threads: 4, seeds: [node1.address] });
  await Promise.all([node2.join(), node3.join()]);
  const nodes = [node1, node2, node3];
  await waitUntil(nodes, () => converged(nodes, 7), 'the three nodes to settle on total 7');
  return { node1, node2, node3, nodes };
}

function node1Stats(node: Awaited<ReturnType<Cluster['start']>> | undefined) {
  if (node === undefined) throw new Error('no node');
  return node.stats();
}

describe('a cluster on 127.0.0.1', () => {
  it('gives the libcluster indices 0, 2, 3 and total 7 on every node', async () => {
    const { node1, node2, node3, nodes } = await libclusterExample();
    expect(node1.indices()).toMatchObject({ index: 0, threads: 2, total: 7, settled: true });
    expect(node2.indices()).toMatchObject({ index: 2, threads: 1, total: 7, settled: true });
    expect(node3.indices()).toMatchObject({ index: 3, threads: 4, total: 7, settled: true });
    for (const node of nodes) {
      const members = node.members();
      expect(members.map((m) => [m.id, m.threads, m.index, m.state])).toEqual([
        ['node1', 2, 0, 'alive'],
        ['node2', 1, 2, 'alive'],
        ['node3', 4, 3, 'alive'],
      ]);
      expect(members.map((m) => m.address)).toEqual([node1.address, node2.address, node3.address]);
    }
  });

  it('marks a closed node failed and rebalances the others', async () => {
    const { node1, node2, node3 } = await libclusterExample();
    const failed = nextEvent(node1, 'fail', (m) => m.id === 'node2', 8000);
    const rebalanced = nextEvent(node3, 'rebalance', (i) => i.total === 6, 8000);
    await node2.close();
    const member = await failed;
    expect(member.state).toBe('dead');
    expect((await rebalanced).index).toBe(2);
    await waitUntil(
      [node1, node3],
      () => converged([node1, node3], 6),
      'survivors to settle on total 6',
      8000,
    );
    expect(node1.indices().index).toBe(0);
    expect(node3.indices().index).toBe(2);
  });

  it('spreads a graceful leave quickly; the leaver reports index -1', async () => {
    const { node1, node2, node3 } = await libclusterExample();
    const heard = [
      nextEvent(node1, 'leave', (m) => m.id === 'node3'),
      nextEvent(node2, 'leave', (m) => m.id === 'node3'),
    ];
    // What the others saw of node3: the leave itself, not a failure detected after a probe timeout.
    const seen: string[] = [];
    for (const node of [node1, node2]) {
      for (const name of ['suspect', 'fail', 'leave'] as const) {
        node.on(name, (m) => {
          if (m.id === 'node3') seen.push(`${node.id} ${name}`);
        });
      }
    }
    const leaverRebalanced = nextEvent(node3, 'rebalance', (i) => i.index === -1);
    await node3.leave();
    await Promise.all(heard);
    expect(seen.sort()).toEqual(['node1 leave', 'node2 leave']);
    await leaverRebalanced;
    expect(node3.indices()).toMatchObject({ index: -1, total: 3, settled: false });
    expect(node3.members().map((m) => m.id)).not.toContain('node3');
    await waitUntil([node1, node2], () => converged([node1, node2], 3), 'the others to settle on total 3');
    expect(node1.member('node3')?.state).toBe('left');
  });

  it('lets a restarted node with the same id rejoin', async () => {
    const { node1, node2, node3 } = await libclusterExample();
    const failed = nextEvent(node1, 'fail', (m) => m.id === 'node2', 8000);
    await node2.close();
    const declared = await failed;
    const again = await cluster.start({ id: 'node2', threads: 1, seeds: [node3.address] });
    await again.join();
    const nodes = [node1, again, node3];
    await waitUntil(nodes, () => converged(nodes, 7), 'the restarted node to be back in every view', 8000);
    expect(again.indices().index).toBe(2);
    const seen = node1.member('node2');
    expect(seen?.address).toBe(again.address);
    // The fresh process starts at 0; only an alive above the incarnation it was declared dead at
    // overrides the tombstone (how far above depends on what it hears while rejoining).
    expect(seen?.state).toBe('alive');
    expect(seen?.incarnation).toBeGreaterThan(declared.incarnation);
  });

  it('lets a node restarted before anyone noticed take over its id at the new address', async () => {
    const { node1, node2, node3 } = await libclusterExample();
    const oldAddress = node2.address;
    await node2.close();
    const again = await cluster.start({ id: 'node2', threads: 1 });
    await again.join([node1.address]);
    const nodes = [node1, again, node3];
    await waitUntil(
      nodes,
      () => converged(nodes, 7) && nodes.every((n) => n.member('node2')?.address === again.address),
      'every node to know node2 at its new address',
      8000,
    );
    expect(again.address).not.toBe(oldAddress);
    expect(node3.member('node2')?.state).toBe('alive');
  });

  it('keeps clusters with another key or env apart', async () => {
    const seed = await cluster.start({ id: 'seed' });
    const otherKey = await cluster.start({ id: 'k2', key: 'another', joinTimeoutMs: 400 });
    const otherEnv = await cluster.start({ id: 'e2', env: 'prod', joinTimeoutMs: 400 });
    const [a, b] = await Promise.all([
      otherKey.join([seed.address]).catch((e: unknown) => e),
      otherEnv.join([seed.address]).catch((e: unknown) => e),
    ]);
    expect(a).toBeInstanceOf(JoinError);
    expect(b).toBeInstanceOf(JoinError);
    expect(seed.members().map((m) => m.id)).toEqual(['seed']);
    // Never admitted anywhere: outside any view.
    expect(otherKey.members()).toEqual([]);
    expect(otherKey.indices()).toMatchObject({ index: -1, total: 0, settled: false });
    // Each sync the other clusters tried was refused at the seed, and counted there once.
    const tried = () => otherKey.stats().syncsFailed + otherEnv.stats().syncsFailed;
    await waitUntil(
      [seed],
      () => seed.stats().drops['foreign-cluster'] === tried(),
      'every refused sync to be counted',
    );
    expect(otherKey.stats().syncsFailed).toBeGreaterThanOrEqual(1);
    expect(otherEnv.stats().syncsFailed).toBeGreaterThanOrEqual(1);
    expect(seed.stats().drops).toEqual({ 'foreign-cluster': tried() });
  });

  it('fails a join to a dead seed at once: a refusal is an answer', async () => {
    const dead = await cluster.start({ id: 'dead' });
    const address = dead.address;
    await dead.close();
    // A deadline far beyond the test's own timeout: only the refusal can end the join in time.
    const node = await cluster.start({ id: 'lonely', joinTimeoutMs: 600_000 });
    const error = await node.join([address]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinError);
    expect(error).toMatchObject({ code: 'ERR_MESH_JOIN', seeds: [address] });
    expect((error as JoinError).failures[address]).toBe('ECONNREFUSED');
    expect((error as JoinError).message).toMatch(/refused \(nothing listening on that port\)/);
    expect((error as JoinError).message).not.toMatch(/within/);
    // The seeds are down: never admitted, so no index and never settled.
    expect(node.indices()).toMatchObject({ index: -1, total: 0, settled: false });
  });

  it('with retry: false tries each seed once and fails at once; by default it retries until the deadline', async () => {
    // A seed that accepts and hangs up: every attempt is one connection, counted here.
    let connections = 0;
    const hangUp = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hangUp.address() as AddressInfo;
      const seed = `127.0.0.1:${port}`;
      const node = await cluster.start({ id: 'once', joinTimeoutMs: 10_000 });
      const once = await node.join([seed], { retry: false }).catch((e: unknown) => e);
      expect(once).toBeInstanceOf(JoinError);
      expect(once).toMatchObject({ code: 'ERR_MESH_JOIN', seeds: [seed] });
      expect(connections).toBe(1);
      // By default the same failure is retried: a second connection comes while the join is pending.
      const patient = await cluster.start({ id: 'patient', joinTimeoutMs: 10_000 });
      let settled = false;
      const pending = patient.join([seed]).finally(() => {
        settled = true;
      });
      pending.catch(() => {});
      await waitUntil([patient], () => connections >= 3, 'the join to try the seed a second time');
      expect(settled).toBe(false);
      await patient.close();
      await expect(pending).rejects.toMatchObject({ code: 'ERR_MESH_CLOSED' });
    } finally {
      await new Promise((resolve) => hangUp.close(resolve));
    }
  });

  it('spreads metadata as an update and rejects oversize metadata', async () => {
    const { node1, node2 } = await libclusterExample();
    const updated = nextEvent(node1, 'update', (m) => m.metadata.role === 'leader');
    await node2.setMetadata({ role: 'leader' });
    expect((await updated).id).toBe('node2');
    const error = await node2.setMetadata({ blob: 'x'.repeat(513) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetadataTooLargeError);
    expect(node2.members().find((m) => m.id === 'node2')?.metadata).toEqual({ role: 'leader' });
  });

  it('agrees on key owners across nodes and reports stats with RTTs', async () => {
    const { nodes } = await libclusterExample();
    for (const key of ['a', 'b', 'user:42', 'order:7']) {
      const owners = nodes.map((n) => n.owners(key, 2).map((m) => m.id));
      expect(owners[1]).toEqual(owners[0]);
      expect(owners[2]).toEqual(owners[0]);
      expect(nodes[0]?.owner(key)?.id).toBe(owners[0]?.[0]);
    }
    await waitUntil(
      nodes,
      () => Object.keys(nodes[0]?.stats().rttMs ?? {}).length === 2,
      'RTTs to both peers',
    );
    const stats = node1Stats(nodes[0]);
    expect(Object.keys(stats.rttMs).sort()).toEqual(['node2', 'node3']);
    // An RTT for each peer means a probe of each was sent and answered: at least two probes,
    // a packet out per probe, an ack in per RTT, and no packet smaller than its 8-byte envelope.
    expect(stats.probes).toBeGreaterThanOrEqual(2);
    expect(stats.packetsOut).toBeGreaterThanOrEqual(stats.probes);
    expect(stats.packetsIn).toBeGreaterThanOrEqual(2);
    expect(stats.bytesOut).toBeGreaterThanOrEqual(8 * stats.packetsOut);
    expect(stats.bytesIn).toBeGreaterThanOrEqual(8 * stats.packetsIn);
    // node1 answered the join syncs of node2 and node3.
    expect(stats.syncsServed).toBeGreaterThanOrEqual(2);
    expect(stats.drops).toEqual({});
    expect(stats.viewSize).toBe(3);
  });
});
