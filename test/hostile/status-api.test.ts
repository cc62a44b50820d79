/**
 * The status API under a connection flood and a rebinding Host header,
 * against a real agent. Before: the API took unlimited idle connections;
 * 21,000 exhausted the process's descriptors (status down, mesh syncs
 * refused, a new node could not join, a node declared failed), and nothing
 * was logged. Must hold: 2,000 idle connections cost the API only (its
 * connection cap, a warning logged), the victim's descriptors stay bounded,
 * the mesh keeps working meanwhile (a new agent joins through the victim,
 * syncs are answered, nobody is failed), and a foreign Host gets 403.
 */
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WAIT_MS } from '../cli/helpers.js';
import { eventually, figure, HostileBed, openDescriptors } from './bed.js';

let bed: HostileBed;
beforeEach(async () => {
  bed = await new HostileBed().open();
});
afterEach(async () => {
  await bed.close();
});

/** GET `path` with a Host header of our choosing; the status code. */
function get(base: string, path: string, host?: string): Promise<number> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: host === undefined ? {} : { host }, timeout: WAIT_MS, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const CONNECTIONS = 2_000;

describe('status API flood', { timeout: 60_000 }, () => {
  it('2,000 idle connections cost the API only, and the cap is logged', async () => {
    const [victim] = await bed.cluster(3);
    if (victim === undefined) throw new Error('no victim');
    const descriptorsBefore = openDescriptors(victim);
    const api = new URL(victim.http).host;

    const flood = bed.attacker;
    for (let i = 0; i < CONNECTIONS; i++) await flood.tcp(api).catch(() => undefined);
    await eventually(
      () => victim.process.stderr.includes('status API connection limit reached'),
      "the warning on the victim's stderr",
    );
    // Connections over the cap are closed by the victim at once.
    await eventually(() => flood.openConnections <= 256, 'the victim holding at most 256 API connections');
    const heldByVictim = flood.openConnections;
    const descriptorsDuring = openDescriptors(victim);

    // The mesh meanwhile: a new agent joins through the victim, a sync is answered.
    const joiner = await bed.agent('real-3');
    await joiner.process.waitFor(
      'a settled view of 4',
      (e) => e.event === 'settled' && e.total === 4,
      WAIT_MS,
    );
    const answer = await bed.attackerFrom('127.0.3.1').sync(victim.address, flood.state([]));

    // Once the flood stops, the API answers again; a rebinding Host is refused.
    flood.close();
    await eventually(async () => (await get(victim.http, '/healthz').catch(() => 0)) === 200, 'API answers');
    const rebinding = await get(victim.http, '/v1/status', 'evil.example:80');
    const localhost = await get(victim.http, '/v1/status', `localhost:${new URL(victim.http).port}`);
    figure('status-api', {
      connections: CONNECTIONS,
      heldByVictim,
      descriptorsBefore,
      descriptorsDuring,
      members: answer.members.length,
      rebinding,
      wronglyFailed: bed.wronglyFailed().length,
    });

    // The cap (256) holds, with a margin for the mesh's own sockets and the process's files.
    expect(descriptorsDuring - descriptorsBefore).toBeLessThan(256 + 64);
    expect(heldByVictim).toBeLessThanOrEqual(256);
    expect(answer.members).toHaveLength(4);
    expect(rebinding).toBe(403);
    expect(localhost).toBe(200);
    expect(bed.wronglyFailed()).toEqual([]);
  });
});
