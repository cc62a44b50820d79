/**
 * Gossip keys with real agents on loopback: keygen, --keyring-file (and its
 * SIGHUP reload), MESHNODE_KEYS, `meshnode keys`, join tokens made with
 * --with-key, and no key in any output, status or metric.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/node/keyring.js';
import { runCli, TestBed, WAIT_MS } from './helpers.js';

const K1 = Buffer.alloc(32, 0x61).toString('base64');
const K2 = Buffer.alloc(32, 0x62).toString('base64');

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(() => bed.close());

async function keysList(
  http: string,
): Promise<{ keys: { id: string; primary: boolean }[]; verifyIncoming: boolean }> {
  const listed = await runCli(['keys', 'list', '--http', http, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout);
}

async function dropCount(http: string, reason: string): Promise<number> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('meshnode_dropped_total') && l.includes(`reason="${reason}"`));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

describe('meshnode keygen', () => {
  it('prints a fresh 32-byte key in base64 each time', async () => {
    const first = await runCli(['keygen']);
    const second = await runCli(['keygen']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(first.stdout.trim(), 'base64')).toHaveLength(32);
    expect(second.stdout).not.toBe(first.stdout);
  });
});

describe('agents with keys', () => {
  it('a keyring file encrypts the cluster; a plain agent is refused and warned about once', async () => {
    const file = await bed.writeConfig('keys.json', [K1]);
    const a = bed.agent('a', ['--keyring-file', file]);
    const { address, http } = await bed.started(a);
    const b = bed.agent('b', ['--keyring-file', file, '--seeds', address]);
    await bed.started(b);
    await a.waitFor('b in the view', (e) => e.event === 'join' && e.id === 'b', WAIT_MS);
    expect(await keysList(http)).toEqual({
      keys: [{ id: keyId(K1), primary: true }],
      verifyIncoming: true,
      verifyOutgoing: true,
    });
    const plain = bed.agent('plain', ['--seeds', address, '--join-attempts', '1', '--join-retry', 'exit']);
    expect((await plain.waitExit(WAIT_MS)).code).toBe(5);
    expect(await dropCount(http, 'not-encrypted')).toBeGreaterThan(0);
    const warnings = a.stderr.split('\n').filter((line) => line.includes('not-encrypted'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(2);
    expect(a.events.some((e) => e.event === 'join' && e.id === 'plain')).toBe(false);
  });

  it('MESHNODE_KEYS works like a keyring file', async () => {
    const file = await bed.writeConfig('keys.json', [K1]);
    const a = bed.agent('a', ['--keyring-file', file]);
    const { address, http } = await bed.started(a);
    const b = bed.agent('b', ['--seeds', address], { env: { ...process.env, MESHNODE_KEYS: `${K1},${K2}` } });
    const bStarted = await bed.started(b);
    await a.waitFor('b in the view', (e) => e.event === 'join' && e.id === 'b', WAIT_MS);
    expect((await keysList(bStarted.http)).keys.map((k) => k.id)).toEqual([keyId(K1), keyId(K2)]);
    expect(await dropCount(http, 'bad-tag')).toBe(0);
  });

  it('refuses a malformed keyring file at start with exit 3, without printing its content', async () => {
    const file = await bed.writeConfig('keys.json', [`${K1.slice(0, 20)}`]);
    const a = bed.agent('a', ['--keyring-file', file]);
    expect((await a.waitExit(WAIT_MS)).code).toBe(3);
    expect(a.stderr).toMatch(/keyring file .* key 1 is not 32 bytes of base64/);
    expect(a.stderr).not.toContain(K1.slice(0, 20));
  });

  it('keys install, use and remove rotate a running pair; removing the primary is refused', async () => {
    const file = await bed.writeConfig('keys.json', [K1]);
    const a = bed.agent('a', ['--keyring-file', file]);
    const { address, http } = await bed.started(a);
    const b = bed.agent('b', ['--keyring-file', file, '--seeds', address]);
    const bHttp = (await bed.started(b)).http;
    await a.waitFor('b in the view', (e) => e.event === 'join' && e.id === 'b', WAIT_MS);
    for (const target of [http, bHttp]) {
      const installed = await runCli(['keys', 'install', '-', '--http', target], WAIT_MS, {
        stdin: `${K2}\n`,
      });
      expect(installed.code, installed.stderr).toBe(0);
      expect(installed.stdout).toContain(`install: key ${keyId(K2)}`);
    }
    for (const target of [http, bHttp])
      expect((await runCli(['keys', 'use', keyId(K2), '--http', target])).code).toBe(0);
    const refused = await runCli(['keys', 'remove', K2, '--http', http]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/primary key and cannot be removed/);
    expect(refused.stderr).not.toContain(K2);
    for (const target of [http, bHttp])
      expect((await runCli(['keys', 'remove', keyId(K1), '--http', target])).code).toBe(0);
    expect((await keysList(http)).keys).toEqual([{ id: keyId(K2), primary: true }]);
    const bad = await runCli(['keys', 'install', 'not-a-key', '--http', http]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/refused: a key must be 32 bytes in standard base64/);
    expect(a.events.filter((e) => e.event === 'fail')).toEqual([]);
  });

  it('SIGHUP reads the keyring file and the switches in the config file again', async () => {
    const file = await bed.writeConfig('keys.json', [K1]);
    const config = await bed.writeConfig('enc.json', {
      preset: 'local',
      protocol: { probeIntervalMs: 100, probeTimeoutMs: 50 },
      verifyIncoming: false,
    });
    const a = bed.agent('a', ['--keyring-file', file, '--config', config]);
    const { http } = await bed.started(a);
    expect((await keysList(http)).verifyIncoming).toBe(false);
    await writeFile(file, JSON.stringify([K2, K1]));
    await writeFile(
      config,
      JSON.stringify({
        preset: 'local',
        protocol: { probeIntervalMs: 100, probeTimeoutMs: 50 },
        verifyIncoming: true,
      }),
    );
    a.signal('SIGHUP');
    const reload = await a.waitFor('the reload', (e) => e.event === 'reload', WAIT_MS);
    expect(reload.applied).toEqual(expect.arrayContaining(['verifyIncoming', 'keys']));
    expect(await keysList(http)).toMatchObject({
      keys: [
        { id: keyId(K2), primary: true },
        { id: keyId(K1), primary: false },
      ],
      verifyIncoming: true,
    });
  });

  it('a --with-key token carries the primary key; agent --token joins the encrypted cluster with it', async () => {
    const file = await bed.writeConfig('keys.json', [K1, K2]);
    const a = bed.agent('a', ['--keyring-file', file]);
    const { address, http } = await bed.started(a);
    const made = await runCli([
      'token',
      'create',
      '-k',
      bed.key,
      '-e',
      bed.env,
      '--seeds',
      address,
      '--with-key',
      '--keyring-file',
      file,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    const inspected = await runCli(['token', 'inspect', token]);
    expect(inspected.stdout).toContain(`gossip key: id ${keyId(K1)}`);
    expect(inspected.stdout).not.toContain(K1);
    const plainToken = (
      await runCli(['token', 'create', '-k', bed.key, '-e', bed.env, '--seeds', address])
    ).stdout.trim();
    expect(plainToken.length).toBeLessThan(token.length);
    // The token sets key, env and seeds; -k/-e from the bed are left out on purpose.
    const b = bed.agent('b', ['--token', token]);
    const bHttp = (await bed.started(b)).http;
    await a.waitFor('b in the view', (e) => e.event === 'join' && e.id === 'b', WAIT_MS);
    expect((await keysList(bHttp)).keys).toEqual([{ id: keyId(K1), primary: true }]);
    expect(await dropCount(http, 'not-encrypted')).toBe(0);
  });

  it('no key in agent output, logs, /v1/status, /metrics or keys output', async () => {
    const file = await bed.writeConfig('keys.json', [K1, K2]);
    const a = bed.agent('a', ['--keyring-file', file, '-v', 'debug']);
    const { address, http } = await bed.started(a);
    const b = bed.agent('b', ['--seeds', address, '-v', 'debug'], {
      env: { ...process.env, MESHNODE_KEYS: K1 },
    });
    await bed.started(b);
    await a.waitFor('b in the view', (e) => e.event === 'join' && e.id === 'b', WAIT_MS);
    const listed = await runCli(['keys', 'list', '--http', http]);
    const shown = [
      a.stderr,
      b.stderr,
      JSON.stringify(a.events),
      JSON.stringify(b.events),
      a.text.join('\n'),
      await (await fetch(`http://${http}/v1/status`)).text(),
      await (await fetch(`http://${http}/metrics`)).text(),
      listed.stdout,
      listed.stderr,
    ].join('\n');
    expect(listed.stdout).toContain(keyId(K1));
    for (const key of [K1, K2]) {
      expect(shown).not.toContain(key);
      expect(shown).not.toContain(Buffer.from(key, 'base64').toString('hex'));
    }
  });
});
