#!/usr/bin/env node
// Produces the result tables of simulations/README.md. Every row names the
// `meshnode simulate` command that reproduces it; where a row aggregates
// several seeds, it says which.
//
//   npm run build && node simulations/tables.mjs [--seeds 5] [--only detection,load,...] > simulations/out/tables.md
//   (--only user-events: the user-event table, which is not in the default set: its 10,000-node runs take minutes)
import {
  buildScenario,
  detectionBoundMs,
  resolveScenarioConfig,
  runScenario,
  suspicionMinMs,
} from '../dist/sim/index.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const seedCount = Number(flag('--seeds', '5'));
const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
const only = flag('--only', 'dissemination,detection,load,accuracy,slow,lifecycle,agreement').split(',');

const s = (ms, digits = 2) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(digits)} s`);
const median = (values) => {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const command = (name, params, seedText) => {
  let text = `meshnode simulate --scenario ${name} --nodes ${params.nodes} --seed ${seedText}`;
  if (params.loss !== undefined) text += ` --loss ${params.loss}`;
  if (params.lifeguard === false) text += ' --no-lifeguard';
  if (params.durationMs !== undefined) text += ` --duration ${params.durationMs}`;
  return `\`${text}\``;
};
const seedText = seedCount === 1 ? '1' : `1..${seedCount}`;
const run = (name, params) => runScenario(buildScenario(name, params)).report;
const progress = (text) => process.stderr.write(`${text}\n`);

function table(title, note, header, rows) {
  console.log(`### ${title}\n`);
  if (note) console.log(`${note}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log('');
}

if (only.includes('dissemination')) {
  const rows = [];
  for (const nodes of [100, 1000]) {
    progress(`dissemination ${nodes}`);
    const r = run('large-cluster', { nodes, seed: 1 });
    rows.push([
      nodes.toLocaleString('en-US'),
      s(r.dissemination.p50Ms),
      s(r.dissemination.p99Ms),
      s(r.disseminationMs),
      command('large-cluster', { nodes }, '1'),
    ]);
  }
  table(
    'Dissemination of one update (a metadata change) to 100% of live nodes',
    'lan preset: gossip every 200 ms to 3 members plus piggybacking on probes.',
    ['nodes', '50% aware', '99% aware', '100% aware', 'command'],
    rows,
  );
}

if (only.includes('detection')) {
  const rows = [];
  for (const nodes of [50, 100, 200, 500, 1000]) {
    progress(`detection ${nodes}`);
    const reports = seeds.map((seed) => run('crash', { nodes, seed }));
    const config = resolveScenarioConfig(buildScenario('crash', { nodes }));
    rows.push([
      nodes.toLocaleString('en-US'),
      s(median(reports.map((r) => r.detection.suspectMs))),
      s(median(reports.map((r) => r.detection.firstMs))),
      s(median(reports.map((r) => r.detection.allMs))),
      s(Math.max(...reports.map((r) => r.detection.allMs ?? Number.POSITIVE_INFINITY))),
      s(suspicionMinMs(config, nodes), 1),
      s(detectionBoundMs(config, nodes), 0),
      String(reports.reduce((sum, r) => sum + r.falsePositives, 0)),
      command('crash', { nodes }, seedText),
    ]);
  }
  table(
    `Crash detection versus N (median of ${seedCount} seeds)`,
    'First suspicion, first death declaration, and every live node declaring it dead, after the crash. ' +
      'Smin is Lifeguard\u2019s floor the dead declaration waits for; detect(N) is the bound the completeness property asserts.',
    [
      'nodes',
      'first suspicion',
      'first declared',
      'known by all',
      'worst seed, all',
      'Smin(N)',
      'detect(N)',
      'false positives',
      'command',
    ],
    rows,
  );
}

if (only.includes('load')) {
  const rows = [];
  for (const nodes of [50, 100, 200, 500, 1000]) {
    progress(`load ${nodes}`);
    const spec = buildScenario('large-cluster', { nodes, seed: 1 });
    const periodS = resolveScenarioConfig(spec).probeIntervalMs / 1000;
    const r = runScenario(spec).report;
    rows.push([
      nodes.toLocaleString('en-US'),
      r.messagesPerNodePerPeriod.toFixed(2),
      (r.protocolMessagesPerNodePerSecond * periodS).toFixed(2),
      r.packetBytesPerNodePerSecond.toFixed(0),
      r.syncBytesPerNodePerSecond.toFixed(0),
      r.syncsPerNodePerMinute.toFixed(2),
      String(r.packetBytesMax),
      command('large-cluster', { nodes }, '1'),
    ]);
  }
  table(
    'Load per node versus N (lan: one protocol period = 1 s)',
    'Packets are UDP datagrams plus stream frames; protocol messages count every ping, ack, alive, ... inside them. ' +
      'Measured from 5 s to 60 s, with one metadata update and one crash at 10 s.',
    [
      'nodes',
      'packets / node / period',
      'messages / node / period',
      'packet B / node / s',
      'sync B / node / s',
      'syncs / node / min',
      'largest packet',
      'command',
    ],
    rows,
  );
}

if (only.includes('accuracy')) {
  const rows = [];
  for (const lifeguard of [true, false]) {
    for (const loss of [0.01, 0.05, 0.1]) {
      progress(`accuracy ${loss} ${lifeguard}`);
      const reports = seeds.map((seed) => run('lossy', { nodes: 100, seed, loss, lifeguard }));
      const fp = reports.reduce((sum, r) => sum + r.falsePositives, 0);
      const fs = reports.reduce((sum, r) => sum + r.falseSuspicions, 0);
      const nodeMinutes = reports.reduce((sum, r) => sum + (r.nodes * r.virtualMs) / 60_000, 0);
      rows.push([
        `${loss * 100}%`,
        lifeguard ? 'on' : 'off',
        String(fp),
        ((fp / nodeMinutes) * 1000).toFixed(2),
        String(fs),
        ((fs / nodeMinutes) * 1000).toFixed(1),
        `${(median(reports.map((r) => r.falseSettledRate)) * 100).toFixed(3)}%`,
        command('lossy', { nodes: 100, loss, lifeguard }, seedText),
      ]);
    }
  }
  table(
    `False positives under loss (100 nodes, 120 s, ${seedCount} seeds each)`,
    'A false positive is a (member, incarnation) declared dead while the member runs undisturbed; a false suspicion likewise for suspect.',
    [
      'loss',
      'Lifeguard',
      'false positives',
      'per 1,000 node-min',
      'false suspicions',
      'per 1,000 node-min',
      'false-settled (median)',
      'command',
    ],
    rows,
  );
}

if (only.includes('slow')) {
  const rows = [];
  for (const lifeguard of [true, false]) {
    progress(`slow ${lifeguard}`);
    const reports = seeds.map((seed) => run('slow-node', { nodes: 100, seed, lifeguard }));
    const nodeMinutes = reports.reduce((sum, r) => sum + (r.nodes * r.virtualMs) / 60_000, 0);
    const fp = reports.reduce((sum, r) => sum + r.falsePositives, 0);
    const fs = reports.reduce((sum, r) => sum + r.falseSuspicions, 0);
    rows.push([
      lifeguard ? 'on' : 'off',
      String(fp),
      String(fs),
      ((fs / nodeMinutes) * 1000).toFixed(1),
      String(reports.reduce((sum, r) => sum + r.excusedDeaths, 0)),
      String(reports.reduce((sum, r) => sum + r.refutations, 0)),
      (median(reports.map((r) => r.messagesPerNodePerPeriod)) ?? 0).toFixed(2),
      command('slow-node', { nodes: 100, lifeguard }, seedText),
    ]);
  }
  table(
    `Slow nodes, Lifeguard on and off (100 nodes, 130 s, ${seedCount} seeds each)`,
    'One node in a hundred is overloaded (handles its input 0.5-1.5 s late for 10-20 s at a time) or stalls outright for 1-3 s, on and off. ' +
      'False positives and suspicions count accusations of healthy members; deaths of the slow node itself are "excused".',
    [
      'Lifeguard',
      'false positives',
      'false suspicions',
      'per 1,000 node-min',
      'slow node declared dead',
      'refutations',
      'packets / node / period',
      'command',
    ],
    rows,
  );
}

if (only.includes('lifecycle')) {
  const rows = [];
  for (const nodes of [50, 100, 200]) {
    progress(`join-storm ${nodes}`);
    const r = run('join-storm', { nodes, seed: 1 });
    rows.push([
      'join-storm',
      String(nodes),
      `every node knows every node at ${s(r.membershipCompleteMs)}; views agree (after the coordinated view delay) at ${s(r.convergedAtMs)}; joins spread over the first 1 s`,
      `${(r.falseSettledRate * 100).toFixed(4)}%`,
      command('join-storm', { nodes }, '1'),
    ]);
  }
  progress('leave');
  const leave = run('leave', { nodes: 100, seed: 1 });
  rows.push([
    'leave',
    '100',
    `left known by all ${s(leave.disseminationMs, 3)} after leave(); views agree ${s(leave.recoveryMs)} after`,
    `${(leave.falseSettledRate * 100).toFixed(4)}%`,
    command('leave', { nodes: 100 }, '1'),
  ]);
  for (const seed of seeds) {
    progress(`churn ${seed}`);
    const churn = run('churn', { nodes: 50, seed });
    rows.push([
      'churn',
      String(churn.nodes),
      `${churn.detection.crashes} crashes (all declared ${s(churn.detection.allMs)}), converged ${churn.converged}, recovery ${s(churn.recoveryMs)}`,
      `${(churn.falseSettledRate * 100).toFixed(4)}%`,
      command('churn', { nodes: 50 }, String(seed)),
    ]);
  }
  progress('partition-heal');
  const heal = run('partition-heal', { nodes: 50, seed: 1 });
  rows.push([
    'partition-heal',
    '50',
    `healed: every view holds all 50 again ${s(heal.recoveryMs)} after the partition ends; converged ${heal.converged}`,
    `${(heal.falseSettledRate * 100).toFixed(2)}% (both sides settle on their own view while cut)`,
    command('partition-heal', { nodes: 50 }, '1'),
  ]);
  table(
    'Joins, leaves, churn, partitions',
    'false-settled: the fraction of live node-time a node reported settled while another live node held a different view.',
    ['scenario', 'nodes', 'result', 'false-settled', 'command'],
    rows,
  );
}

if (only.includes('agreement')) {
  const P = 1000;
  const cases = [
    ['lossy-node', 50, 300 * P, '80% loss on one node, 300 s'],
    ['isolated-return', 50, 30_000, 'one node cut off 30 s'],
    ['isolated-return', 50, 60_000, 'one node cut off 60 s'],
    ['isolated-return', 50, 120_000, 'one node cut off 120 s'],
    ['flapping-link', 50, undefined, "one node's link 20 s down / 20 s up, 3 times"],
    ['long-partition', 8, 10_000, '4\\|4 split, 10 s'],
    ['long-partition', 8, 150_000, '4\\|4 split, 150 s (> tombstone retention)'],
    ['long-partition', 8, 3_600_000, '4\\|4 split, 1 h'],
    ['long-partition', 8, 21_600_000, '4\\|4 split, 6 h'],
    ['partition-join', 9, 10_000, 'a node joins one side halfway through a 4\\|4 split of 10 s (8 + 1)'],
    ['partition-join', 9, 150_000, 'the same, a 150 s split'],
    ['partition-join', 9, 3_600_000, 'the same, a 1 h split'],
    ['split-joins', 10, 10_000, 'a node joins each side halfway through a 4\\|4 split of 10 s (8 + 2)'],
    ['split-joins', 10, 150_000, 'the same, a 150 s split'],
    ['split-joins', 10, 3_600_000, 'the same, a 1 h split'],
    ['fast-restart', 8, undefined, 'restart after 0.5 s with 4 threads and new metadata'],
    ['pause', 16, undefined, 'one node frozen 40 s'],
    ['duplicate-id', 8, undefined, "a second process starts with a live member's id (7 members + 1)"],
  ];
  const rows = [];
  for (const [name, nodes, faultMs, what] of cases) {
    progress(`agreement ${name} ${faultMs ?? ''}`);
    const reports = seeds.map((seed) =>
      run(name, { nodes, seed, ...(faultMs === undefined ? {} : { faultMs }) }),
    );
    const healthy = reports.reduce((sum, r) => sum + r.falsePositives, 0);
    const excused = reports.reduce((sum, r) => sum + r.excusedDeaths, 0);
    const converged = reports.filter((r) => r.converged).length;
    const recoveries = reports.map((r) => r.recoveryMs).filter((v) => v !== null);
    const worst = recoveries.length === 0 ? null : Math.max(...recoveries);
    const falseSettled = median(reports.map((r) => r.falseSettledRate));
    let cmd = `meshnode simulate --scenario ${name} --nodes ${nodes} --seed ${seedText}`;
    if (faultMs !== undefined) cmd += ` --fault-ms ${faultMs}`;
    rows.push([
      what,
      String(nodes),
      String(healthy),
      String(excused),
      `${converged}/${reports.length}`,
      `${s(median(recoveries))} / ${s(worst)}`,
      `${((falseSettled ?? 0) * 100).toFixed(4)}%`,
      `\`${cmd}\``,
    ]);
  }
  table(
    'Agreement under faults',
    `Summed over seeds ${seedText}. Healthy deaths: a member declared dead by an observer while neither was disturbed (paused, slow, restarted, on a lossy link) nor separated from the other by a partition; excused deaths are the others. Recovery: from the end of the last fault until every live node holds one view of exactly the live nodes (median / worst). No run broke an invariant, including two settled nodes owning overlapping index ranges. False-settled is strict: node-time settled while any live node held another view, so a cut-off node that (rightly) keeps its old view, unsettled, counts against the majority that settled without it for the whole cut.`,
    [
      'fault',
      'nodes',
      'healthy deaths',
      'excused deaths',
      'converged',
      'recovery',
      'false-settled (median)',
      'command',
    ],
    rows,
  );
}

if (only.includes('user-events')) {
  // One seed per row: 10,000 nodes at 10% loss take minutes per run. Each run is cut
  // 5 s after the event (--duration 15000 on lan): every copy is spent by then, so the
  // share of live nodes that heard it is final, and the suspicions a lossy network keeps
  // raising (what makes large lossy runs slow) stop being simulated.
  const rows = [];
  // 10,000 nodes at 10% loss is left out: the simulator ran out of its 4 GB heap after
  // 30 minutes (every lost probe raises a suspicion that 10,000 cores gossip and hold).
  const cases = [
    [100, 0],
    [100, 0.1],
    [1000, 0],
    [1000, 0.1],
    [10_000, 0],
  ];
  for (const [nodes, loss] of cases) {
    {
      progress(`user event ${nodes} loss ${loss}`);
      const spec = buildScenario('user-event', { nodes, loss, seed: 1 });
      const config = resolveScenarioConfig(spec);
      const durationMs = 10 * config.probeIntervalMs + 5000;
      const r = runScenario({ ...spec, durationMs }).report;
      const e = r.userEvent;
      rows.push([
        nodes.toLocaleString('en-US'),
        `${loss * 100}%`,
        `${(e.deliveredShare * 100).toFixed(1)}% (${e.delivered.toLocaleString('en-US')} of ${e.liveNodes.toLocaleString('en-US')})`,
        s(e.p50Ms),
        s(e.p99Ms),
        e.allMs === null ? 'not all' : s(e.allMs),
        String(e.duplicates),
        e.copies.toLocaleString('en-US'),
        `${e.costBytes.toLocaleString('en-US')} B (${e.costBytesPerNode.toLocaleString('en-US')} B per node)`,
        command('user-event', { nodes, loss, durationMs }, '1'),
      ]);
    }
  }
  table(
    'Spread of one user event (64-byte payload)',
    'lan preset; one node calls broadcast() at 10 P in a formed cluster. Times are after the send. Cost: every copy of the event message sent, plus whole packets that carried nothing else (gossip rounds for the event alone). Duplicates: deliveries beyond the first on any node.',
    [
      'nodes',
      'loss',
      'live nodes that heard it',
      '50% heard',
      '99% heard',
      '100% heard',
      'duplicates',
      'copies sent',
      'bytes it cost',
      'command',
    ],
    rows,
  );
}
