/**
 * What `settled` promises, checked against the simulator's own knowledge:
 * a settled node's view is the live truth. The truth, as one observer may
 * know it: every running node in its own view, with the threads of its
 * current life, except those the observer cannot be expected to see (a node
 * disturbed recently, or separated from it by a partition: metrics.excused).
 * A settled, unpaused, undisturbed node whose view differs from that truth
 * for longer than `toleranceMs` (the time a crash takes to be detected
 * everywhere, plus a view delay and the settle quiet period) fails the run:
 * in particular two halves of a healed partition that stay apart, or a
 * resumed node that vouches for a view the cluster left behind.
 *
 * The check reads every node's view, O(N^2) per round: small clusters only.
 */
import type { Metrics } from './metrics.js';
import type { Simulation } from './simulation.js';

export class ViewTruthChecker {
  /** Per observer: since when its settled view has differed from the truth (NaN: it does not). */
  private readonly differsSince: Float64Array;

  constructor(
    private readonly sim: Simulation,
    private readonly metrics: Metrics,
    private readonly toleranceMs: number,
    checkEveryMs: number,
  ) {
    this.differsSince = new Float64Array(sim.slots.length).fill(Number.NaN);
    sim.every(checkEveryMs, () => {
      this.check();
      return true;
    });
  }

  private check(): void {
    const { sim } = this;
    const now = sim.now;
    const inOwnView = new Map<string, number>();
    for (const slot of sim.slots) {
      if (slot.status !== 'running' || slot.core === undefined) continue;
      const own = slot.core.view().members.find((member) => member.id === slot.id);
      if (own !== undefined) inOwnView.set(slot.id, slot.index);
    }
    for (const observer of sim.slots) {
      const core = observer.core;
      const watched =
        observer.status === 'running' &&
        core !== undefined &&
        core.settled &&
        !observer.paused &&
        !this.metrics.disturbed(observer.index, now);
      const problem = watched ? this.difference(observer.index, inOwnView, now) : undefined;
      if (problem === undefined) {
        this.differsSince[observer.index] = Number.NaN;
        continue;
      }
      const since = this.differsSince[observer.index] as number;
      if (Number.isNaN(since)) {
        this.differsSince[observer.index] = now;
      } else if (now - since > this.toleranceMs) {
        sim.fail(
          `${observer.id} has been settled since ${since.toFixed(0)} ms with a view that is not the live truth: ${problem}`,
        );
      }
    }
  }

  /** How the settled view of `observer` differs from the truth it can know, or undefined. */
  private difference(
    observer: number,
    inOwnView: ReadonlyMap<string, number>,
    now: number,
  ): string | undefined {
    const { sim, metrics } = this;
    const view = sim.slot(observer).core?.view();
    if (view === undefined) return undefined;
    const seen = new Set<string>();
    for (const member of view.members) {
      seen.add(member.id);
      const subject = inOwnView.get(member.id);
      if (subject === undefined) return `it holds ${member.id}, which is not running in its own view`;
      const threads = sim.slot(subject).threads;
      if (member.threads !== threads)
        return `it holds ${member.id} with ${member.threads} threads, not ${threads}`;
    }
    for (const [id, subject] of inOwnView) {
      if (seen.has(id) || metrics.excused(observer, subject, now)) continue;
      return `it lacks ${id}, running and reachable`;
    }
    return undefined;
  }
}
