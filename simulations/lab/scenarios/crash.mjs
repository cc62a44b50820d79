// 1. One host killed with -9: every survivor emits fail and rebalance within
// the bound, and the survivors settle on one view.
import { sleep } from '../lab.mjs';
import { figure, firstDelays, withinMs } from './common.mjs';

export default {
  name: 'crash',
  number: 1,
  title: 'one of the hosts killed with -9',
  model: 'crash',
  plan: () => ({}),
  async run(lab, b) {
    await lab.form();
    await sleep(10 * b.p);
    const victim = lab.hosts[lab.hosts.length - 3];
    const survivors = lab.hosts.filter((h) => h !== victim);
    const killedAt = Date.now();
    await victim.kill9();
    const agreed = await lab.waitFor(() => lab.agreed({ hosts: survivors }), b.agree + 5000);
    const agreedMs = agreed === null ? null : Date.now() - killedAt;
    const about = (e) => e.id === victim.id;
    const fails = firstDelays(survivors, killedAt, (e) => e.event === 'fail' && about(e));
    const suspects = firstDelays(survivors, killedAt, (e) => e.event === 'suspect' && about(e));
    const newTotal = survivors.reduce((sum, h) => sum + h.threads, 0);
    const rebalances = firstDelays(
      survivors,
      killedAt,
      (e) => e.event === 'rebalance' && e.total === newTotal,
    );
    const worst = (values) => (values.includes(null) ? null : Math.max(...values));
    const known = fails.filter((v) => v !== null).sort((x, y) => x - y);
    const median = known.length === 0 ? null : known[known.length >> 1];
    const suspected = suspects.filter((v) => v !== null);
    return {
      checks: [
        withinMs(
          `every survivor emits fail (${known.length}/${survivors.length})`,
          worst(fails),
          b.detect,
          'detect(N)',
        ),
        withinMs(
          'every survivor emits rebalance to the smaller total',
          worst(rebalances),
          b.rebalance,
          'detect(N) + view delay',
        ),
        withinMs('survivors settled on one view', agreedMs, b.agree, 'agree(N)'),
      ],
      figures: [
        figure(
          'first suspicion',
          'ms',
          suspected.length ? Math.min(...suspected) : null,
          (r) => r.report.detection.suspectMs,
        ),
        figure('first declared dead', 'ms', known[0] ?? null, (r) => r.report.detection.firstMs),
        figure('median declared dead', 'ms', median, (r) => r.report.detection.medianMs),
        figure('known dead by all', 'ms', worst(fails), (r) => r.report.detection.allMs),
        figure(
          'dissemination of the death',
          'ms',
          known.length ? known.at(-1) - known[0] : null,
          (r) => r.report.disseminationMs,
        ),
      ],
    };
  },
};
