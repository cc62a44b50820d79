// 6. One agent stopped with SIGSTOP (a long GC pause), then continued: every
// other host declares it failed, it rejoins, and once it resumes it never
// reports settled on a view the rest of the cluster does not hold. The stop
// outlasts the suspicion (Smax + D) and also gossipToTheDeadMs, after which
// nobody tells the dead node that it is dead any more: the case where a
// resumed node can only find out by itself.
import { sleep } from '../lab.mjs';
import { settledCollisions, staleSettled } from '../views.mjs';
import { atMost, firstDelays, withinMs } from './common.mjs';

export default {
  name: 'pause',
  number: 6,
  title: 'one agent stopped (SIGSTOP) longer than the suspicion timeout, then continued',
  plan: (b, hosts) => ({
    host: hosts - 2,
    durationMs: b.smax + b.dissemination + b.config.gossipToTheDeadMs + 5 * b.p,
  }),
  async run(lab, b, plan) {
    await lab.form();
    const paused = lab.hosts[plan.host];
    const others = lab.hosts.filter((h) => h !== paused);
    const stoppedAt = Date.now();
    paused.signal('SIGSTOP');
    try {
      await sleep(plan.durationMs);
    } finally {
      paused.signal('SIGCONT');
    }
    const resumedAt = Date.now();
    const fails = firstDelays(others, stoppedAt, (e) => e.event === 'fail' && e.id === paused.id);
    const declared = fails.filter((v) => v !== null && v <= resumedAt - stoppedAt);
    const agreed = await lab.waitFor(() => lab.agreed(), b.agree + 5000);
    await sleep(500);
    const otherSamples = others.flatMap((h) => h.samples);
    const stale = staleSettled(paused.samples, otherSamples, resumedAt);
    const staleMs = stale.length === 0 ? 0 : stale.at(-1).t - stale[0].t + 100;
    if (stale.length > 0) {
      lab.notes.push(
        `${paused.id} reported settled on view ${stale[0].viewId} (index ${stale[0].index} of ${stale[0].total}) ` +
          `${stale[0].t - resumedAt} ms after it resumed, while the others held another view`,
      );
    }
    const collisions = settledCollisions(
      lab.hosts.map((h) => h.samples.filter((s) => s.t >= resumedAt)),
      { stepMs: 100, maxAgeMs: 150 },
    );
    if (collisions.length > 0)
      lab.notes.push(`first index collision after SIGCONT: ${collisions[0].ranges.join(' vs ')}`);
    return {
      checks: [
        atMost(
          `hosts that did not declare it failed during the stop (of ${others.length})`,
          others.length - declared.length,
          0,
        ),
        withinMs('one settled view with it again after SIGCONT', agreed, b.agree, 'agree(N)'),
        atMost('samples (every 100 ms) settled on a stale view after SIGCONT', stale.length, 0),
        atMost('instants with two settled hosts on overlapping indices after SIGCONT', collisions.length, 0),
      ],
      figures: [],
      notes: [`stale-settled span ${staleMs} ms`],
    };
  },
};
