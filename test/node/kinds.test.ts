/**
 * createNode makes a static node for a fixed placement and a network node
 * otherwise; both are MeshNodes to the caller.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createNode, MeshNode } from '../../src/index.js';
import { NetworkNode } from '../../src/node/network-node.js';
import { StaticNode } from '../../src/node/static-node.js';
import { Cluster } from './helpers.js';

describe('createNode', () => {
  const cluster = new Cluster();
  afterEach(() => cluster.closeAll());

  it('makes a static node from a placement, with no address and nothing to join', async () => {
    const node = await createNode({ static: { index: 1, total: 2 }, id: 'fixed' });
    expect(node).toBeInstanceOf(MeshNode);
    expect(node).toBeInstanceOf(StaticNode);
    expect(node).not.toBeInstanceOf(NetworkNode);
    expect(node.isStatic).toBe(true);
    await expect(node.join(['127.0.0.1:9'])).resolves.toBeUndefined();
    await node.close();
    expect(node.indices().settled).toBe(false);
  });

  it('makes a network node bound to loopback otherwise', async () => {
    const node = await cluster.start({ id: 'net' });
    expect(node).toBeInstanceOf(MeshNode);
    expect(node).toBeInstanceOf(NetworkNode);
    expect(node).not.toBeInstanceOf(StaticNode);
    expect(node.isStatic).toBe(false);
    expect(node.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(node.indices()).toMatchObject({ index: 0, total: 1, threads: 1 });
  });

  it('refuses to join after close, in either kind', async () => {
    const fixed = await createNode({ static: { index: 0, total: 1 } });
    const net = await cluster.start();
    await fixed.close();
    await net.close();
    await expect(fixed.join(['127.0.0.1:9'])).rejects.toMatchObject({ code: 'ERR_MESH_STATE' });
    await expect(net.join(['127.0.0.1:9'])).rejects.toMatchObject({ code: 'ERR_MESH_STATE' });
  });
});
