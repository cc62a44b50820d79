/**
 * The documented rollout on five real agents: a plain cluster is moved to
 * encryption while it runs (install the key everywhere, turn outgoing
 * encryption on everywhere, then refuse plain input everywhere) and no
 * agent ever reports a member failed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '../../src/node/keyring.js';
import { runCli, TestBed, WAIT_MS } from './helpers.js';

const KEY = Buffer.alloc(32, 0x4b).toString('base64');
const IDS = ['a', 'b', 'c', 'd', 'e'];

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(() => bed.close());

/** Sum of one metric's samples whose labels contain `labels`. */
async function metric(http: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !line.includes(labels)) continue;
    if (line[name.length] !== ' ' && line[name.length] !== '{') continue;
    sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Waits (bounded) until every agent received `packets` more datagrams and served one more sync. */
async function traffic(https: readonly string[], what: string): Promise<void> {
  const packets = (http: string) => metric(http, 'meshnode_packets_total', 'direction="in"');
  const syncs = (http: string) => metric(http, 'meshnode_syncs_served_total');
  const before = await Promise.all(https.map(async (http) => [await packets(http), await syncs(http)]));
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const now = await Promise.all(https.map(async (http) => [await packets(http), await syncs(http)]));
    if (
      now.every(
        ([p, s], i) =>
          (p as number) >= (before[i]?.[0] as number) + 30 && (s as number) > (before[i]?.[1] as number),
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`no traffic on every agent within ${WAIT_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function onEvery(https: readonly string[], args: readonly string[]): Promise<void> {
  const results = await Promise.all(https.map((http) => runCli([...args, '--http', http])));
  for (const [i, result] of results.entries())
    expect(result.code, `${args.join(' ')} at ${https[i]}: ${result.stderr}`).toBe(0);
}

/** What `meshnode keys list` asks for, straight from the API. */
async function keysStatus(http: string): Promise<unknown> {
  const response = await fetch(`http://${http}/v1/agent/keys/list`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  return response.json();
}

describe('rolling a running cluster to encryption', () => {
  it('plain -> mixed -> encrypted on five agents, no member failed', async () => {
    const config = await bed.writeConfig('rollout.json', {
      preset: 'local',
      logLevel: 'info',
      joinTimeoutMs: 3000,
      // Push-pull every second, so every phase carries full-state syncs as well as probes.
      protocol: { probeIntervalMs: 100, probeTimeoutMs: 50, gossipIntervalMs: 25, pushPullIntervalMs: 1000 },
    });
    const first = bed.agent(IDS[0] as string, ['--config', config]);
    const { address, http } = await bed.started(first);
    const https = [http];
    const agents = [first];
    for (const id of IDS.slice(1)) {
      const agent = bed.agent(id, ['--config', config, '--seeds', address]);
      https.push((await bed.started(agent)).http);
      agents.push(agent);
    }
    for (const agent of agents) {
      for (const id of IDS) {
        if (id === agent.name) continue;
        if (!agent.events.some((e) => e.event === 'join' && e.id === id))
          await agent.waitFor(`${id} joined`, (e) => e.event === 'join' && e.id === id, WAIT_MS);
      }
    }
    await traffic(https, 'the plain cluster');

    // 1. Mixed: every agent holds the key, still sends plain and still accepts plain.
    await onEvery(https, ['keys', 'install', KEY]);
    await traffic(https, 'keys installed everywhere');
    // 2. Every agent encrypts; plain input is still accepted from agents not switched yet.
    await onEvery(https, ['keys', 'verify', '--outgoing', 'true']);
    await traffic(https, 'every agent encrypting');
    // 3. Plain input refused everywhere: the cluster is encrypted.
    await onEvery(https, ['keys', 'verify', '--incoming', 'true']);
    await traffic(https, 'plain input refused everywhere');

    const fails = agents.flatMap((agent) =>
      agent.events.filter((e) => e.event === 'fail').map((e) => `${agent.name} saw ${String(e.id)} fail`),
    );
    expect(fails).toEqual([]);
    for (const target of https) {
      expect(await keysStatus(target)).toEqual({
        keys: [{ id: keyId(KEY), primary: true }],
        verifyIncoming: true,
        verifyOutgoing: true,
      });
      expect(await metric(target, 'meshnode_dropped_total', 'reason="not-encrypted"')).toBe(0);
      const members = JSON.parse((await runCli(['members', '--http', target, '--json'])).stdout) as {
        state: string;
      }[];
      expect(members.map((m) => m.state)).toEqual(IDS.map(() => 'alive'));
    }
    // Encrypted now: an agent without the key is refused.
    const plain = bed.agent('plain', [
      '--config',
      config,
      '--seeds',
      address,
      '--join-attempts',
      '1',
      '--join-retry',
      'exit',
    ]);
    expect((await plain.waitExit(WAIT_MS)).code).toBe(5);
    expect(await metric(http, 'meshnode_dropped_total', 'reason="not-encrypted"')).toBeGreaterThan(0);
  });
});
