#!/usr/bin/env node
// How long one hostile input holds a node's event loop. A victim node runs in
// a child process on 127.0.0.1 with an event-loop delay monitor (1 ms
// resolution); this process attacks it over TCP with frames built by the
// project's codec and reads the victim's longest stall and peak RSS after each
// attack. Attacks:
//   - oversize:  40 frame headers declaring 64 MB (over stateBytesMax)
//   - crowd:     40 frames of 21 MB holding 30,000 rows (over membersMax), 4 sources
//   - max-state: 4 syncs with the largest state a peer may send (membersMax rows,
//                every row at its largest: ~21 MB), each answered by the victim
//
//   npm run bench:stall    (or: node simulations/stall-bench.mjs [--preset lan] after a build)
// STALL_PROFILE=<dir> writes a CPU profile of the victim there.
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const KEY = 'bench';
const ENV = 'stall';

if (args[0] === '--victim') await victim(args[1]);
else await attacker(flag('--preset', 'lan'));

async function victim(preset) {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const { createNode } = await import('../dist/index.js');
  const node = await createNode({
    key: KEY,
    env: ENV,
    id: 'victim',
    bind: { host: '127.0.0.1', port: 0 },
    preset,
  });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  process.on('message', (message) => {
    if (message === 'reset') {
      delay.reset();
      process.send({ reset: true });
    } else if (message === 'read') {
      const { rss } = process.memoryUsage();
      process.send({ maxStallMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6, rssMb: rss / 2 ** 20 });
    } else if (message === 'stop') {
      delay.disable();
      node.close().then(() => process.exit(0));
    }
  });
  process.send({ address: node.address });
}

async function attacker(preset) {
  const { clusterLabel, encodeState } = await import('../dist/codec/index.js');
  const { encodeFrame, FrameKind } = await import('../dist/runtime/framing.js');
  const label = clusterLabel(KEY, ENV);
  const child = fork(fileURLToPath(import.meta.url), ['--victim', preset], {
    stdio: 'inherit',
    execArgv: process.env.STALL_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.STALL_PROFILE] : [],
  });
  const replies = [];
  let wake = () => {};
  child.on('message', (message) => {
    replies.push(message);
    wake();
  });
  const reply = async () => {
    const deadline = Date.now() + 60_000;
    while (replies.length === 0) {
      if (Date.now() > deadline) throw new Error('the victim stopped answering');
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
    return replies.shift();
  };
  const { address } = await reply();
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];

  /** Connects from `source`, writes `bytes`, resolves when the victim closes (or after 30 s). */
  const send = (bytes, source) =>
    new Promise((resolve) => {
      const socket = connect({ host, port, localAddress: source });
      let answered = 0;
      socket.on('connect', () => socket.write(bytes));
      socket.on('data', (chunk) => {
        answered += chunk.length;
      });
      socket.on('error', () => {});
      const timer = setTimeout(() => socket.destroy(), 30_000);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(answered);
      });
    });
  const member = (i, metadata, longest) => ({
    id: longest ? `m${i}`.padEnd(128, 'x') : `fake-${i}`,
    address: longest
      ? `${'h'.repeat(256)}:${1024 + (i % 60_000)}`.slice(-262)
      : `127.66.${(i >> 8) & 0xff}.${i & 0xff}:7946`,
    incarnation: longest ? Number.MAX_SAFE_INTEGER : 1,
    state: 'alive',
    threads: longest ? 65_535 : 1,
    metadata,
    viewDelayMs: longest ? 600_000 : 0,
  });
  const state = (members) =>
    encodeFrame(
      FrameKind.state,
      encodeState({ type: 'state', join: false, fromId: 'attacker', members }, label),
    );

  const widest = {};
  for (let i = 0; i < 64; i++) widest[String(i).padStart(2, '0')] = 'v'.repeat(6);
  const attacks = {
    oversize: async () => {
      const header = Buffer.alloc(5);
      header.writeUInt32BE(64 << 20, 0);
      header.writeUInt8(FrameKind.state, 4);
      await Promise.all(Array.from({ length: 40 }, () => send(header, '127.66.0.1')));
    },
    crowd: async () => {
      const frame = state(
        Array.from({ length: 30_000 }, (_, i) => member(i, { note: 'x'.repeat(600) }, false)),
      );
      await Promise.all(Array.from({ length: 40 }, (_, i) => send(frame, `127.66.1.${(i % 4) + 1}`)));
    },
    'max-state': async () => {
      const frame = state(Array.from({ length: 20_000 }, (_, i) => member(i, widest, true)));
      const answered = [];
      for (let i = 0; i < 4; i++) answered.push(await send(frame, `127.66.2.${i + 1}`));
      return {
        frameMb: +(frame.length / 2 ** 20).toFixed(1),
        answerMb: +(Math.max(...answered) / 2 ** 20).toFixed(1),
      };
    },
  };
  const rows = [];
  for (const [name, attack] of Object.entries(attacks)) {
    child.send('reset');
    await reply();
    const started = performance.now();
    const extra = (await attack()) ?? {};
    const ms = performance.now() - started;
    child.send('read');
    const figures = await reply();
    rows.push({ attack: name, ms: Math.round(ms), ...figures, ...extra });
  }
  child.send('stop');
  console.log(`stall bench (${preset}), victim figures after each attack:`);
  console.log('| attack | took | longest stall | p99 delay | RSS after | extra |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    const { attack, ms, maxStallMs, p99Ms, rssMb, ...extra } = r;
    console.log(
      `| ${attack} | ${ms} ms | ${maxStallMs.toFixed(1)} ms | ${p99Ms.toFixed(1)} ms | ${Math.round(rssMb)} MB | ${JSON.stringify(extra)} |`,
    );
  }
}
