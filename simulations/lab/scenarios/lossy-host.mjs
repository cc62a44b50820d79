// 3. One host at 80% loss (both directions) for 180 probe periods (3 minutes
// on lan), the Rapid paper's case: no healthy host is evicted, the views
// agree afterwards, and the lossy host goes in and out of the view at most
// once per suspicion cycle: a death needs a suspicion that runs its course,
// at least Smax(N) when nobody confirms it, plus D(N) to spread, so over T
// the flaps stay under floor(T / (Smax(N) + D(N))). An eviction is a healthy
// host declared dead by a healthy host: the lossy host's own verdicts on the
// others reach nobody else as more than a suspicion, so they are counted, and
// printed, apart.
import { lossAtHost } from '../faults.mjs';
import { sleep } from '../lab.mjs';
import { atMost, distinct, figure, withinMs } from './common.mjs';

export default {
  name: 'lossy-host',
  number: 3,
  title: 'one host at 80% loss for 180 P',
  model: 'lossy-host',
  plan: (b, hosts) => ({ host: hosts - 1, percent: 80, durationMs: 180 * b.p }),
  async run(lab, b, plan) {
    await lab.form();
    const lossy = lab.hosts[plan.host];
    const startedAt = Date.now();
    lab.faults.set('lossy-host', lossAtHost(lossy.address, plan.percent));
    await sleep(plan.durationMs);
    lab.faults.clear('lossy-host');
    const agreed = await lab.waitFor(() => lab.agreed(), b.agree + 5000);
    const now = Date.now();
    const healthyDeaths = distinctBy(
      lab.hosts.filter((h) => h !== lossy),
      startedAt,
      now,
      (id) => id !== lossy.id,
    );
    const ownVerdicts = distinctBy([lossy], startedAt, now, (id) => id !== lossy.id);
    const flaps = distinct(lab, 'fail', startedAt, now, (id) => id === lossy.id);
    const flapBound = Math.floor(plan.durationMs / (b.smax + b.dissemination));
    const suspicions = distinct(lab, 'suspect', startedAt, now);
    const healthy = (r) =>
      r.counter.distinctDeaths((d) => d.subject !== plan.host && d.observer !== plan.host);
    const ownInModel = (r) =>
      r.counter.distinctDeaths((d) => d.subject !== plan.host && d.observer === plan.host);
    const lossyDeaths = (r) => r.counter.distinctDeaths((d) => d.subject === plan.host);
    return {
      checks: [
        atMost('healthy hosts evicted (declared dead by a healthy host)', healthyDeaths, 0),
        atMost(`lossy host's in/out flaps (deaths)`, flaps, flapBound, 'T / (Smax + D)'),
        withinMs('one settled view after the loss ends', agreed, b.agree, 'agree(N)'),
      ],
      figures: [
        figure('deaths of healthy hosts', 'count', healthyDeaths, healthy),
        figure('healthy hosts the lossy host itself declared dead', 'count', ownVerdicts, ownInModel),
        figure('deaths of the lossy host (flaps)', 'count', flaps, lossyDeaths),
        figure(
          'suspicions (distinct member, incarnation)',
          'count',
          suspicions,
          (r) => r.counter.suspicions.size,
        ),
      ],
    };
  },
};

/** Distinct (member, incarnation) declared dead in the events of `hosts`. */
function distinctBy(hosts, sinceMs, untilMs, about) {
  const keys = new Set();
  for (const host of hosts) {
    for (const e of host.events) {
      if (e.event === 'fail' && e.ts >= sinceMs && e.ts <= untilMs && about(e.id))
        keys.add(`${e.id}:${e.incarnation}`);
    }
  }
  return keys.size;
}
