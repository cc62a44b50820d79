// 7. One agent killed and restarted within a second, same id, 4 threads
// instead of 1: every host's view shows the new thread count within
// P + D(N) + view delay of the new agent answering (a join sync, the
// alive spreading, the coordinated view change).
import { sleep } from '../lab.mjs';
import { figure, withinMs } from './common.mjs';

export default {
  name: 'fast-restart',
  number: 7,
  title: 'restart of one agent with the same id and new threads within a second',
  preset: 'lan',
  presetReason:
    'the restart must beat failure detection; on local a peer probes the gone agent within about 0.3 s, so the suspicion, not the restart, would bring the new threads in',
  plan: (_b, hosts) => ({ host: hosts - 4, downMs: 100, threads: 4 }),
  async run(lab, b, plan) {
    await lab.form();
    const host = lab.hosts[plan.host];
    // The new agent's code is loaded before the old one dies, so the gap is
    // downMs, not Node's start-up: otherwise a peer often suspects the old
    // life during the gap, and the suspicion (not the restart) brings the
    // new thread count in.
    const next = await host.prepareWarmStart({ seeds: lab.seedsFor(host), threads: plan.threads });
    await host.kill9();
    await sleep(plan.downMs);
    const restartedAt = Date.now();
    next.go();
    const upMs = await lab.waitFor(
      () => host.latest(200)?.up === true && host.latest(200).life === host.life,
      10_000,
    );
    const upAt = Date.now();
    const hasNewThreads = () =>
      lab.hosts.every((h) => {
        const s = h.latest(400);
        return s?.up === true && s.view.some(([id, , threads]) => id === host.id && threads === plan.threads);
      });
    const bound = b.p + b.dissemination + b.view;
    const seen = await lab.waitFor(hasNewThreads, bound + 10_000);
    const views = lab.hosts.map((h) => {
      const entry = h.latest()?.view.find(([id]) => id === host.id);
      return `h${h.index}:${entry === undefined ? '-' : entry[2]}`;
    });
    if (seen === null) lab.notes.push(`threads of ${host.id} per host's view 10 s later: ${views.join(' ')}`);
    return {
      checks: [
        withinMs(
          'every view has the new thread count (from the new agent answering)',
          seen,
          bound,
          'P + D(N) + view delay',
        ),
      ],
      figures: [
        figure(
          'restarted agent answering after spawn',
          'ms',
          upMs === null ? null : upAt - restartedAt,
          () => null,
        ),
      ],
    };
  },
};
