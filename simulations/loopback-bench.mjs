#!/usr/bin/env node
// Live runs on real sockets: N meshnode nodes in one process on 127.0.0.1,
// ephemeral ports, measured the way the brief measures memberlist:
//   - join:  every node joins through one seed; time until every node knows
//            all N members (and until every view holds them, and all settled)
//   - crash: one node is closed without leaving; time until every other node
//            marks it dead (and until it is out of every view)
//   - leave: one node leaves gracefully; time until every other node marks it
//            left (and until it is out of every view)
//   - steady state between join and crash: UDP bytes and packets out per node
//            per second, process CPU seconds per node-second, RSS
// Each run is its own process; the table gives medians over the runs.
//
//   npm run build && node simulations/loopback-bench.mjs [--nodes 50,100] [--runs 5] [--preset lan] [--steady-ms 10000]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};

if (args[0] === '--child') {
  await runOnce(Number(args[1]), args[2], Number(args[3]));
} else {
  parent();
}

function parent() {
  const sizes = flag('--nodes', '50').split(',').map(Number);
  const runs = Number(flag('--runs', '3'));
  const preset = flag('--preset', 'lan');
  const steadyMs = Number(flag('--steady-ms', '10000'));
  const rows = [];
  for (const nodes of sizes) {
    const results = [];
    for (let run = 0; run < runs; run++) {
      const output = execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', String(nodes), preset, String(steadyMs)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 },
      );
      const result = JSON.parse(output.trim().split('\n').pop());
      console.log(JSON.stringify(result));
      results.push(result);
    }
    rows.push(summarise(nodes, results));
  }
  console.log(`\n${preset} preset, medians of ${runs} runs, N nodes in one process on 127.0.0.1\n`);
  const columns = [
    ['nodes', (row) => row.nodes],
    ['all joined (known)', (row) => seconds(row.allKnownMs)],
    ['views hold all', (row) => seconds(row.allInViewMs)],
    ['all settled', (row) => seconds(row.allSettledMs)],
    ['crash known by all', (row) => seconds(row.crashKnownMs)],
    ['crash out of views', (row) => seconds(row.crashOutOfViewMs)],
    ['leave known by all', (row) => seconds(row.leaveKnownMs)],
    ['leave out of views', (row) => seconds(row.leaveOutOfViewMs)],
    ['UDP B/s per node', (row) => row.udpBytesPerNodePerS],
    ['CPU s per node-s', (row) => row.cpuPerNodeSecond],
    ['RSS MiB', (row) => row.rssMiB],
  ];
  console.log(`| ${columns.map(([name]) => name).join(' | ')} |`);
  console.log(`| ${columns.map(() => '---:').join(' | ')} |`);
  for (const row of rows) console.log(`| ${columns.map(([, cell]) => cell(row)).join(' | ')} |`);
}

function summarise(nodes, results) {
  const keys = Object.keys(results[0]).filter((key) => typeof results[0][key] === 'number');
  const row = { nodes };
  for (const key of keys) {
    const sorted = results.map((result) => result[key]).sort((a, b) => a - b);
    row[key] = sorted[Math.floor(sorted.length / 2)];
  }
  return row;
}

function seconds(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

async function runOnce(count, preset, steadyMs) {
  const { createNode } = await import('../dist/index.js');
  const now = () => performance.now();
  const deadlineMs = 180_000;
  // Polls a condition every 2 ms; bounded so that a stuck run fails instead of hanging.
  const until = (check, what) =>
    new Promise((resolve, reject) => {
      const started = now();
      const poll = () => {
        if (check()) return resolve(now());
        if (now() - started > deadlineMs) return reject(new Error(`timed out waiting for ${what}`));
        setTimeout(poll, 2);
      };
      poll();
    });

  const nodes = [];
  for (let i = 0; i < count; i++) {
    const id = `n${String(i).padStart(4, '0')}`;
    nodes.push(
      await createNode({ key: 'bench', env: 'loopback', id, bind: { host: '127.0.0.1', port: 0 }, preset }),
    );
  }
  try {
    const knowsAll = (node) => nodes.every((other) => node.member(other.id)?.state === 'alive');
    const joinStart = now();
    await Promise.all(nodes.slice(1).map((node) => node.join([nodes[0].address])));
    const allKnownMs =
      (await until(() => nodes.every(knowsAll), 'every node to know every node')) - joinStart;
    const allInViewMs =
      (await until(() => nodes.every((n) => n.members().length === count), 'full views')) - joinStart;
    const allSettledMs =
      (await until(() => {
        const viewId = nodes[0].indices().viewId;
        return nodes.every((node) => node.indices().settled && node.indices().viewId === viewId);
      }, 'all settled')) - joinStart;

    const before = nodes.map((node) => node.stats());
    const cpuBefore = process.cpuUsage();
    const steadyStart = now();
    await new Promise((resolve) => setTimeout(resolve, steadyMs));
    const steadySeconds = (now() - steadyStart) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    let bytesOut = 0;
    let packetsOut = 0;
    nodes.forEach((node, i) => {
      bytesOut += node.stats().bytesOut - before[i].bytesOut;
      packetsOut += node.stats().packetsOut - before[i].packetsOut;
    });
    const rssMiB = Math.round(process.memoryUsage().rss / 1048576);

    const victim = nodes[count - 1];
    const survivors = nodes.filter((node) => node !== victim);
    const crashStart = now();
    await victim.close();
    const crashKnownMs =
      (await until(() => survivors.every((n) => n.member(victim.id)?.state === 'dead'), 'crash known')) -
      crashStart;
    const crashOutOfViewMs =
      (await until(() => survivors.every((n) => n.members().length === count - 1), 'crash out of views')) -
      crashStart;

    const leaver = survivors[survivors.length - 1];
    const rest = survivors.filter((node) => node !== leaver);
    const leaveStart = now();
    const leaving = leaver.leave();
    const leaveKnownMs =
      (await until(() => rest.every((n) => n.member(leaver.id)?.state === 'left'), 'leave known')) -
      leaveStart;
    await leaving;
    const leaveOutOfViewMs =
      (await until(() => rest.every((n) => n.members().length === count - 2), 'leave out of views')) -
      leaveStart;

    console.log(
      JSON.stringify({
        nodes: count,
        allKnownMs: Math.round(allKnownMs),
        allInViewMs: Math.round(allInViewMs),
        allSettledMs: Math.round(allSettledMs),
        crashKnownMs: Math.round(crashKnownMs),
        crashOutOfViewMs: Math.round(crashOutOfViewMs),
        leaveKnownMs: Math.round(leaveKnownMs),
        leaveOutOfViewMs: Math.round(leaveOutOfViewMs),
        udpBytesPerNodePerS: Math.round(bytesOut / count / steadySeconds),
        udpPacketsPerNodePerS: Number((packetsOut / count / steadySeconds).toFixed(2)),
        cpuPerNodeSecond: Number(((cpu.user + cpu.system) / 1e6 / count / steadySeconds).toFixed(5)),
        rssMiB,
      }),
    );
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
  }
}
