// 5. A 4|4 partition that outlasts the tombstone retention of the preset
// (both sides declare the other dead, then reap the tombstones), then
// healed: one cluster again within heal(N). The cut lasts at least
// Smax + D + retention + 5 P, and until no host remembers a tombstone of the
// other side (reaping runs on its own schedule), so that nothing but the
// protocol's reconnect logic can bring the halves together.
import { cut } from '../faults.mjs';
import { sleep } from '../lab.mjs';
import { atMost, figure, withinMs } from './common.mjs';

export default {
  name: 'long-partition',
  number: 5,
  title: 'a half|half partition longer than the tombstone retention, then healed',
  model: 'long-partition',
  plan: (b, hosts) => {
    const half = hosts >> 1;
    const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);
    // Long enough for a death to be declared (Smax + D) and its tombstone reaped, with 5 P to spare.
    const durationMs = b.smax + b.dissemination + b.config.tombstoneRetentionMs + 5 * b.p;
    return { groupA: range(0, half), groupB: range(half, hosts), durationMs };
  },
  timeoutMs: 300_000,
  async run(lab, b, plan) {
    await lab.form();
    const sideA = plan.groupA.map((i) => lab.hosts[i]);
    const sideB = plan.groupB.map((i) => lab.hosts[i]);
    const startedAt = Date.now();
    lab.faults.set(
      'partition',
      cut(
        sideA.map((h) => h.address),
        sideB.map((h) => h.address),
      ),
    );
    // Each side comes to hold its own view; an even split leaves neither a
    // majority, so neither may report settled (their indices would overlap).
    const splitMs = await lab.waitFor(
      () => lab.agreed({ hosts: sideA, settled: false }) && lab.agreed({ hosts: sideB, settled: false }),
      plan.durationMs,
    );
    let settledDuringCut = 0;
    while (Date.now() < startedAt + plan.durationMs) {
      if (lab.hosts.some((h) => h.latest(400)?.settled === true)) settledDuringCut++;
      await sleep(100);
    }
    const reaped = await lab.waitFor(
      () => lab.hosts.every((h) => h.latest(400)?.up === true && h.latest(400).departed.length === 0),
      b.config.tombstoneRetentionMs,
    );
    if (reaped === null) lab.notes.push('tombstones still remembered when the cut ended');
    lab.faults.clear('partition');
    const healedAt = Date.now();
    // The simulator replays the cut as long as it lasted here.
    plan.durationMs = healedAt - startedAt;
    lab.notes.push(`cut lasted ${(plan.durationMs / 1000).toFixed(1)} s`);
    const agreed = await lab.waitFor(() => lab.agreed(), b.heal + 5000);
    const views = lab.hosts.map((h) => h.latest()?.viewId ?? 'down');
    if (agreed === null)
      lab.notes.push(`views after the heal: ${[...new Set(views)].length} distinct (${views.join(' ')})`);
    return {
      checks: [
        withinMs('each side on its own view during the cut', splitMs, plan.durationMs),
        atMost('samples with a settled host during the even split', settledDuringCut, 0),
        withinMs('one cluster again after the heal', agreed, b.heal, 'heal(N)'),
      ],
      figures: [
        figure('one view after the heal', 'ms', agreed, (r) => r.report.recoveryMs),
        figure(
          'death declarations during the cut (distinct)',
          'count',
          deathCount(lab, startedAt, healedAt),
          (r) => r.counter.distinctDeaths(),
        ),
      ],
    };
  },
};

function deathCount(lab, fromMs, toMs) {
  const keys = new Set();
  for (const e of lab.events((e) => e.event === 'fail' && e.ts >= fromMs && e.ts <= toMs)) {
    keys.add(`${e.id}:${e.incarnation}`);
  }
  return keys.size;
}
