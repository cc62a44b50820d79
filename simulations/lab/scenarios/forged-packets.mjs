// 9. An encrypted cluster (every agent with one --keyring-file) and one
// extra process without the key, beside a real agent, sending forged packets
// (random bytes, and random bytes behind a valid sealed header), captured
// sealed packets with bits flipped, replays of captured packets delivered
// once already, and captured accusations older than the replay window: no
// member event happens anywhere, the view stays as it is, and every host
// counts the drops by reason.
//
// The capture: the lab holds the key (it wrote the keyring file), so it plays
// the network tap. It seals what a member sends (acks; a suspect, a dead
// and a left about a live host, dated twice the replay window ago, as if
// recorded then) and hands the forger the bytes, never the key.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startedProcesses } from '../hosts.mjs';
import { sleep } from '../lab.mjs';
import { run } from '../shell.mjs';
import { HTTP_PORT } from '../topology.mjs';
import { atMost } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = join(here, '..', '..', '..', 'dist');
const FORGER = join(here, '..', 'forger.mjs');
const MEMBER_EVENTS = new Set(['join', 'leave', 'fail', 'update', 'suspect', 'recover', 'conflict']);
/** The agents' replay window (the library default; the lab does not change it). */
const REPLAY_WINDOW_MS = 30_000;

async function sealer(key) {
  const { SealingCodec } = await import(join(DIST, 'codec', 'sealing-codec.js'));
  const { Keyring } = await import(join(DIST, 'codec', 'keyring.js'));
  const { clusterLabel } = await import(join(DIST, 'codec', 'label.js'));
  const { CLUSTER_KEY } = await import('../hosts.mjs');
  const label = clusterLabel(CLUSTER_KEY, 'default');
  const codecAt = (wallClockMs) =>
    new SealingCodec({
      label,
      packetLimits: { packetBytesMax: 1400, metadataBytesMax: 512 },
      stateLimits: { stateBytesMax: 1 << 20, membersMax: 1024, metadataBytesMax: 512 },
      keyring: new Keyring([key]),
      wallClockMs: () => wallClockMs,
    });
  return { label, codecAt };
}

/** Every drop counter of a host, read from its status API inside its namespace. */
function dropsOf(host) {
  const script = `fetch('http://127.0.0.1:${HTTP_PORT}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const text = run('ip', ['netns', 'exec', host.ns, process.execPath, '-e', script]);
  const drops = {};
  for (const match of text.matchAll(/^meshnode_dropped_total\{reason="([^"]+)"\} (\d+)/gm)) {
    drops[match[1]] = Number(match[2]);
  }
  return drops;
}

function runForger(host, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, FORGER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    startedProcesses.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      startedProcesses.delete(child);
      if (code !== 0) reject(new Error(`the forger exited with ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

export default {
  name: 'forged-packets',
  number: 9,
  title: 'an encrypted cluster; one extra process sends forged and replayed packets without the key',
  timeoutMs: 120_000,
  plan: (_b, hosts) => ({ attackMs: 8000, rate: 400, attackerHost: hosts - 1, victim: 1, accuser: 2 }),
  async run(lab, b, plan) {
    const key = randomBytes(32);
    const keyringFile = join(lab.logDir, 'keyring.json');
    writeFileSync(keyringFile, JSON.stringify([key.toString('base64')]), { mode: 0o600 });
    for (const host of lab.hosts) host.extraArgs = ['--keyring-file', keyringFile];
    await lab.form();
    await sleep(5 * b.p);

    const victim = lab.hosts[plan.victim];
    const accuser = lab.hosts[plan.accuser];
    const joined = lab.events((e) => e.event === 'join' && e.id === victim.id).at(-1);
    const incarnation = joined?.incarnation ?? 0;
    const { label, codecAt } = await sealer(key);
    const now = Date.now();
    const fresh = codecAt(now);
    // Original traffic that changes nothing: acks for no probe in flight (a core 'stale-seq' drop), in the current view.
    const viewId = Number.parseInt(lab.hosts[0].latest(2000)?.viewId ?? '0', 16);
    const delivered = lab.hosts.map((_, i) =>
      fresh.encodePacket([{ type: 'ack', seq: 0x5eed0000 + i, viewId }]),
    );
    const old = codecAt(now - 2 * REPLAY_WINDOW_MS);
    const accusations = [
      { type: 'suspect', id: victim.id, incarnation, fromId: accuser.id },
      { type: 'dead', id: victim.id, incarnation, fromId: accuser.id, viewDelayMs: 0 },
      { type: 'left', id: victim.id, incarnation, viewDelayMs: 0 },
    ];
    const stale = accusations.map((message) => old.encodePacket([message]));
    const capturedFile = join(lab.logDir, 'captured.json');
    const b64 = (bytes) => Buffer.from(bytes).toString('base64');
    writeFileSync(capturedFile, JSON.stringify({ delivered: delivered.map(b64), stale: stale.map(b64) }));

    const viewBefore = lab.hosts[0].latest(2000)?.viewId;
    const dropsBefore = lab.hosts.map(dropsOf);
    const eventsBefore = lab.events((e) => MEMBER_EVENTS.has(e.event)).length;
    const attacker = lab.hosts[plan.attackerHost];
    const targets = lab.hosts.map((h) => h.meshAddress).join(',');
    const result = await runForger(
      attacker,
      [
        '--targets',
        targets,
        '--label',
        String(label),
        '--captured',
        capturedFile,
        '--duration',
        String(plan.attackMs),
        '--rate',
        String(plan.rate),
      ],
      plan.attackMs + 20_000,
    );
    // Long enough for a wrongly accepted accusation to show: a suspicion times out, a death spreads.
    await sleep(b.smin + b.dissemination);
    const newEvents = lab.events((e) => MEMBER_EVENTS.has(e.event)).slice(eventsBefore);
    const dropsAfter = lab.hosts.map(dropsOf);
    const counted = (reason) =>
      dropsAfter.map((drops, i) => (drops[reason] ?? 0) - (dropsBefore[i]?.[reason] ?? 0));
    const total = (reason) => counted(reason).reduce((sum, n) => sum + n, 0);
    const everyHost = (reason) => counted(reason).filter((n) => n > 0).length;
    const hosts = lab.hosts.length;
    const agreed = (await lab.waitFor(() => lab.agreed(), b.agree)) !== null;
    const viewAfter = lab.hosts[0].latest(2000)?.viewId;
    const check = (what, pass, measured, bound) => ({ what, measured, bound, pass });
    const sentTotal = Object.values(result.sent).reduce((sum, n) => sum + n, 0);
    return {
      checks: [
        atMost(
          `member events on any host during and after the attack (${newEvents.map((e) => `${e.event} ${e.id}`).join(', ') || 'none'})`,
          newEvents.length,
          0,
        ),
        check(
          'one settled view, the one from before the attack',
          agreed && viewAfter === viewBefore,
          `${agreed ? 'settled' : 'not settled'}, view ${viewBefore} -> ${viewAfter}`,
          'settled, same view',
        ),
        check(
          `hosts counting bad-tag drops (forged and flipped; ${total('bad-tag')} in all)`,
          everyHost('bad-tag') === hosts,
          `${everyHost('bad-tag')}/${hosts}`,
          `${hosts}/${hosts}`,
        ),
        check(
          `hosts counting replayed drops (${total('replayed')} in all)`,
          everyHost('replayed') === hosts,
          `${everyHost('replayed')}/${hosts}`,
          `${hosts}/${hosts}`,
        ),
        check(
          `hosts counting stale drops (captured accusations; ${total('stale')} in all)`,
          everyHost('stale') === hosts,
          `${everyHost('stale')}/${hosts}`,
          `${hosts}/${hosts}`,
        ),
        check(
          'the forger sent what it was asked to',
          result.errors === 0 && sentTotal >= (plan.rate * plan.attackMs) / 2000,
          `${sentTotal} packets (${Object.entries(result.sent)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}), ${result.errors} send errors`,
          `>= ${(plan.rate * plan.attackMs) / 2000}, 0 errors`,
        ),
      ],
      figures: [],
      notes: [
        `drops during the attack, all hosts: ${[
          'bad-tag',
          'replayed',
          'stale',
          'bad-magic',
          'too-short',
          'bad-version',
          'foreign-cluster',
          'unsupported-flags',
          'not-encrypted',
        ]
          .map((reason) => `${reason} ${total(reason)}`)
          .join(', ')}`,
      ],
    };
  },
};
