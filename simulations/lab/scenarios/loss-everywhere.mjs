// 2. 10% loss on every link for 120 probe periods (2 minutes on lan): no
// live host is declared dead; suspicions and refutations are counted.
import { lossEverywhere } from '../faults.mjs';
import { sleep } from '../lab.mjs';
import { atMost, distinct, figure, sumTotals, withinMs } from './common.mjs';

export default {
  name: 'loss-everywhere',
  number: 2,
  title: '10% loss on every link for 120 P',
  model: 'loss-everywhere',
  plan: (b) => ({ percent: 10, durationMs: 120 * b.p }),
  async run(lab, b, plan) {
    await lab.form();
    const before = sumTotals(lab);
    const startedAt = Date.now();
    lab.faults.set('loss-everywhere', lossEverywhere(plan.percent));
    await sleep(plan.durationMs);
    lab.faults.clear('loss-everywhere');
    const endedAt = Date.now();
    const agreed = await lab.waitFor(() => lab.agreed(), b.agree + 5000);
    // One more counter sample after the end.
    await sleep(1100);
    const after = sumTotals(lab);
    const deaths = distinct(lab, 'fail', startedAt, Date.now());
    const suspicions = distinct(lab, 'suspect', startedAt, Date.now());
    const refutations = after.refutations - before.refutations;
    return {
      checks: [
        atMost('live hosts declared dead (distinct member, incarnation)', deaths, 0),
        withinMs('one settled view after the loss ends', agreed, b.agree, 'agree(N)'),
      ],
      figures: [
        figure(
          'suspicions (distinct member, incarnation)',
          'count',
          suspicions,
          (r) => r.counter.suspicions.size,
        ),
        figure('refutations', 'count', refutations, (r) => r.counter.refutations),
        figure('deaths of live hosts', 'count', deaths, (r) => r.counter.distinctDeaths()),
      ],
      notes: [`loss window ${((endedAt - startedAt) / 1000).toFixed(1)} s`],
    };
  },
};
