/**
 * The promise users divide work by: two nodes that both report settled never
 * own overlapping thread-index ranges for longer than one network latency.
 * The checker follows each live node's own range in its own view and its
 * settled flag; when two settled, unpaused nodes overlap, it looks again
 * `toleranceMs` later and fails the run if they still do. A paused node is
 * left out while it is frozen (it cannot act on its claim); the moment it
 * resumes, its claim counts again, so a node that resumes settled with a
 * stale index is caught.
 */
import type { CoreEvent } from '../core/host.js';
import type { LifecycleChange, SimListener, Simulation } from './simulation.js';

interface Claim {
  index: number;
  threads: number;
  settled: boolean;
}

export class IndexOverlapChecker implements SimListener {
  /** Overlaps that started and were still there after the tolerance. */
  violations = 0;
  private readonly claims = new Map<number, Claim>();

  constructor(
    private readonly sim: Simulation,
    /** How long an overlap may last: the time a change takes to reach every node, in virtual ms. */
    private readonly toleranceMs: number,
  ) {}

  lifecycle(slot: number, change: LifecycleChange): void {
    if (slot < 0) return;
    if (change === 'crash' || change === 'left' || change === 'leave') this.claims.delete(slot);
    else if (change === 'start' || change === 'resume') this.refresh(slot);
  }

  coreEvent(slot: number, event: CoreEvent): void {
    if (event.type === 'view' || event.type === 'settled') this.refresh(slot);
  }

  private refresh(slot: number): void {
    const node = this.sim.slot(slot);
    const core = node.core;
    if (core === undefined || !node.live) {
      this.claims.delete(slot);
      return;
    }
    const own = core.view().members.find((member) => member.id === node.id);
    if (own === undefined) {
      this.claims.delete(slot);
      return;
    }
    this.claims.set(slot, { index: own.index, threads: own.threads, settled: core.settled });
    if (core.settled) this.checkAgainstOthers(slot);
  }

  private checkAgainstOthers(slot: number): void {
    for (const other of this.overlapping(slot)) {
      const now = this.sim.now;
      this.sim.at(now + this.toleranceMs, () => {
        if (!this.overlapping(slot).includes(other)) return;
        this.violations++;
        const a = this.describe(slot);
        const b = this.describe(other);
        this.sim.fail(
          `two settled nodes own overlapping index ranges since ${now.toFixed(1)} ms: ${a} and ${b}`,
        );
      });
    }
  }

  /** Settled, unpaused nodes whose range overlaps that of `slot` (itself settled and unpaused). */
  private overlapping(slot: number): number[] {
    const mine = this.claims.get(slot);
    if (mine === undefined || !mine.settled || this.sim.slot(slot).paused) return [];
    const found: number[] = [];
    for (const [other, claim] of this.claims) {
      if (other === slot || !claim.settled || this.sim.slot(other).paused) continue;
      const disjoint = claim.index + claim.threads <= mine.index || mine.index + mine.threads <= claim.index;
      if (!disjoint) found.push(other);
    }
    return found;
  }

  private describe(slot: number): string {
    const claim = this.claims.get(slot);
    const id = this.sim.slot(slot).id;
    if (claim === undefined) return id;
    return `${id} [${claim.index}, ${claim.index + claim.threads})`;
  }
}
