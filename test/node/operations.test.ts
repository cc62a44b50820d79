/** What an operator relies on: force-leave, the close lifecycle, honest setMetadata, strict options, seed answers. */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createNode,
  JoinError,
  MemberAliveError,
  StateError,
  UnknownMemberError,
  ValidationError,
} from '../../src/index.js';
import { AddressFamilyWarnings } from '../../src/node/family-warning.js';
import { Cluster, nextEvent, waitUntil } from './helpers.js';

const cluster = new Cluster();
const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  await cluster.closeAll();
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function pair() {
  const a = await cluster.start({ id: 'a' });
  const b = await cluster.start({ id: 'b', seeds: [a.address] });
  await b.join();
  await waitUntil([a, b], () => a.members().length === 2 && b.members().length === 2, 'two members');
  return { a, b };
}

describe('MeshNode.forceLeave', () => {
  it('refuses a live member, then marks it left once it has failed, on every member', async () => {
    const { a, b } = await pair();
    const c = await cluster.start({ id: 'c', seeds: [a.address] });
    await c.join();
    await waitUntil([a, b, c], () => a.members().length === 3 && b.members().length === 3, 'three');
    expect(() => a.forceLeave('c')).toThrow(MemberAliveError);
    expect(() => a.forceLeave('nobody')).toThrow(UnknownMemberError);
    expect(() => a.forceLeave('a')).toThrow(StateError);
    const failed = nextEvent(a, 'fail', (m) => m.id === 'c', 8000);
    await c.close();
    await failed;
    const heardByB = nextEvent(b, 'leave', (m) => m.id === 'c', 5000);
    expect(a.forceLeave('c')).toBe(true);
    expect(a.member('c')?.state).toBe('left');
    expect((await heardByB).state).toBe('left');
    expect(a.forceLeave('c')).toBe(false);
  });
});

describe('the lifecycle is observable', () => {
  it('close() fires "close" and settles `closed` with left: false', async () => {
    const node = await cluster.start({ id: 'solo' });
    const events: unknown[] = [];
    node.on('close', (info) => events.push(info));
    await node.close();
    await expect(node.closed).resolves.toEqual({ left: false });
    expect(events).toEqual([{ left: false }]);
  });

  it('leave() settles `closed` with left: true, once, in static mode too', async () => {
    const { a } = await pair();
    const events: unknown[] = [];
    a.on('close', (info) => events.push(info));
    await a.leave();
    await a.close();
    await expect(a.closed).resolves.toEqual({ left: true });
    expect(events).toEqual([{ left: true }]);
    const fixed = await createNode({ static: { index: 0, total: 1 } });
    await fixed.leave();
    await expect(fixed.closed).resolves.toEqual({ left: true });
  });
});

describe('setMetadata', () => {
  it('applies before it returns; the promise only reports the outcome', async () => {
    const node = await cluster.start({ id: 'meta' });
    const pending = node.setMetadata({ role: 'web' });
    expect(node.member('meta')?.metadata).toEqual({ role: 'web' });
    await expect(pending).resolves.toBeUndefined();
    await expect(node.setMetadata({ blob: 'x'.repeat(600) })).rejects.toMatchObject({
      code: 'ERR_MESH_METADATA_TOO_LARGE',
    });
    expect(node.member('meta')?.metadata).toEqual({ role: 'web' });
  });
});

describe('createNode options', () => {
  it('rejects a misspelt option, naming it and the likely one', async () => {
    const error = await createNode({ key: 'k', threds: 3 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(
      /unknown createNode\(\) option "threds" \(did you mean "threads"\?\)/,
    );
    const far = await createNode({ key: 'k', colour: 'red' } as never).catch((e: unknown) => e);
    expect((far as Error).message).toMatch(/unknown createNode\(\) option "colour"; known: key, env/);
  });
});

describe('what a seed answers', () => {
  it('a TCP service that is not meshnode fails the join at once as "not a meshnode agent"', async () => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    const node = await cluster.start({ id: 'asker', joinTimeoutMs: 600_000 });
    const error = await node.join([`127.0.0.1:${port}`]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinError);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:\d+: not a meshnode agent \(frame-/);
  });
});

describe('an IPv4 node among IPv6 peers', () => {
  it('on loopback: the IPv4 node warns about the [::1] peer once', async () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (obj: object, msg?: string) => {
        if (msg?.includes('IPv6 address')) warnings.push((obj as { member: string }).member);
      },
    };
    const six = await cluster.start({ id: 'six', bind: { host: '::1', port: 0 } });
    const four = await cluster.start({ id: 'four', seeds: [six.address], logger });
    await four.join();
    await waitUntil([four, six], () => four.members().length === 2, 'the IPv6 peer in the view');
    await six.setMetadata({ again: 'yes' });
    await nextEvent(four, 'update', (m) => m.id === 'six', 5000);
    expect(warnings).toEqual(['six']);
  });

  it('warns once per peer, naming it and the fix', () => {
    const lines: { obj: object; msg?: string }[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (obj: object, msg?: string) => lines.push({ obj, msg }),
    };
    const warnings = new AddressFamilyWarnings(4, logger);
    expect(warnings.check({ id: 'v6', address: '[fd00::1]:7946' })).toBe(true);
    expect(warnings.check({ id: 'v6', address: '[fd00::1]:7946' })).toBe(false);
    expect(warnings.check({ id: 'v4', address: '10.0.0.1:7946' })).toBe(false);
    expect(warnings.check({ id: 'other', address: '[fd00::2]:7946' })).toBe(true);
    expect(lines.map((line) => (line.obj as { member: string }).member)).toEqual(['v6', 'other']);
    expect(lines[0]?.msg).toMatch(/reached over TCP only; bind to "::"/);
    expect(new AddressFamilyWarnings(6, logger).check({ id: 'v4', address: '10.0.0.1:7946' })).toBe(false);
  });
});

describe('a full member table', () => {
  it('emits members-max once and warns, while the newcomer stays out', async () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (_obj: object, msg?: string) => {
        if (msg?.includes('member table is full')) warnings.push(msg);
      },
    };
    const full = await cluster.start({ id: 'full', config: { membersMax: 2 }, logger });
    const events: number[] = [];
    full.on('members-max', (info) => events.push(info.membersMax));
    const second = await cluster.start({ id: 'second', seeds: [full.address] });
    await second.join();
    await waitUntil([full], () => full.members().length === 2, 'the second member');
    const third = await cluster.start({ id: 'third', seeds: [full.address] });
    const dropped = nextEvent(full, 'members-max');
    await third.join().catch(() => {});
    await dropped;
    expect(events).toEqual([2]);
    expect(warnings).toHaveLength(1);
    expect(full.members().map((member) => member.id)).not.toContain('third');
    expect(full.stats().drops['members-max']).toBeGreaterThanOrEqual(1);
  });
});
