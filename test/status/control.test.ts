/** The state-changing endpoints: who may call them, what they accept, how refusals read. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { UserEventRateError, UserEventTooLargeError } from '../../src/core/errors.js';
import { MemberAliveError, UnknownMemberError } from '../../src/node/errors.js';
import { type AgentControl, serveControl } from '../../src/status/control.js';
import { type StatusServer, startStatusServer } from '../../src/status/server.js';
import { fakeSource } from './helpers.js';

const TOKEN = 'a-token-of-enough-length-1234';
let server: StatusServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function recordingControl() {
  const calls: unknown[][] = [];
  const control: AgentControl = {
    leave: () => {
      calls.push(['leave']);
    },
    forceLeave: (id) => {
      calls.push(['forceLeave', id]);
      if (id === 'alive') throw new MemberAliveError(id, 'alive');
      if (id === 'ghost') throw new UnknownMemberError(id);
      return id !== 'gone';
    },
    updateTags: async (set, remove) => {
      calls.push(['updateTags', set, remove]);
      return { ...set };
    },
    broadcast: (name, payload) => {
      calls.push(['broadcast', name, payload]);
      if (name === 'huge') throw new UserEventTooLargeError(600, 512);
      if (name === 'flood') throw new UserEventRateError(10, 100);
      return 7;
    },
  };
  return { control, calls };
}

async function serve(control: AgentControl | undefined, token?: string): Promise<string> {
  const source = { ...fakeSource(), control };
  server = await startStatusServer(source, '127.0.0.1', 0, token === undefined ? {} : { token });
  return `http://${server.address}`;
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('POST /v1/agent/...', () => {
  it('leave, force-leave and tags reach the agent and answer JSON', async () => {
    const { control, calls } = recordingControl();
    const base = await serve(control);
    const leave = await fetch(`${base}/v1/agent/leave`, json({}));
    expect(leave.status).toBe(202);
    expect(await leave.json()).toEqual({ leaving: true });
    const forced = await fetch(`${base}/v1/agent/force-leave`, json({ id: 'dead-one' }));
    expect(await forced.json()).toEqual({ id: 'dead-one', left: true });
    const tags = await fetch(`${base}/v1/agent/tags`, json({ set: { role: 'db' }, delete: ['zone'] }));
    expect(await tags.json()).toEqual({ metadata: { role: 'db' } });
    expect(calls).toEqual([['leave'], ['forceLeave', 'dead-one'], ['updateTags', { role: 'db' }, ['zone']]]);
  });

  it('event sends a user event, the payload optional, and says its Lamport time', async () => {
    const { control, calls } = recordingControl();
    const base = await serve(control);
    const sent = await fetch(`${base}/v1/agent/event`, json({ name: 'deploy', payload: 'v2' }));
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({ name: 'deploy', ltime: 7 });
    await fetch(`${base}/v1/agent/event`, json({ name: 'ping' }));
    expect(calls).toEqual([
      ['broadcast', 'deploy', 'v2'],
      ['broadcast', 'ping', ''],
    ]);
  });

  it('event refusals: no name, a payload that is not text, too large, too fast', async () => {
    const { control } = recordingControl();
    const base = await serve(control);
    const statusOf = async (body: unknown) => {
      const response = await fetch(`${base}/v1/agent/event`, json(body));
      return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
    };
    expect(await statusOf({})).toEqual([400, 'bad_request']);
    expect(await statusOf({ name: 'x', payload: 5 })).toEqual([400, 'bad_request']);
    expect(await statusOf({ name: 'huge' })).toEqual([413, 'ERR_MESH_EVENT_TOO_LARGE']);
    expect(await statusOf({ name: 'flood' })).toEqual([429, 'ERR_MESH_EVENT_RATE']);
  });

  it('maps the agent refusals to statuses with stable codes', async () => {
    const { control } = recordingControl();
    const base = await serve(control);
    const alive = await fetch(`${base}/v1/agent/force-leave`, json({ id: 'alive' }));
    expect(alive.status).toBe(409);
    expect(await alive.json()).toMatchObject({ error: { code: 'ERR_MESH_MEMBER_ALIVE' } });
    const ghost = await fetch(`${base}/v1/agent/force-leave`, json({ id: 'ghost' }));
    expect(ghost.status).toBe(404);
    const noId = await fetch(`${base}/v1/agent/force-leave`, json({}));
    expect(noId.status).toBe(400);
    const badTags = await fetch(`${base}/v1/agent/tags`, json({ set: { n: 1 } }));
    expect(badTags.status).toBe(400);
  });

  it('refuses what a web page could send: no JSON type, an Origin, GET', async () => {
    const { control, calls } = recordingControl();
    const base = await serve(control);
    const form = await fetch(`${base}/v1/agent/leave`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    const page = await fetch(`${base}/v1/agent/leave`, json({}, { origin: 'http://evil.example' }));
    expect(page.status).toBe(403);
    const get = await fetch(`${base}/v1/agent/leave`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(calls).toEqual([]);
  });

  it('refuses a body over the limit before reading it whole', async () => {
    const { control, calls } = recordingControl();
    const base = await serve(control);
    const big = await fetch(`${base}/v1/agent/tags`, json({ set: { blob: 'x'.repeat(20_000) } }));
    expect(big.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('with a token file: 401 without the bearer token, served with it', async () => {
    const { control, calls } = recordingControl();
    const base = await serve(control, TOKEN);
    const without = await fetch(`${base}/v1/agent/leave`, json({}));
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(
      `${base}/v1/agent/leave`,
      json({}, { authorization: 'Bearer nope-nope-nope-nope' }),
    );
    expect(wrong.status).toBe(401);
    const right = await fetch(`${base}/v1/agent/leave`, json({}, { authorization: `Bearer ${TOKEN}` }));
    expect(right.status).toBe(202);
    expect(calls).toEqual([['leave']]);
  });

  it('a server without an agent to control answers 404', async () => {
    const base = await serve(undefined);
    expect((await fetch(`${base}/v1/agent/leave`, json({}))).status).toBe(404);
  });

  it('answers only callers on this host, whatever the bind address', async () => {
    const { control, calls } = recordingControl();
    const sent: { status?: number; body?: string } = {};
    const res = {
      headersSent: false,
      writeHead(status: number) {
        sent.status = status;
        return this;
      },
      end(body: string) {
        sent.body = body;
      },
    } as unknown as ServerResponse;
    const req = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      socket: { remoteAddress: '10.1.2.3' },
    } as unknown as IncomingMessage;
    await serveControl(control, { usesToken: false, tokenAccepted: () => true }, '/v1/agent/leave', req, res);
    expect(sent.status).toBe(403);
    expect(JSON.parse(sent.body ?? '{}')).toMatchObject({ error: { code: 'loopback_only' } });
    expect(calls).toEqual([]);
  });
});
