#!/usr/bin/env node
// meshnode against hashicorp/memberlist, side by side in one session: for
// each repetition and each N, one meshnode run (loopback-bench.mjs) and then
// one memberlist run (the reference harness, DefaultLANConfig), each in its
// own process, after waiting (bounded) for the machine to be idle-ish. Prints
// the ratio table (meshnode / memberlist per column, medians over the runs;
// below 1 is better) as markdown; every run's row goes to simulations/out/.
//
//   npm run build && node simulations/race.mjs [--nodes 50,100,200] [--runs 3]
//       [--steady-ms 20000] [--settle-ms 3000] [--idle-wait-s 60] [--harness PATH] [--harness-source DIR]
//       [--node-flags "--optimize-for-size"]
//
// --node-flags runs meshnode's processes under these Node flags (memberlist
// keeps Go's defaults); the caption says so.
//
// Exit codes: 0 done, 1 a run failed (the table shows what finished), 2 the
// harness is missing (it says how to install it; nothing is downloaded).
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childArgs, parseNodeFlags, RUN_TIMEOUT_MS } from './loopback-bench.mjs';
import { runJsonChild } from './race/children.mjs';
import { cell, MESHNODE_COLUMNS, markdownTable, SHARED_COLUMNS } from './race/columns.mjs';
import { waitUntilIdle } from './race/machine.mjs';
import {
  DEFAULT_HARNESS_BINARY,
  DEFAULT_HARNESS_SOURCE,
  goVersion,
  harnessArgs,
  INSTALL_HINT,
  locateHarness,
  rowFromHarness,
} from './race/memberlist.mjs';
import { median, mediansOver } from './race/stats.mjs';

/** The harness binds 127.0.0.1:(base + i); runs alternate between two ranges so a closing run's ports are never reused at once. */
const HARNESS_BASE_PORTS = [20_000, 21_000];

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const sizes = flag('--nodes', '50,100,200').split(',').map(Number);
const runs = Number(flag('--runs', '3'));
// Two-second samples, as the harness's run.sh takes them.
const idleSamplesMax = Math.max(1, Math.round(Number(flag('--idle-wait-s', '60')) / 2));
const windows = {
  steadyMs: Number(flag('--steady-ms', '20000')),
  settleMs: Number(flag('--settle-ms', '3000')),
};
const nodeFlags = parseNodeFlags(flag('--node-flags', ''));
if (sizes.some((n) => !Number.isInteger(n) || n < 4 || n > 1000) || !(runs >= 1)) {
  console.error('race: --nodes takes sizes from 4 to 1000, --runs at least 1');
  process.exit(2);
}

let harness;
try {
  harness = locateHarness({
    binary: flag('--harness', process.env.MEMBERLIST_BENCH ?? DEFAULT_HARNESS_BINARY),
    source: flag('--harness-source', DEFAULT_HARNESS_SOURCE),
  });
} catch (error) {
  console.error(`race: building the memberlist harness failed: ${error.message}\n\n${INSTALL_HINT}`);
  process.exit(2);
}
if (harness === undefined) {
  console.error(`race: no memberlist harness found.\n\n${INSTALL_HINT}`);
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outFile = join(here, 'out', `race-${stamp}.jsonl`);
mkdirSync(dirname(outFile), { recursive: true });

const results = { meshnode: new Map(), memberlist: new Map() };
const record = (row) => {
  appendFileSync(outFile, `${JSON.stringify(row)}\n`);
  const bySize = results[row.tool];
  if (!bySize.has(row.nodes)) bySize.set(row.nodes, []);
  if (row.error === undefined) bySize.get(row.nodes).push(row);
};

const failedRuns = [];
let harnessRuns = 0;
const started = Date.now();
for (let rep = 1; rep <= runs; rep++) {
  for (const count of sizes) {
    for (const tool of ['meshnode', 'memberlist']) {
      const idleBefore = await waitUntilIdle({ samplesMax: idleSamplesMax });
      const label = `${tool} N=${count} run ${rep}`;
      console.error(`${label} (machine busy before start: ${idleBefore})`);
      const runStart = Date.now();
      try {
        const row =
          tool === 'meshnode'
            ? await runJsonChild(
                process.execPath,
                childArgs(count, { preset: 'lan', ...windows, nodeFlags }),
                {
                  timeoutMs: RUN_TIMEOUT_MS,
                  label,
                },
              )
            : rowFromHarness(
                await runJsonChild(
                  harness,
                  harnessArgs(count, {
                    basePort: HARNESS_BASE_PORTS[harnessRuns++ % HARNESS_BASE_PORTS.length],
                    ...windows,
                  }),
                  { timeoutMs: RUN_TIMEOUT_MS, label },
                ),
              );
        record({ ...row, rep, idleBefore });
      } catch (error) {
        console.error(`  failed: ${error.message}`);
        // A failed harness run still says why (its log samples): keep them in the run's record.
        record({ tool, nodes: count, rep, idleBefore, error: error.message, failedRun: error.result });
        failedRuns.push(`- ${error.message}`);
      }
      console.error(`  took ${((Date.now() - runStart) / 1000).toFixed(0)} s`);
    }
  }
}

console.log(caption(allRows()));
console.log();
console.log(ratioTable());
console.log();
for (const line of [...failedRuns, ...runNotes()]) console.log(line);
console.log(`Every run: ${outFile}`);
process.exit(failedRuns.length > 0 ? 1 : 0);

/** What went wrong in a run, one line each: a note in a finished run is worth reading beside the table. */
function runNotes() {
  const lines = [];
  for (const tool of Object.keys(results)) {
    for (const row of [...results[tool].values()].flat()) {
      for (const note of row.notes ?? []) lines.push(`- ${tool} N=${row.nodes} run ${row.rep}: ${note}`);
    }
  }
  return lines;
}

function allRows() {
  return [...results.meshnode.values(), ...results.memberlist.values()].flat();
}

function caption(rows) {
  const busy = rows.map((row) => row.idleBefore).sort((a, b) => a - b);
  const steadyBusy = rows.map((row) => row.machineBusySteady).filter(Number.isFinite);
  const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));
  const minutes = ((Date.now() - started) / 60_000).toFixed(0);
  return [
    `meshnode ${pkg.version} (lan preset${nodeFlags.length > 0 ? `, Node flags ${nodeFlags.join(' ')}` : ''}) against memberlist (DefaultLANConfig), N nodes in one process each on 127.0.0.1,`,
    `run alternately in one session (${minutes} min); medians of ${runs} runs; ratio = meshnode / memberlist, below 1 is better.`,
    `Steady window ${windows.steadyMs / 1000} s after ${windows.settleMs / 1000} s settle; long-run bytes = UDP + one periodic sync per scaled push-pull interval (memberlist: a full exchange; meshnode: its digest sync, priced from the syncs the window saw).`,
    `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${goVersion()}.`,
    `Machine busy (all cores, 0..1) before the runs: ${busy[0]}..${busy[busy.length - 1]}; during the steady windows: median ${median(steadyBusy)?.toFixed(2)}.`,
  ].join('\n');
}

function ratioTable() {
  const [join, ...rest] = SHARED_COLUMNS;
  const titles = ['N', join.title, 'views hold all / all settled', ...rest.map((column) => column.title)];
  const rows = sizes.map((count) => {
    const ours = mediansOver(results.meshnode.get(count) ?? []);
    const theirs = mediansOver(results.memberlist.get(count) ?? []);
    const versus = (column) => {
      const ratio = ours[column.key] / theirs[column.key];
      // Two significant digits below 0.1, so a ratio of 0.004 does not print as 0.00.
      const digits = ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2);
      const ratioText = Number.isFinite(ratio) && theirs[column.key] !== 0 ? ` (${digits})` : '';
      return `${cell(column, ours)} vs ${cell(column, theirs)}${ratioText}`;
    };
    const [views, settled] = MESHNODE_COLUMNS;
    return [count, versus(join), `${cell(views, ours)} / ${cell(settled, ours)}`, ...rest.map(versus)];
  });
  return markdownTable(titles, rows);
}
