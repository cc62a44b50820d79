#!/usr/bin/env node
// The attacker of scenario 9, run in a host's namespace beside its agent, with
// no key. It sends UDP to the mesh addresses it is given, round-robin, for a
// bounded time and count:
//   random    random bytes (mostly not even a meshnode envelope)
//   forged    a valid sealed envelope header (public: magic, version, the
//             cluster label, the encrypted flag) and random bytes after it
//   flipped   a captured sealed packet with 1..4 bits flipped
//   replayed  a captured packet that was delivered once already
//   stale     a captured packet older than the replay window
// The captured packets come from a JSON file of base64 strings
// { delivered: [...], stale: [...] }; it first sends every `delivered`
// packet once, as the member it was captured from did. Prints one JSON line
// of what it sent and exits.
//
//   node forger.mjs --targets 10.203.0.10:7946,... --label N --captured FILE
//                   --duration ms --rate packets-per-second
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const PACKETS_MAX = 100_000;
const DURATION_MS_MAX = 120_000;

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? undefined : process.argv[at + 1];
  if (value === undefined) {
    process.stderr.write(`forger: --${name} is required\n`);
    process.exit(2);
  }
  return value;
}

const targets = option('targets')
  .split(',')
  .map((t) => {
    const colon = t.lastIndexOf(':');
    return { host: t.slice(0, colon), port: Number(t.slice(colon + 1)) };
  });
const label = Number(option('label'));
const captured = JSON.parse(readFileSync(option('captured'), 'utf8'));
const delivered = captured.delivered.map((b64) => Buffer.from(b64, 'base64'));
const stale = captured.stale.map((b64) => Buffer.from(b64, 'base64'));
const durationMs = Math.min(Number(option('duration')), DURATION_MS_MAX);
const rate = Math.max(1, Math.min(Number(option('rate')), 5000));

function sealedHeader() {
  return Buffer.from([
    0x4d,
    0x4e,
    1,
    0x01,
    label >>> 24,
    (label >>> 16) & 0xff,
    (label >>> 8) & 0xff,
    label & 0xff,
  ]);
}

function flipped(packet) {
  const copy = Buffer.from(packet);
  const flips = randomInt(1, 5);
  for (let i = 0; i < flips; i++) {
    const bit = randomInt(copy.length * 8);
    copy[bit >> 3] ^= 1 << (bit & 7);
  }
  return copy;
}

const pick = (list) => list[randomInt(list.length)];
const kinds = {
  random: () => randomBytes(randomInt(1, 1400)),
  forged: () => Buffer.concat([sealedHeader(), randomBytes(randomInt(0, 1300))]),
  flipped: () => flipped(pick([...delivered, ...stale])),
  replayed: () => pick(delivered),
  stale: () => pick(stale),
};
const names = Object.keys(kinds);
const sent = Object.fromEntries(['delivered-once', ...names].map((k) => [k, 0]));
const socket = createSocket('udp4');
let errors = 0;
socket.on('error', () => errors++);
// Answers (sealed acks the forger cannot read) are received and ignored.
socket.on('message', () => {});
await new Promise((resolve) => socket.bind(0, resolve));

const send = (bytes, target) =>
  new Promise((resolve) =>
    socket.send(bytes, target.port, target.host, (error) => resolve(error ? errors++ : 0)),
  );

// First the delivered packets, once each, to every target: the original traffic.
for (const packet of delivered) {
  for (const target of targets) {
    await send(packet, target);
    sent['delivered-once']++;
  }
}
const startedAt = Date.now();
const gapMs = 1000 / rate;
let count = 0;
while (Date.now() - startedAt < durationMs && count < PACKETS_MAX) {
  const kind = names[count % names.length];
  await send(kinds[kind](), targets[count % targets.length]);
  sent[kind]++;
  count++;
  const due = startedAt + count * gapMs;
  const waitMs = due - Date.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
socket.close();
process.stdout.write(`${JSON.stringify({ sent, errors, ms: Date.now() - startedAt })}\n`);
