#!/usr/bin/env node
// Speed of the simulator: N nodes (lan preset, a formed cluster with one
// metadata update and one crash) for a span of virtual time, each size in its
// own process so that memory figures do not mix.
//
//   npm run build && node simulations/bench.mjs [--nodes 1000,2000] [--virtual-ms 60000] [--repeat 3]
//
// Node flags given to this script go to every run as well (for instance
// `node --max-old-space-size=20000 --cpu-prof simulations/bench.mjs ...`);
// --heap-mib N (default 16384) sets the heap when no such flag does.
//
// Prints one line per run and a markdown table (median of the repeats). CPU
// is the run's process time (user + system, GC helper threads included):
// on a machine shared with other work it moves less than the wall time.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};

if (args[0] === '--child') {
  await child(Number(args[1]), Number(args[2]), args[3] === 'checks');
} else {
  parent();
}

async function child(nodes, virtualMs, checks) {
  const { buildScenario, runScenario } = await import('../dist/sim/index.js');
  const spec = buildScenario('large-cluster', { nodes, seed: 1, durationMs: virtualMs });
  let peakRss = 0;
  let setupMs;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { report } = runScenario(spec, {
    checks,
    onProgress: (_fraction, now) => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (setupMs === undefined && now > 0) setupMs = performance.now() - started;
    },
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  process.stdout.write(
    `${JSON.stringify({
      nodes,
      virtualMs: report.virtualMs,
      wallMs: Math.round(wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      setupMs: Math.round(setupMs ?? wallMs),
      events: report.events,
      eventsPerSecond: Math.round(report.events / (wallMs / 1000)),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      checks,
      converged: report.converged,
    })}\n`,
  );
}

function parent() {
  const sizes = flag('--nodes', '1000,2000').split(',').map(Number);
  const virtualMs = Number(flag('--virtual-ms', '60000'));
  const repeat = Number(flag('--repeat', '3'));
  const checks = !args.includes('--no-checks');
  const heapMiB = Number(flag('--heap-mib', '16384'));
  const heapGiven = process.execArgv.some((arg) => arg.startsWith('--max-old-space-size'));
  const nodeFlags = [
    ...process.execArgv,
    ...(heapGiven && !args.includes('--heap-mib') ? [] : [`--max-old-space-size=${heapMiB}`]),
  ];
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  for (const nodes of sizes) {
    const runs = [];
    for (let i = 0; i < repeat; i++) {
      const out = execFileSync(
        process.execPath,
        [...nodeFlags, self, '--child', String(nodes), String(virtualMs), checks ? 'checks' : 'none'],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const run = JSON.parse(out.trim().split('\n').pop());
      console.log(JSON.stringify(run));
      runs.push(run);
    }
    runs.sort((a, b) => a.wallMs - b.wallMs);
    rows.push(runs[Math.floor(runs.length / 2)]);
  }
  console.log('');
  console.log(
    `| nodes | virtual | wall (median of ${repeat}) | CPU | of which setup | events | events/s | peak RSS |`,
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.nodes.toLocaleString('en-US')} | ${(r.virtualMs / 1000).toFixed(0)} s | ${(r.wallMs / 1000).toFixed(1)} s | ${(r.cpuMs / 1000).toFixed(1)} s | ` +
        `${(r.setupMs / 1000).toFixed(1)} s | ${r.events.toLocaleString('en-US')} | ${r.eventsPerSecond.toLocaleString('en-US')} | ${r.peakRssMiB.toLocaleString('en-US')} MiB |`,
    );
  }
}
