// 4. The link between two hosts flaps 20 P down / 20 P up (20 s / 20 s on
// lan) for 120 P: both ends still reach each other through the others'
// indirect probes, so nobody is evicted, and one view holds within agree(N)
// of the last down period ending.
import { cut } from '../faults.mjs';
import { sleep } from '../lab.mjs';
import { atMost, distinct, figure, withinMs } from './common.mjs';

export default {
  name: 'flapping-link',
  number: 4,
  title: 'one link flapping 20 P down / 20 P up for 120 P',
  model: 'flapping-link',
  plan: (b) => {
    const phaseMs = 20 * b.p;
    const downs = [0, 2, 4].map((k) => [k * phaseMs, (k + 1) * phaseMs]);
    return { a: 1, b: 2, downs, durationMs: 6 * phaseMs };
  },
  async run(lab, b, plan) {
    await lab.form();
    const [x, y] = [lab.hosts[plan.a], lab.hosts[plan.b]];
    const startedAt = Date.now();
    let lastUpAt = startedAt;
    for (const [fromMs, toMs] of plan.downs) {
      await sleep(Math.max(0, startedAt + fromMs - Date.now()));
      lab.faults.set('flapping-link', cut([x.address], [y.address]));
      await sleep(Math.max(0, startedAt + toMs - Date.now()));
      lab.faults.clear('flapping-link');
      lastUpAt = Date.now();
    }
    const agreed = await lab.waitFor(() => lab.agreed(), b.agree + 5000);
    const agreedMs = agreed === null ? null : Date.now() - lastUpAt;
    await sleep(Math.max(0, startedAt + plan.durationMs - Date.now()));
    const deaths = distinct(lab, 'fail', startedAt, Date.now());
    const suspicions = distinct(lab, 'suspect', startedAt, Date.now());
    return {
      checks: [
        atMost('healthy hosts declared dead', deaths, 0),
        withinMs('one settled view after the last down period', agreedMs, b.agree, 'agree(N)'),
      ],
      figures: [
        figure('deaths of healthy hosts', 'count', deaths, (r) => r.counter.distinctDeaths()),
        figure(
          'suspicions (distinct member, incarnation)',
          'count',
          suspicions,
          (r) => r.counter.suspicions.size,
        ),
        figure('one view after the last down period', 'ms', agreedMs, (r) => r.report.recoveryMs),
      ],
    };
  },
};
