// One meshnode run on real sockets, in the phases of the memberlist harness
// (../shared/reference/memberlist-bench/main.go), so the two can be compared
// column by column:
//   create  nodes 0..N-1 on 127.0.0.1, ephemeral ports
//   join    nodes 1..N-1 join through node 0, at most 32 joins in flight,
//           each retried up to 5 times; converged when every node has seen
//           all N alive (join/recover events, suspects still count, as with
//           memberlist's NotifyJoin/NotifyLeave view). Also: until every view
//           holds all N (indices usable) and until all report settled.
//   settle, then a steady window: UDP and TCP bytes sent, CPU, packets, and
//           the bytes of one periodic sync (TCP bytes over syncs started)
//   push-pull: 5 explicit full-state exchanges (a join to a member), bytes
//           both ways summed over all nodes, per exchange
//   kill    close() without leave of node N/2; per survivor, its fail event
//   settle, then leave of node N/2+1; per remaining node, its leave event
//   RSS before the remaining nodes stop
//   long-run bytes: UDP plus one periodic sync per scaled push-pull interval

import { pushPullIntervalMs } from '../../dist/core/formulas.js';
import { createNode, presets } from '../../dist/index.js';
import { busyBetween, cpuJiffies } from './machine.mjs';
import { spread } from './stats.mjs';

export const JOINS_IN_FLIGHT_MAX = 32;
const JOIN_TRIES_MAX = 5;
const JOIN_RETRY_STEP_MS = 50;
const PUSH_PULL_PROBES = 5;
const JOIN_WAIT_MS = 60_000;
const CRASH_WAIT_MS = 120_000;
const LEAVE_WAIT_MS = 60_000;
const POLL_MS = 5;

const now = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every few ms until true (resolves with the time) or `waitMs` passed (resolves undefined). */
async function until(check, waitMs) {
  const deadline = now() + waitMs;
  while (now() < deadline) {
    if (check()) return now();
    await sleep(POLL_MS);
  }
  return undefined;
}

/**
 * What each node has seen, from its events: the members it holds alive or
 * suspect (itself included), when it first held all N, and when it saw a
 * watched member fail or leave.
 */
function trackMembership(nodes, count) {
  const start = { atMs: undefined };
  const fullAtMs = new Array(nodes.length).fill(undefined);
  const viewsFullAtMs = new Array(nodes.length).fill(undefined);
  const goneAtMs = new Map();
  let unexpectedGone = 0;
  nodes.forEach((node, i) => {
    const live = new Set([node.id]);
    const arrived = (member) => {
      live.add(member.id);
      if (live.size === count && fullAtMs[i] === undefined && start.atMs !== undefined)
        fullAtMs[i] = now() - start.atMs;
    };
    const departed = (member) => {
      live.delete(member.id);
      const watched = goneAtMs.get(member.id);
      if (watched === undefined) unexpectedGone++;
      else if (watched.atMs[i] === undefined) watched.atMs[i] = now() - watched.startMs;
    };
    node.on('join', arrived);
    node.on('recover', arrived);
    node.on('fail', departed);
    node.on('leave', departed);
    node.on('rebalance', (indices) => {
      // One thread each: the total reaches N with the view; the member count confirms it.
      if (viewsFullAtMs[i] !== undefined || start.atMs === undefined || indices.total !== count) return;
      if (node.members().length === count) viewsFullAtMs[i] = now() - start.atMs;
    });
  });
  return {
    startJoin: () => {
      start.atMs = now();
    },
    fullAtMs,
    viewsFullAtMs,
    watch: (id) => {
      const watched = { startMs: now(), atMs: new Array(nodes.length).fill(undefined) };
      goneAtMs.set(id, watched);
      return watched;
    },
    unexpectedGone: () => unexpectedGone,
  };
}

async function joinWithRetries(node, seed) {
  for (let attempt = 0; attempt < JOIN_TRIES_MAX; attempt++) {
    if (attempt > 0) await sleep(JOIN_RETRY_STEP_MS * attempt);
    try {
      await node.join([seed], { retry: false });
      return { retries: attempt, failed: false };
    } catch {
      // Retried like the harness retries memberlist's Join.
    }
  }
  return { retries: JOIN_TRIES_MAX - 1, failed: true };
}

/** Runs `tasks` (functions returning promises) with at most `limit` in flight. */
async function inFlight(tasks, limit) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const at = next++;
      results[at] = await tasks[at]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function trafficTotals(nodes) {
  let udpBytes = 0;
  let udpPackets = 0;
  let tcpBytes = 0;
  let syncs = 0;
  for (const node of nodes) {
    const stats = node.stats();
    udpBytes += stats.bytesOut;
    udpPackets += stats.packetsOut;
    tcpBytes += stats.streamBytesOut;
    syncs += stats.syncs;
  }
  return { udpBytes, udpPackets, tcpBytes, syncs };
}

/** Drops by reason summed over the nodes (a refused or queued join shows here). */
function dropsOver(nodes) {
  const sum = {};
  for (const node of nodes) {
    for (const [reason, times] of Object.entries(node.stats().drops))
      sum[reason] = (sum[reason] ?? 0) + times;
  }
  return sum;
}

/** Whether `node`'s view still holds member `id` (the out-of-view times). */
const viewHolds = (node, id) => node.members().some((member) => member.id === id);

/**
 * `steadyHooks.start/end` (optional, awaited) run just outside the steady
 * window, for a profiler that should see that window only.
 */
export async function runMeshnode({ count, preset, settleMs, steadyMs, steadyHooks = {} }) {
  const nodes = [];
  const notes = [];
  try {
    for (let i = 0; i < count; i++) {
      const id = `n${String(i).padStart(4, '0')}`;
      nodes.push(
        await createNode({ key: 'bench', env: 'loopback', id, bind: { host: '127.0.0.1', port: 0 }, preset }),
      );
    }
    const tracker = trackMembership(nodes, count);
    // ---- join
    tracker.startJoin();
    const joinStart = now();
    const seed = nodes[0].address;
    const joins = await inFlight(
      nodes.slice(1).map((node) => () => joinWithRetries(node, seed)),
      JOINS_IN_FLIGHT_MAX,
    );
    const joinCallsDoneMs = now() - joinStart;
    const joinDrops = dropsOver(nodes);
    await until(() => tracker.fullAtMs.every((at) => at !== undefined), JOIN_WAIT_MS);
    const join = spread(tracker.fullAtMs);
    if (join.missing > 0)
      throw new Error(`join did not converge: ${join.missing} nodes never saw all ${count}`);
    const viewsAtMs = await until(() => tracker.viewsFullAtMs.every((at) => at !== undefined), JOIN_WAIT_MS);
    const views = spread(tracker.viewsFullAtMs);
    const settledAt = await until(() => {
      const viewId = nodes[0].indices().viewId;
      return nodes.every((node) => {
        const indices = node.indices();
        return indices.settled && indices.viewId === viewId;
      });
    }, JOIN_WAIT_MS);
    if (viewsAtMs === undefined) notes.push('views never all held every node');
    if (settledAt === undefined) notes.push('the nodes never all reported settled');
    const notAllAlive = nodes.filter((node) =>
      nodes.some((other) => node.member(other.id)?.state !== 'alive'),
    ).length;
    if (notAllAlive > 0) notes.push(`after join: ${notAllAlive} nodes do not hold every member alive`);

    // ---- settle + steady window
    await sleep(settleMs);
    await steadyHooks.start?.();
    const trafficBefore = trafficTotals(nodes);
    const machineBefore = cpuJiffies();
    const cpuBefore = process.cpuUsage();
    const steadyStart = now();
    await sleep(steadyMs);
    const windowS = (now() - steadyStart) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const machineBusySteady = busyBetween(machineBefore, cpuJiffies());
    const trafficAfter = trafficTotals(nodes);
    await steadyHooks.end?.();
    const perNodeSecond = (total) => total / count / windowS;

    // ---- push-pull size: each probe is one full state exchange, as the harness's Join(member)
    const tcpBeforeProbes = trafficTotals(nodes).tcpBytes;
    for (let probe = 0; probe < PUSH_PULL_PROBES; probe++) {
      const from = (1 + probe * 7) % count;
      let to = (from + Math.floor(count / 3) + 1) % count;
      if (to === from) to = (from + 1) % count;
      try {
        await nodes[from].join([nodes[to].address], { retry: false });
      } catch (error) {
        notes.push(`push-pull probe: ${error.message}`);
      }
    }
    const pushPullExchangeBytes = (trafficTotals(nodes).tcpBytes - tcpBeforeProbes) / PUSH_PULL_PROBES;
    const syncIntervalMs = pushPullIntervalMs(presets[preset].pushPullIntervalMs, count);
    await sleep(1000);

    // ---- kill without leave
    const victimIndex = Math.floor(count / 2);
    const victim = nodes[victimIndex];
    const survivors = nodes.filter((node) => node !== victim);
    const crashWatch = tracker.watch(victim.id);
    await victim.close();
    await until(
      () => nodes.every((_, i) => i === victimIndex || crashWatch.atMs[i] !== undefined),
      CRASH_WAIT_MS,
    );
    const crash = spread(crashWatch.atMs.filter((_, i) => i !== victimIndex));
    const crashOutAt = await until(
      () => survivors.every((node) => !viewHolds(node, victim.id)),
      CRASH_WAIT_MS,
    );
    if (crash.missing > 0) notes.push(`crash: ${crash.missing} survivors never saw the failure`);

    // ---- settle, then leave
    await sleep(settleMs);
    let leaverIndex = (victimIndex + 1) % count;
    if (leaverIndex === 0) leaverIndex = 1;
    const leaver = nodes[leaverIndex];
    const rest = survivors.filter((node) => node !== leaver);
    const leaveWatch = tracker.watch(leaver.id);
    const leaveStart = now();
    await leaver.leave();
    const leaveCallMs = now() - leaveStart;
    const excluded = (i) => i === victimIndex || i === leaverIndex;
    await until(() => nodes.every((_, i) => excluded(i) || leaveWatch.atMs[i] !== undefined), LEAVE_WAIT_MS);
    const leave = spread(leaveWatch.atMs.filter((_, i) => !excluded(i)));
    const leaveOutAt = await until(() => rest.every((node) => !viewHolds(node, leaver.id)), LEAVE_WAIT_MS);
    if (leave.missing > 0) notes.push(`leave: ${leave.missing} nodes never saw the leave`);
    const memory = process.memoryUsage();
    const rssMiB = memory.rss / 1048576;

    const udpBytesPerNodePerS = perNodeSecond(trafficAfter.udpBytes - trafficBefore.udpBytes);
    // What one periodic sync costs here (a digest, and rows where tables differ), from the
    // syncs the steady window saw: both directions, since every node counts what it sent.
    const windowSyncs = trafficAfter.syncs - trafficBefore.syncs;
    const periodicSyncBytes =
      windowSyncs > 0 ? (trafficAfter.tcpBytes - trafficBefore.tcpBytes) / windowSyncs : undefined;
    if (windowSyncs === 0) notes.push('no sync in the steady window: long-run bytes use the full exchange');
    return {
      tool: 'meshnode',
      nodes: count,
      preset,
      joinCallsDoneMs,
      joinRetries: joins.reduce((sum, outcome) => sum + outcome.retries, 0),
      joinFailures: joins.filter((outcome) => outcome.failed).length,
      joinDrops,
      joinFirstMs: join.firstMs,
      joinMedianMs: join.medianMs,
      joinKnownMs: join.maxMs,
      joinViewsMs: views.maxMs,
      joinSettledMs: settledAt === undefined ? undefined : settledAt - joinStart,
      steadyWindowS: windowS,
      udpBytesPerNodePerS,
      udpPacketsPerNodePerS: perNodeSecond(trafficAfter.udpPackets - trafficBefore.udpPackets),
      tcpBytesPerNodePerS: perNodeSecond(trafficAfter.tcpBytes - trafficBefore.tcpBytes),
      cpuSecondsPerNodeSecond: (cpu.user + cpu.system) / 1e6 / count / windowS,
      // The kernel's part (sendmsg, recvmsg, epoll): what fewer packets and timers would save.
      cpuSystemShare: cpu.system / Math.max(1, cpu.user + cpu.system),
      // Whole machine, all cores: above ~0.5 on two cores, other processes were competing.
      machineBusySteady,
      pushPullExchangeBytes,
      pushPullIntervalMs: syncIntervalMs,
      windowSyncs,
      periodicSyncBytes,
      // Every node starts one periodic sync per scaled interval. memberlist's periodic sync is
      // the full exchange above; ours opens with a digest, so it is priced as the window saw it.
      longRunBytesPerNodePerS:
        udpBytesPerNodePerS + (periodicSyncBytes ?? pushPullExchangeBytes) / (syncIntervalMs / 1000),
      // The old definition (a full exchange per interval), kept for comparison with earlier runs.
      longRunFullExchangeBytesPerNodePerS:
        udpBytesPerNodePerS + pushPullExchangeBytes / (syncIntervalMs / 1000),
      crashFirstMs: crash.firstMs,
      crashMedianMs: crash.medianMs,
      crashP90Ms: crash.p90Ms,
      crashAllMs: crash.missing > 0 ? undefined : crash.maxMs,
      crashOutOfViewsMs: crashOutAt === undefined ? undefined : crashOutAt - crashWatch.startMs,
      leaveCallMs,
      leaveMedianMs: leave.medianMs,
      leaveAllMs: leave.missing > 0 ? undefined : leave.maxMs,
      leaveOutOfViewsMs: leaveOutAt === undefined ? undefined : leaveOutAt - leaveWatch.startMs,
      rssMiB,
      // Where the RSS is: V8's heap (committed, and in use), and memory outside it
      // (Buffers, sockets) that V8 is told about; the rest is native (malloc, code).
      heapTotalMiB: memory.heapTotal / 1048576,
      heapUsedMiB: memory.heapUsed / 1048576,
      externalMiB: memory.external / 1048576,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      unexpectedFailures: tracker.unexpectedGone(),
      notes,
    };
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
  }
}
