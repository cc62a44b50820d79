/**
 * Terminal escapes through real agents. Metadata may hold any string, so a
 * member's keys and values carry escape sequences (clear screen, window
 * title, clipboard write, a forged line, bidi reordering) across the mesh
 * to another agent's status API, and from there to an operator's
 * `meshnode members`, `status` and `monitor`. Before: they reached the
 * terminal raw. Must hold: no control character reaches the terminal from
 * any of them, and an id with one is refused (on the wire: a counted drop).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, WAIT_MS } from '../cli/helpers.js';
import { drops, eventually, figure, HostileBed } from './bed.js';

let bed: HostileBed;
beforeEach(async () => {
  bed = await new HostileBed().open();
});
afterEach(async () => {
  await bed.close();
});

const ESCAPES = '\x1b[2J\x1b]0;owned\x07\x1b]52;c;ZWNobyBoaQ==\x07\rmeshnode: member x joined\u009b31m\u202e';

/** The control characters in `text` other than newlines, as code points. */
function controls(text: string): number[] {
  return [...text]
    .map((char) => char.codePointAt(0) as number)
    .filter((code) => (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || code === 0x202e);
}

describe('terminal escapes from the network', { timeout: 60_000 }, () => {
  it('metadata escapes gossiped to another agent reach no operator terminal raw', async () => {
    const [victim] = await bed.cluster(1);
    if (victim === undefined) throw new Error('no victim');
    await bed.agent('evil', ['--meta', `note=${ESCAPES}`, '--meta', `${ESCAPES}=v`]);
    await victim.process.waitFor('evil in the view', (e) => e.event === 'join' && e.id === 'evil', WAIT_MS);
    const http = new URL(victim.http).host;
    const members = await runCli(['members', '--http', http]);
    const status = await runCli(['status', '--http', http]);
    const monitor = bed.bed.command('monitor', ['monitor', '--http', http, '--history', '50']);
    await monitor.waitForText(/member evil/, WAIT_MS);

    // An id with an escape: refused by the agent's own flag check, and on the wire a counted drop.
    const badId = await runCli(['agent', '-k', bed.bed.key, '-e', bed.bed.env, '-i', `x${ESCAPES}`]);
    const before = (await drops(victim))['invalid-field'] ?? 0;
    const alive = {
      type: 'alive' as const,
      id: 'ok',
      address: '127.66.0.1:1',
      incarnation: 1,
      threads: 1,
      metadata: {},
      viewDelayMs: 0,
    };
    // Built with a valid id, then the id bytes are swapped for an ESC of the same length.
    const packet = bed.attacker.packet([alive]);
    const at = Buffer.from(packet).indexOf('ok');
    packet.set([0x1b, 0x5b], at);
    await bed.attacker.udp(victim.address, packet);
    await eventually(
      async () => ((await drops(victim))['invalid-field'] ?? 0) > before,
      'the forged id dropped',
    );

    const outputs = {
      members: members.stdout,
      status: status.stdout,
      monitor: monitor.text.join('\n'),
      badIdStderr: badId.stderr,
    };
    figure('terminal-escapes', {
      raw: Object.fromEntries(Object.entries(outputs).map(([name, text]) => [name, controls(text).length])),
      badIdExit: badId.code,
    });
    expect(members.code).toBe(0);
    expect(members.stdout).toContain('note=\\x1b[2J\\x1b]0;owned\\x07');
    for (const [name, text] of Object.entries(outputs))
      expect({ name, raw: controls(text) }).toEqual({ name, raw: [] });
    expect(badId.code).toBe(2);
  });
});
