/** The keyring endpoints: the control rules apply, refusals carry ERR_MESH_KEYRING, no answer holds a key. */
import { afterEach, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/codec/keyring.js';
import { NodeKeyring } from '../../src/node/keyring.js';
import { silentLogger } from '../../src/runtime/logger.js';
import type { AgentControl } from '../../src/status/control.js';
import type { KeysControl } from '../../src/status/keys-control.js';
import { type StatusServer, startStatusServer } from '../../src/status/server.js';
import { fakeSource } from './helpers.js';

const TOKEN = 'a-token-of-enough-length-5678';
const K1 = Buffer.alloc(32, 0x31).toString('base64');
const K2 = Buffer.alloc(32, 0x32).toString('base64');
let server: StatusServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A real keyring behind the endpoints, with switches held in a plain object. */
function keysControl(): KeysControl {
  let verification = { incoming: true, outgoing: true };
  const keyring = new NodeKeyring(
    new Keyring([K1]),
    {
      get verification() {
        return verification;
      },
      setVerification: (change) => {
        verification = { ...verification, ...change };
        return verification;
      },
    },
    silentLogger,
  );
  return {
    status: () => keyring.status(),
    install: (key) => keyring.install(key),
    use: (key) => keyring.use(key),
    remove: (key) => keyring.remove(key),
    verify: (change) => {
      keyring.setSwitches({
        ...(change.incoming === undefined ? {} : { verifyIncoming: change.incoming }),
        ...(change.outgoing === undefined ? {} : { verifyOutgoing: change.outgoing }),
      });
    },
  };
}

async function serve(token?: string): Promise<string> {
  const control: AgentControl = {
    leave: () => {},
    forceLeave: () => false,
    updateTags: async () => ({}),
    broadcast: () => 0,
    keys: keysControl(),
  };
  server = await startStatusServer(
    { ...fakeSource(), control },
    '127.0.0.1',
    0,
    token === undefined ? {} : { token },
  );
  return `http://${server.address}`;
}

const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('POST /v1/agent/keys/...', () => {
  it('install, use, remove and verify change the keyring; answers name keys by id only', async () => {
    const base = await serve();
    const installed = await fetch(`${base}/v1/agent/keys/install`, post({ key: K2 }));
    const body = (await installed.json()) as { key: { id: string; primary: boolean }; keys: unknown[] };
    expect(installed.status).toBe(200);
    expect(body.key.primary).toBe(false);
    expect(body.keys).toHaveLength(2);
    const used = (await (await fetch(`${base}/v1/agent/keys/use`, post({ key: body.key.id }))).json()) as {
      keys: unknown[];
    };
    expect(used.keys[0]).toEqual({ id: body.key.id, primary: true });
    const removed = await fetch(`${base}/v1/agent/keys/remove`, post({ key: K1 }));
    expect(removed.status).toBe(200);
    const verified = await (await fetch(`${base}/v1/agent/keys/verify`, post({ incoming: false }))).json();
    expect(verified).toMatchObject({ verifyIncoming: false, verifyOutgoing: true });
    const listed = await (await fetch(`${base}/v1/agent/keys/list`, post({}))).text();
    for (const text of [JSON.stringify(body), JSON.stringify(used), listed]) {
      expect(text).not.toContain(K1);
      expect(text).not.toContain(K2);
    }
  });

  it('refusals: 409 for the primary, 404 for an unknown key, 400 for a bad key or body', async () => {
    const base = await serve();
    const primary = await fetch(`${base}/v1/agent/keys/remove`, post({ key: K1 }));
    expect(primary.status).toBe(409);
    expect(await primary.json()).toMatchObject({ error: { code: 'ERR_MESH_KEYRING' } });
    expect((await fetch(`${base}/v1/agent/keys/use`, post({ key: K2 }))).status).toBe(404);
    const bad = await fetch(`${base}/v1/agent/keys/install`, post({ key: 'short' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('short"');
    expect((await fetch(`${base}/v1/agent/keys/install`, post({}))).status).toBe(400);
    expect((await fetch(`${base}/v1/agent/keys/verify`, post({ incoming: 'yes' }))).status).toBe(400);
  });

  it('need the bearer token when the agent has one, and refuse web pages', async () => {
    const base = await serve(TOKEN);
    expect((await fetch(`${base}/v1/agent/keys/list`, post({}))).status).toBe(401);
    expect((await fetch(`${base}/v1/agent/keys/install`, post({ key: K2 }))).status).toBe(401);
    const withToken = await fetch(
      `${base}/v1/agent/keys/list`,
      post({}, { authorization: `Bearer ${TOKEN}` }),
    );
    expect(withToken.status).toBe(200);
    const fromPage = await fetch(
      `${base}/v1/agent/keys/list`,
      post({}, { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' }),
    );
    expect(fromPage.status).toBe(403);
    expect((await fetch(`${base}/v1/agent/keys/list`)).status).toBe(405);
  });
});
