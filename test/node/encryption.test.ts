/**
 * Encrypted nodes on 127.0.0.1: they form a cluster, refuse plain and
 * foreign-key peers with counted drops and one warning per peer, rotate
 * keys and roll out encryption with no member failed, and never show a key.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyringError, keyId, type MeshNode, ValidationError } from '../../src/index.js';
import { Cluster, converged, waitUntil } from './helpers.js';

const K1 = Buffer.alloc(32, 0x5a);
const K2 = Buffer.alloc(32, 0xa5);
const K3 = Buffer.alloc(32, 0x3c);
const SECRETS = [K1, K2, K3].flatMap((key) => [key.toString('base64'), key.toString('hex')]);

/** Every line a node logs, with its fields, as text. */
function recordingLogger() {
  const lines: string[] = [];
  const keep = (level: string) => (obj: object, msg?: string) =>
    lines.push(
      `${level} ${msg ?? ''} ${JSON.stringify(obj, (_k, v) => (v instanceof Error ? v.message : v))}`,
    );
  return {
    lines,
    logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') },
  };
}

function failEvents(nodes: readonly MeshNode[]): string[] {
  const fails: string[] = [];
  for (const node of nodes) node.on('fail', (member) => fails.push(`${node.id} saw ${member.id} fail`));
  return fails;
}

const cluster = new Cluster();
afterEach(() => cluster.closeAll());

describe('encrypted nodes', () => {
  it('two nodes with one key form a cluster and drop nothing', async () => {
    const a = await cluster.start({ id: 'a', keys: [K1] });
    const b = await cluster.start({ id: 'b', keys: [K1.toString('base64')], seeds: [a.address] });
    await b.join();
    await waitUntil([a, b], () => converged([a, b], 2), 'two encrypted nodes to converge');
    expect(a.stats().drops).toEqual({});
    expect(a.keyring.status()).toEqual({
      keys: [{ id: keyId(K1), primary: true }],
      verifyIncoming: true,
      verifyOutgoing: true,
    });
  });

  it('a plain node cannot join an encrypted one: not-encrypted there, one warning per peer address', async () => {
    const { lines, logger } = recordingLogger();
    const a = await cluster.start({ id: 'a', keys: [K1], logger });
    const plain = await cluster.start({ id: 'plain', seeds: [a.address], joinTimeoutMs: 800 });
    await expect(plain.join()).rejects.toThrow();
    await waitUntil([a], () => (a.stats().drops['not-encrypted'] ?? 0) >= 2, 'plain packets to be dropped');
    const warnings = lines.filter((line) => line.startsWith('warn') && line.includes('not-encrypted'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    // Its UDP address and its host over TCP: two peers at most, however many packets and attempts.
    expect(warnings.length).toBeLessThanOrEqual(2);
    expect(warnings[0]).toContain('127.0.0.1');
    expect(a.members().map((m) => m.id)).toEqual(['a']);
  });

  it('an encrypted node cannot join a plain one: no-key there', async () => {
    const plain = await cluster.start({ id: 'plain' });
    const b = await cluster.start({ id: 'b', keys: [K1], seeds: [plain.address], joinTimeoutMs: 800 });
    await expect(b.join()).rejects.toThrow();
    expect(plain.stats().drops['no-key']).toBeGreaterThanOrEqual(1);
    expect(plain.members().map((m) => m.id)).toEqual(['plain']);
  });

  it('a plain joiner told by a mixed seed in sealed replies fails its join naming no-key', async () => {
    const seed = await cluster.start({ id: 'seed', keys: [K1], encryption: { verifyIncoming: false } });
    const plain = await cluster.start({ id: 'plain', seeds: [seed.address], joinTimeoutMs: 800 });
    const error = await plain.join().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('this node has no key (no-key)');
    expect(plain.stats().drops['no-key']).toBeGreaterThanOrEqual(1);
  });

  it('a node with another key cannot join: bad-tag', async () => {
    const a = await cluster.start({ id: 'a', keys: [K1] });
    const b = await cluster.start({ id: 'b', keys: [K2], seeds: [a.address], joinTimeoutMs: 800 });
    await expect(b.join()).rejects.toThrow();
    expect(a.stats().drops['bad-tag']).toBeGreaterThanOrEqual(1);
    expect(a.members().map((m) => m.id)).toEqual(['a']);
  });

  it('rotates a key across a running cluster with no member failed', async () => {
    const nodes = [await cluster.start({ id: 'a', keys: [K1] })];
    for (const id of ['b', 'c'])
      nodes.push(await cluster.start({ id, keys: [K1], seeds: [nodes[0]!.address] }));
    await Promise.all(nodes.slice(1).map((node) => node.join()));
    await waitUntil(nodes, () => converged(nodes, 3), 'three nodes to converge');
    const fails = failEvents(nodes);
    for (const node of nodes) node.keyring.install(K2);
    for (const node of nodes) node.keyring.use(keyId(K2));
    for (const node of nodes) node.keyring.remove(K1);
    // Long enough for several probe rounds and a push-pull under the new key alone.
    const before = nodes[0]!.stats().packetsIn;
    await waitUntil(nodes, () => nodes[0]!.stats().packetsIn > before + 30, 'traffic under the new key');
    expect(fails).toEqual([]);
    expect(converged(nodes, 3)).toBe(true);
    expect(nodes.map((node) => node.keyring.list())).toEqual(
      nodes.map(() => [{ id: keyId(K2), primary: true }]),
    );
    const late = await cluster.start({
      id: 'late',
      keys: [K1],
      seeds: [nodes[0]!.address],
      joinTimeoutMs: 800,
    });
    await expect(late.join()).rejects.toThrow();
  });

  it('rolls a plain cluster to encryption at run time: install, outgoing on, incoming on, nobody failed', async () => {
    const nodes = [await cluster.start({ id: 'a' })];
    for (const id of ['b', 'c']) nodes.push(await cluster.start({ id, seeds: [nodes[0]!.address] }));
    await Promise.all(nodes.slice(1).map((node) => node.join()));
    await waitUntil(nodes, () => converged(nodes, 3), 'three plain nodes to converge');
    const fails = failEvents(nodes);
    const traffic = async (what: string) => {
      const before = nodes.map((node) => node.stats().packetsIn);
      await waitUntil(nodes, () => nodes.every((node, i) => node.stats().packetsIn > before[i]! + 10), what);
    };
    for (const node of nodes) node.keyring.install(K1);
    expect(nodes[0]!.keyring.switches()).toEqual({ verifyIncoming: false, verifyOutgoing: false });
    await traffic('traffic with keys installed');
    for (const node of nodes) node.keyring.setSwitches({ verifyOutgoing: true });
    await traffic('traffic with every node encrypting');
    for (const node of nodes) node.keyring.setSwitches({ verifyIncoming: true });
    await traffic('traffic with plain input refused');
    expect(fails).toEqual([]);
    expect(converged(nodes, 3)).toBe(true);
    expect(nodes.map((node) => node.stats().drops['not-encrypted'] ?? 0)).toEqual([0, 0, 0]);
    const plain = await cluster.start({ id: 'plain', seeds: [nodes[0]!.address], joinTimeoutMs: 800 });
    await expect(plain.join()).rejects.toThrow();
  });

  it('never shows a key: not in logs, stats, inspect output or error messages', async () => {
    const { lines, logger } = recordingLogger();
    const a = await cluster.start({ id: 'a', keys: [K1, K2], logger });
    const b = await cluster.start({ id: 'b', keys: [K1], seeds: [a.address], logger });
    await b.join();
    a.keyring.install(K3);
    a.keyring.use(K3);
    a.keyring.remove(K2);
    const errors: string[] = [];
    for (const attempt of [
      () => a.keyring.remove(K3),
      () => a.keyring.use(K2),
      () => b.keyring.install('x'),
    ]) {
      try {
        attempt();
      } catch (error) {
        expect(error).toBeInstanceOf(KeyringError);
        errors.push(`${(error as Error).message} ${inspect(error)}`);
      }
    }
    expect(errors).toHaveLength(3);
    const shown = [
      ...lines,
      ...errors,
      JSON.stringify(a.stats()),
      JSON.stringify(a.keyring.status()),
      inspect(a, { depth: 6 }),
      inspect(a.keyring, { depth: 6, showHidden: true }),
    ].join('\n');
    expect(lines.some((line) => line.includes(keyId(K3)))).toBe(true);
    for (const secret of SECRETS) expect(shown).not.toContain(secret);
  });
});

describe('createNode checks keys and switches before binding', () => {
  it('refuses a malformed key with ERR_MESH_KEYRING naming its position, not its value', async () => {
    const bad = Buffer.alloc(31, 1).toString('base64');
    const error = await cluster.start({ keys: [K1, bad] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyringError);
    expect((error as KeyringError).code).toBe('ERR_MESH_KEYRING');
    expect((error as Error).message).toContain('keys[1]');
    expect((error as Error).message).not.toContain(bad);
  });

  it('refuses unknown or mistyped encryption fields', async () => {
    await expect(cluster.start({ encryption: { verifyIncomming: true } as never })).rejects.toThrow(
      ValidationError,
    );
    await expect(cluster.start({ encryption: { verifyOutgoing: 'yes' } as never })).rejects.toThrow(
      ValidationError,
    );
    await expect(cluster.start({ encryption: { replayWindowMs: 10 } })).rejects.toThrow(ValidationError);
  });

  it('keys with both switches off start in the mixed mode a rollout begins with', async () => {
    const a = await cluster.start({
      id: 'a',
      keys: [K1],
      encryption: { verifyIncoming: false, verifyOutgoing: false },
    });
    const plain = await cluster.start({ id: 'plain', seeds: [a.address] });
    await plain.join();
    await waitUntil([a, plain], () => converged([a, plain], 2), 'a mixed pair to converge');
    expect(a.keyring.switches()).toEqual({ verifyIncoming: false, verifyOutgoing: false });
  });
});
