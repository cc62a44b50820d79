import { describe, expect, it } from 'vitest';
import type { Indices } from '../../src/index.js';
import { createNode, MetadataTooLargeError, ValidationError } from '../../src/index.js';

describe('static mode', () => {
  it('answers indices from the given placement without any network', async () => {
    const node = await createNode({ static: { index: 4, total: 10 }, threads: 3, id: 'fixed' });
    expect(node.isStatic).toBe(true);
    expect(node.id).toBe('fixed');
    expect(node.address).toBe('');
    expect(node.indices()).toEqual({ index: 4, threads: 3, total: 10, viewId: 0, settled: true });
    const members = node.members();
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ id: 'fixed', index: 4, threads: 3, state: 'alive' });
    expect(node.owner('any key')?.id).toBe('fixed');
    expect(node.owners('any key', 3).map((m) => m.id)).toEqual(['fixed']);
    expect(node.stats().packetsOut).toBe(0);
    await node.join(['127.0.0.1:1']);
    await node.close();
  });

  it('defaults to a random 128-bit hex id and one thread', async () => {
    const node = await createNode({ static: { index: 0, total: 1 } });
    expect(node.id).toMatch(/^[0-9a-f]{32}$/);
    expect(node.indices().threads).toBe(1);
    await node.close();
  });

  it('goes to index -1 on leave and fires rebalance', async () => {
    const node = await createNode({ static: { index: 2, total: 4 }, threads: 2 });
    const seen: Indices[] = [];
    node.on('rebalance', (i) => seen.push(i));
    expect(node.indices().settled).toBe(true);
    await node.leave();
    expect(node.indices().index).toBe(-1);
    expect(node.indices().settled).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.index).toBe(-1);
    expect(node.members()).toEqual([]);
    expect(node.owner('k')).toBeUndefined();
    await node.leave();
    await node.close();
  });

  it('enforces the metadata limit, never truncating', async () => {
    const node = await createNode({ static: { index: 0, total: 1 }, metadata: { role: 'worker' } });
    await node.setMetadata({ role: 'leader' });
    expect(node.members()[0]?.metadata).toEqual({ role: 'leader' });
    const err = await node.setMetadata({ blob: 'x'.repeat(600) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetadataTooLargeError);
    expect(err).toMatchObject({ code: 'ERR_MESH_METADATA_TOO_LARGE', limit: 512 });
    expect(node.members()[0]?.metadata).toEqual({ role: 'leader' });
    await node.close();
  });

  it('rejects a placement that does not fit', async () => {
    await expect(createNode({ static: { index: 3, total: 4 }, threads: 2 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(createNode({ static: { index: -1, total: 4 } })).rejects.toBeInstanceOf(ValidationError);
  });
});
