/**
 * A joiner's index is -1 until the cluster admits it, `settled` is false until
 * then, and `settled` / `unsettled` are emitted only on transitions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Indices } from '../../src/index.js';
import { Cluster, converged, nextEvent, waitUntil } from './helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.closeAll());

describe('admission', () => {
  it('a node with seeds has index -1 and is not settled before it is admitted, and no rebalance says otherwise', async () => {
    const seed = await cluster.start({ id: 'seed', threads: 2 });
    const joiner = await cluster.start({ id: 'joiner', seeds: [seed.address] });
    const rebalances: Indices[] = [];
    joiner.on('rebalance', (indices) => rebalances.push(indices));
    expect(joiner.indices()).toMatchObject({ index: -1, total: 0, settled: false });
    await joiner.join();
    await waitUntil([seed, joiner], () => converged([seed, joiner], 3), 'both to settle on 3 threads');
    // 'joiner' < 'seed' in byte order: the joiner owns index 0, the seed 1..2.
    expect(joiner.indices()).toMatchObject({ index: 0, total: 3 });
    // Before admission the joiner may see the cluster's total (2) but owns no index.
    expect(rebalances.map((r) => [r.index, r.total])).toEqual([
      [-1, 2],
      [0, 3],
    ]);
  });

  it('a node without seeds starts a cluster at once, index 0', async () => {
    const alone = await cluster.start({ id: 'alone', threads: 3 });
    expect(alone.indices()).toMatchObject({ index: 0, total: 3 });
    await alone.join();
    await nextEvent(alone, 'settled', () => true, 3000);
    expect(alone.indices()).toMatchObject({ index: 0, total: 3, settled: true });
  });

  it('a node waiting for admission whose seeds name only itself forms a cluster of one and settles', async () => {
    const lone = await cluster.start({ id: 'lone', threads: 2, awaitAdmission: true });
    expect(lone.indices()).toMatchObject({ index: -1, total: 0 });
    const settled = nextEvent(lone, 'settled', () => true, 3000);
    await lone.join([lone.address]);
    await settled;
    expect(lone.indices()).toMatchObject({ index: 0, total: 2, settled: true });
  });

  it('emits unsettled once when a view change starts and settled once when it is agreed again', async () => {
    const a = await cluster.start({ id: 'a' });
    await a.join();
    await waitUntil([a], () => a.indices().settled, 'a to settle');
    const flags: string[] = [];
    a.on('settled', () => flags.push('settled'));
    a.on('unsettled', () => flags.push('unsettled'));
    const b = await cluster.start({ id: 'b', seeds: [a.address] });
    await b.join();
    await waitUntil([a, b], () => converged([a, b], 2), 'both to settle on 2 threads');
    expect(flags).toEqual(['unsettled', 'settled']);
  });
});
