// 8. A rolling restart of every host, one at a time (graceful stop, start
// with the same id at once, wait for one settled view): sampling every host's
// /v1/status every 100 ms, no two hosts that both report settled ever hold
// overlapping index ranges.
import { settledCollisions } from '../views.mjs';
import { atMost, withinMs } from './common.mjs';

export default {
  name: 'rolling-restart',
  number: 8,
  title: 'a rolling restart of every host, one at a time',
  plan: () => ({}),
  timeoutMs: 300_000,
  async run(lab, b) {
    await lab.form();
    const startedAt = Date.now();
    const settleTimes = [];
    for (const host of lab.hosts) {
      // Loaded before the stop, the new agent starts within milliseconds of
      // the old one's exit: inside the view delay, the hard case for settle.
      const next = await host.prepareWarmStart({ seeds: lab.seedsFor(host) });
      await host.stop();
      next.go();
      const up = await lab.waitFor(
        () => host.latest(200)?.up === true && host.latest(200).life === host.life,
        10_000,
      );
      const upAt = Date.now();
      const agreed = up === null ? null : await lab.waitFor(() => lab.agreed(), b.agree + 5000);
      settleTimes.push(agreed === null ? null : Date.now() - upAt);
    }
    const samples = lab.hosts.map((h) => h.samples.filter((s) => s.t >= startedAt));
    const collisions = settledCollisions(samples, { stepMs: 100, maxAgeMs: 150 });
    if (collisions.length > 0) {
      const c = collisions[0];
      lab.notes.push(
        `first collision ${c.t - startedAt} ms into the rolling restart: ${c.ranges.join(' vs ')}`,
      );
    }
    const worst = settleTimes.includes(null) ? null : Math.max(...settleTimes);
    lab.notes.push(
      `re-settle after each restart: ${settleTimes.map((ms) => (ms === null ? 'never' : `${ms} ms`)).join(', ')}`,
    );
    return {
      checks: [
        atMost('instants (100 ms grid) with two settled hosts on overlapping indices', collisions.length, 0),
        withinMs(
          'slowest re-settle after one restart (from the new agent answering)',
          worst,
          b.agree,
          'agree(N)',
        ),
      ],
      figures: [],
    };
  },
};
