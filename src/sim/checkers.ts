/**
 * Invariants asserted while a run goes (TigerBeetle style): the first broken
 * one stops the run with a SimulationError that names the seed and scenario.
 *
 * On every event:
 *  - no packet exceeds packetBytesMax, none is empty;
 *  - SWIM precedence per (observer, member): once an observer holds a member
 *    dead or left at incarnation i, it never shows it alive or suspect at an
 *    incarnation <= i again until the tombstone is reaped ("a left member
 *    never comes back at its old incarnation");
 *  - with full pair tracking (small clusters), an observer never sees a
 *    member's incarnation go down;
 *  - a view is sorted by id in UTF-8 byte order, its indices are the prefix
 *    sums of the thread counts and tile [0, total).
 * Every `deepCheckMs` (on a sample of nodes when the cluster is large):
 *  - a running node holds itself alive, its own incarnation never decreases
 *    within a life, and its reported view and settled flag match its events;
 *  - the member table stays within membersMax, the broadcast queue within
 *    members + 16, and no tombstone outlives tombstoneRetentionMs + slack;
 *  - the simulator's event queue stays bounded (no timer storm).
 */
import type { ProtocolConfig } from '../core/config.js';
import type { Channel, CoreEvent } from '../core/host.js';
import type { Message } from '../core/messages.js';
import type { Member, View } from '../core/types.js';
import { compareUtf8 } from '../core/utf8.js';
import type { Metrics } from './metrics.js';
import type { LifecycleChange, SimListener, Simulation } from './simulation.js';

export interface CheckerOptions {
  /** Period of the deep checks in virtual ms (default 5000; 0 disables them). */
  readonly deepCheckMs?: number;
  /** Nodes inspected per deep check (default 64; a rotating sample). */
  readonly deepCheckNodes?: number;
  /** Track every (observer, member) pair up to this many slots (default 256). */
  readonly pairTrackingMax?: number;
  /** Views longer than this are checked on a sample of events only (default 512). */
  readonly fullViewCheckMax?: number;
}

/** A member an observer reported dead or left: at which incarnation, and when. */
interface Tombstone {
  readonly incarnation: number;
  readonly atMs: number;
}

/** Why a view breaks the libcluster tiling, or undefined when it holds. */
export function viewProblem(view: View): string | undefined {
  let index = 0;
  let previous: string | undefined;
  for (const member of view.members) {
    if (!Number.isInteger(member.threads) || member.threads < 1)
      return `member ${member.id} has ${member.threads} threads`;
    if (previous !== undefined && compareUtf8(previous, member.id) >= 0) {
      return `members out of order: ${previous} before ${member.id}`;
    }
    if (member.index !== index) return `member ${member.id} has index ${member.index}, expected ${index}`;
    index += member.threads;
    previous = member.id;
  }
  if (view.total !== index) return `total is ${view.total}, the thread counts sum to ${index}`;
  return undefined;
}

export class Invariants implements SimListener {
  /** Checks performed (events inspected and deep checks). */
  checks = 0;
  private readonly sim: Simulation;
  private readonly metrics: Metrics | undefined;
  private readonly config: ProtocolConfig;
  private readonly nodes: number;
  private readonly pairs: boolean;
  private readonly fullViewCheckMax: number;
  /** Per observer: the members it last reported dead or left, by slot. */
  private readonly tombstones: Array<Map<number, Tombstone> | undefined>;
  /** Per (observer, member) with full pair tracking: the last incarnation seen. */
  private readonly lastInc: Float64Array | undefined;
  private readonly ownInc: Float64Array;
  private readonly ownLife: Int32Array;
  private readonly idToSlot = new Map<string, number>();
  private deepCursor = 0;
  private viewEvents = 0;

  constructor(sim: Simulation, metrics?: Metrics, options: CheckerOptions = {}) {
    this.sim = sim;
    this.metrics = metrics;
    this.config = sim.config;
    this.nodes = sim.slots.length;
    this.pairs = this.nodes <= (options.pairTrackingMax ?? 256);
    this.fullViewCheckMax = options.fullViewCheckMax ?? 512;
    this.lastInc = this.pairs ? new Float64Array(this.nodes * this.nodes).fill(-1) : undefined;
    this.tombstones = new Array<Map<number, Tombstone> | undefined>(this.nodes).fill(undefined);
    this.ownInc = new Float64Array(this.nodes).fill(-1);
    this.ownLife = new Int32Array(this.nodes).fill(-1);
    for (const slot of sim.slots) this.idToSlot.set(slot.id, slot.index);
    const deepCheckMs = options.deepCheckMs ?? 5000;
    const deepNodes = options.deepCheckNodes ?? 64;
    if (deepCheckMs > 0) {
      sim.every(deepCheckMs, () => {
        this.deepCheck(deepNodes);
        return true;
      });
    }
  }

  packetSent(
    from: number,
    _to: number,
    bytes: number,
    messages: readonly Message[],
    _channel: Channel,
  ): void {
    this.checks++;
    if (bytes > this.config.packetBytesMax) {
      this.sim.fail(
        `${this.sim.slot(from).id} sent a ${bytes}-byte packet (${messages.length} messages), over packetBytesMax ${this.config.packetBytesMax}`,
      );
    }
  }

  lifecycle(slot: number, change: LifecycleChange): void {
    if (change !== 'start') return;
    // A fresh core knows nobody: forget what this observer had seen.
    this.tombstones[slot] = undefined;
    this.lastInc?.fill(-1, slot * this.nodes, (slot + 1) * this.nodes);
  }

  coreEvent(slot: number, event: CoreEvent, now: number): void {
    if (event.type === 'member') this.onMember(slot, event.kind, event.member, now);
    else if (event.type === 'view') this.onView(slot, event.viewId);
  }

  private onMember(observer: number, kind: string, member: Member, now: number): void {
    this.checks++;
    const subject = this.idToSlot.get(member.id);
    if (subject === undefined) return;
    const key = observer * this.nodes + subject;
    if (kind === 'reap') {
      this.tombstones[observer]?.delete(subject);
      if (this.lastInc !== undefined) this.lastInc[key] = -1;
      return;
    }
    const name = (): string => `${this.sim.slot(observer).id} sees ${member.id}`;
    if (this.lastInc !== undefined) {
      const last = this.lastInc[key] as number;
      if (member.incarnation < last) {
        this.sim.fail(
          `${name()} go from incarnation ${last} back to ${member.incarnation} (${kind}, ${member.state})`,
        );
      }
      this.lastInc[key] = member.incarnation;
    }
    if (member.state === 'dead' || member.state === 'left') {
      let held = this.tombstones[observer];
      if (held === undefined) {
        held = new Map();
        this.tombstones[observer] = held;
      }
      held.set(subject, { incarnation: member.incarnation, atMs: now });
      return;
    }
    const tombstone = this.tombstones[observer]?.get(subject);
    if (tombstone !== undefined) {
      const { incarnation, atMs } = tombstone;
      if (member.incarnation <= incarnation && now - atMs <= this.config.tombstoneRetentionMs) {
        this.sim.fail(
          `${name()} ${member.state} at incarnation ${member.incarnation} (${kind}) after holding it dead or left at ${incarnation}`,
        );
      }
      this.tombstones[observer]?.delete(subject);
    }
  }

  private onView(slot: number, viewId: number): void {
    this.viewEvents++;
    const core = this.sim.slot(slot).core;
    if (core === undefined) return;
    // Building a large view on every event would dominate a big run: sample those.
    if (this.nodes > this.fullViewCheckMax && this.viewEvents % 97 !== 0) return;
    this.checks++;
    const view = core.view();
    if (view.viewId !== viewId) {
      this.sim.fail(`${core.id} announced view ${viewId} but view() returns ${view.viewId}`);
    }
    const problem = viewProblem(view);
    if (problem !== undefined)
      this.sim.fail(`view of ${this.sim.slot(slot).id} breaks the tiling: ${problem}`);
  }

  private deepCheck(count: number): void {
    const sim = this.sim;
    const slots = sim.slots;
    let live = 0;
    for (const slot of slots) if (slot.active) live++;
    // The queue holds a handful of timers per node plus packets in flight.
    const queueBound = 500 * Math.max(1, live) + 10_000;
    if (sim.pendingEvents > queueBound) {
      sim.fail(
        `${sim.pendingEvents} events pending for ${live} active nodes: something schedules without bound`,
      );
    }
    const n = slots.length;
    const inspect = Math.min(count, n);
    for (let k = 0; k < inspect; k++) {
      const slot = slots[(this.deepCursor + k) % n];
      if (slot === undefined || slot.status !== 'running' || slot.paused || slot.core === undefined) continue;
      this.checks++;
      this.inspect(slot.index);
    }
    this.deepCursor = (this.deepCursor + inspect) % n;
  }

  private inspect(index: number): void {
    const sim = this.sim;
    const slot = sim.slot(index);
    const core = slot.core;
    if (core === undefined) return;
    const config = this.config;
    const self = core.member(slot.coreId);
    if (self === undefined) {
      sim.fail(`${slot.id} does not hold itself`);
      return;
    }
    if (self.state !== 'alive') sim.fail(`${slot.id} holds itself ${self.state}`);
    if (this.ownLife[index] === slot.life && self.incarnation < (this.ownInc[index] as number)) {
      sim.fail(`${slot.id} lowered its own incarnation from ${this.ownInc[index]} to ${self.incarnation}`);
    }
    this.ownLife[index] = slot.life;
    this.ownInc[index] = self.incarnation;
    // Counted, not listed: listing every member of every inspected node is O(N) each.
    const stats = core.stats();
    if (stats.members > config.membersMax) {
      sim.fail(`${slot.id} holds ${stats.members} members, over membersMax ${config.membersMax}`);
    }
    const queued = stats.broadcastQueueLength;
    if (queued > stats.members + 16) {
      sim.fail(`${slot.id} has ${queued} queued broadcasts for ${stats.members} members`);
    }
    // The members this node reported dead or left and still holds so: their tombstones age out.
    const reapSlack = Math.max(10_000, 10 * config.probeIntervalMs);
    for (const [subject, { atMs }] of this.tombstones[index] ?? []) {
      if (sim.now - atMs <= config.tombstoneRetentionMs + reapSlack) continue;
      const member = core.member(sim.slot(subject).id);
      if (member !== undefined && (member.state === 'dead' || member.state === 'left')) {
        sim.fail(
          `${slot.id} still holds a ${member.state} tombstone for ${member.id} after ${Math.round(sim.now - atMs)} ms (retention ${config.tombstoneRetentionMs})`,
        );
      }
    }
    const tracked = this.metrics?.tracked(index);
    if (tracked !== undefined) {
      const view = core.view();
      if (view.viewId !== tracked.viewId) {
        sim.fail(`${slot.id} holds view ${view.viewId} but its last view event said ${tracked.viewId}`);
      }
      if (core.settled !== tracked.settled) {
        sim.fail(
          `${slot.id} reports settled=${core.settled} but its last settled event said ${tracked.settled}`,
        );
      }
      const problem = viewProblem(view);
      if (problem !== undefined) sim.fail(`view of ${slot.id} breaks the tiling: ${problem}`);
    }
  }
}
