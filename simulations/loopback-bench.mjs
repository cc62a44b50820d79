#!/usr/bin/env node
// Live runs on real sockets: N meshnode nodes in one process on 127.0.0.1, in
// the phases of the memberlist reference harness (race/meshnode-run.mjs says
// which), so that simulations/race.mjs can set the two side by side. Each run
// is its own process; the table gives medians over the runs.
//
//   npm run build && node simulations/loopback-bench.mjs [--nodes 50,100] [--runs 3] [--preset lan]
//       [--steady-ms 20000] [--settle-ms 3000] [--node-flags "--optimize-for-size"] [--json]
//   node simulations/loopback-bench.mjs --child 50 --cpu-prof-steady steady.cpuprofile
//
// --node-flags gives each run's Node process these V8/Node flags (space
// separated, each starting with --): how the heap's sizing policy, not the
// data, decides most of the RSS of many nodes in one process.
// --json prints one JSON object per run and no table. --child N runs once in
// this process and prints its result (what the parent and race.mjs spawn);
// with --cpu-prof-steady FILE it also profiles the steady window into FILE.
import { fileURLToPath } from 'node:url';
import { runJsonChild } from './race/children.mjs';
import { cell, MESHNODE_COLUMNS, markdownTable, SHARED_COLUMNS } from './race/columns.mjs';
import { mediansOver } from './race/stats.mjs';

/** A run that takes longer than this is stuck: the child is killed. */
export const RUN_TIMEOUT_MS = 600_000;

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const options = {
  preset: flag('--preset', 'lan'),
  steadyMs: Number(flag('--steady-ms', '20000')),
  settleMs: Number(flag('--settle-ms', '3000')),
  nodeFlags: parseNodeFlags(flag('--node-flags', '')),
};

/**
 * "--a --b=1" as ["--a", "--b=1"]; anything that is not a flag is refused,
 * so a typo cannot turn into a script argument.
 */
export function parseNodeFlags(text) {
  const flags = text.split(/\s+/).filter((part) => part !== '');
  const bad = flags.find((part) => !/^--[a-z0-9][a-z0-9-]*(=[^\s]+)?$/i.test(part));
  if (bad !== undefined) {
    console.error(`--node-flags takes Node flags such as --optimize-for-size, not ${JSON.stringify(bad)}`);
    process.exit(2);
  }
  return flags;
}

/** The arguments that run one meshnode run in a child process (also used by race.mjs). */
export function childArgs(count, { preset, steadyMs, settleMs, nodeFlags = [] }) {
  return [
    ...nodeFlags,
    fileURLToPath(import.meta.url),
    '--child',
    String(count),
    '--preset',
    preset,
    '--steady-ms',
    String(steadyMs),
    '--settle-ms',
    String(settleMs),
  ];
}

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain && args[0] === '--child') {
  // A stuck run must end even if a phase's own bound fails to.
  setTimeout(() => {
    console.error('loopback-bench: run deadline reached');
    process.exit(3);
  }, RUN_TIMEOUT_MS - 10_000).unref();
  const { runMeshnode } = await import('./race/meshnode-run.mjs');
  const profileFile = flag('--cpu-prof-steady', undefined);
  const steadyHooks =
    profileFile === undefined
      ? {}
      : (await import('./race/steady-profile.mjs')).steadyProfileHooks(profileFile);
  const result = await runMeshnode({ count: Number(args[1]), ...options, steadyHooks });
  console.log(JSON.stringify(result, roundedForPrint));
} else if (isMain) {
  await parent();
}

/** Six significant digits are plenty for timings and byte rates. */
function roundedForPrint(_key, value) {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;
}

async function parent() {
  const sizes = flag('--nodes', '50').split(',').map(Number);
  const runs = Number(flag('--runs', '3'));
  const jsonOnly = args.includes('--json');
  const rows = [];
  for (const count of sizes) {
    const results = [];
    for (let run = 0; run < runs; run++) {
      const result = await runJsonChild(process.execPath, childArgs(count, options), {
        timeoutMs: RUN_TIMEOUT_MS,
        label: `meshnode N=${count} run ${run + 1}`,
      });
      console.log(JSON.stringify(result));
      results.push(result);
    }
    rows.push({ nodes: count, ...mediansOver(results) });
  }
  if (jsonOnly) return;
  const under = options.nodeFlags.length > 0 ? `, Node flags ${options.nodeFlags.join(' ')}` : '';
  console.log(
    `\n${options.preset} preset, medians of ${runs} runs, N nodes in one process on 127.0.0.1${under}\n`,
  );
  const columns = [SHARED_COLUMNS[0], ...MESHNODE_COLUMNS.slice(0, 2), ...SHARED_COLUMNS.slice(1)];
  const extra = MESHNODE_COLUMNS.slice(2);
  console.log(
    markdownTable(
      ['N', ...[...columns, ...extra].map((column) => column.title)],
      rows.map((row) => [row.nodes, ...[...columns, ...extra].map((column) => cell(column, row))]),
    ),
  );
}
